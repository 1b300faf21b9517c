"""The raw path's rule: one message id is one message, as in Telegram.

Scripts post updates to ``/webhooks/telegram`` with ids they pick. In the
sandbox the stand-in Telegram must learn those ids before the bot can take
one of them for its own message (an injected message under a taken id used
to replace the bot's message silently). So, in sandbox mode only, a message
update is looked at before the ingress sees it: a message id already used in
its chat by another message is refused with 409; the same update delivered
again passes (the ingress then acknowledges it without doing anything twice).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from core.jobs import payloads, shapes
from core.platform.database import UNAVAILABLE
from core.platform.errors import BadInput, DatabaseUnavailable
from core.sandbox.telegram.incoming import read_message
from core.sandbox.telegram.model import TelegramModel
from webhooks.deps import DEPS, MAX_BODY_BYTES
from webhooks.responses import refuse
from webhooks.telegram import SECRET_HEADER

PATH = "/webhooks/telegram"
MODELLED = ("private", "supergroup")


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _message_of(update: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    for kind in ("message", "edited_message"):
        body = update.get(kind)
        if isinstance(body, Mapping):
            return kind, body
    return None


async def _conflict(model: TelegramModel, update: Mapping[str, Any]) -> str | None:
    """Why the update cannot be what Telegram sends, or None."""
    update_id = _int(update.get("update_id"))
    found = _message_of(update)
    if update_id is None or found is None:
        return None  # the ingress answers malformed updates itself
    kind, message = found
    chat = message.get("chat")
    if not isinstance(chat, Mapping) or chat.get("type") not in MODELLED \
            or _int(chat.get("id")) is None or _int(message.get("message_id")) is None:
        return None
    try:
        m = read_message(message)
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError):
        return None  # not a message the stand-in keeps; the ingress and the workers judge it
    where = f"in chat {m.chat.id}"
    if kind == "edited_message":
        if await model.edit_allowed(m.chat.id, m.message_id, m.sender_id):
            return None
        return f"message {m.message_id} {where} is not this sender's: it cannot be edited by them"
    if await model.claim(update_id, m):
        return None
    return (f"message_id {m.message_id} is already used {where} by another message; "
            "Telegram gives each message its own id (POST /sandbox/send picks one for you)")


def middleware(model: TelegramModel) -> Any:
    @web.middleware
    async def one_id_one_message(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != PATH or request.method != "POST":
            return await handler(request)
        secret = request.app[DEPS].settings.webhook_secret
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return await handler(request)  # 401 there, nothing learnt here
        try:
            update = payloads.decode(await request.read())
            if isinstance(update, Mapping):
                shapes.check_update(update)
        except web.HTTPRequestEntityTooLarge:
            return refuse(413, f"update larger than {MAX_BODY_BYTES} bytes")
        except BadInput:
            return await handler(request)  # the ingress refuses it, with the reason
        if isinstance(update, Mapping):
            try:
                reason = await _conflict(model, update)
            except (DatabaseUnavailable, *UNAVAILABLE):
                return refuse(503, "database unavailable, retry later")
            if reason is not None:
                return refuse(409, reason)
        # aiohttp keeps the body read above: the ingress reads the same bytes.
        return await handler(request)

    return one_id_one_message
