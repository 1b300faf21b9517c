"""GET /sandbox/messages?chat_id=ID: what the bot sent to a chat, in sandbox mode only.

This is the contract a person or a script uses to drive the bot without
Telegram; its fields are stable: chat_id, message_id, thread_id, text,
reply_markup, kind.
"""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from webhooks.deps import DEPS
from webhooks.responses import refuse


class SandboxView(Protocol):
    async def messages(self, chat_id: int) -> list[dict[str, Any]]: ...


async def sent_messages(request: web.Request) -> web.Response:
    sandbox = request.app[DEPS].sandbox
    if sandbox is None:
        return refuse(404, "sandbox mode is off (BOT_TOKEN is set)")
    raw = request.query.get("chat_id", "")
    try:
        chat_id = int(raw)
    except ValueError:
        return refuse(400, "chat_id must be an integer")
    # The chat also holds what users wrote; the contract is what the bot sent.
    sent = [m for m in await sandbox.messages(chat_id) if m.get("from_bot", True)]
    return web.json_response(sent)
