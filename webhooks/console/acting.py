"""What a person does in the console, sent to the bot the way Telegram sends it.

``POST /sandbox/send`` and ``POST /sandbox/press`` build the update from who,
where and what; the fake Telegram gives the message its id (from the chat's
one sequence, which the bot's messages share), the update its id and date;
the update then goes to the web process's own ``/webhooks/telegram`` over
HTTP with the webhook secret, exactly as Telegram's traffic arrives.
``POST /sandbox/users`` creates a Telegram user; ``POST /sandbox/files``
keeps a file someone attaches, for the message that carries it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import BodyPartReader, web

from core.platform.database import connection
from core.sandbox.console import world
from core.sandbox.telegram.people import Unacceptable
from core.sandbox.telegram.rows import MAX_CAPTION, MAX_TEXT, Chat, ChatType, Refused
from webhooks.console import updates
from webhooks.console.state import CONSOLE, NO_ANSWER, Console
from webhooks.console.updates import Attachment, Sender
from webhooks.console.views import INLINE_IMAGES, operators
from webhooks.responses import ok, refuse

#: Telegram lets bots download files up to 20 MB; the sandbox keeps less, in Postgres.
MAX_FILE_BYTES = 10 * 1024 * 1024


class Invalid(Exception):
    """The request cannot be done; the message says why (answered 400 unless said)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


async def _body(request: web.Request) -> Mapping[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Invalid("the body must be a JSON object") from None
    if not isinstance(body, Mapping):
        raise Invalid("the body must be a JSON object")
    return body


def _int(body: Mapping[str, Any], key: str, *, required: bool = True) -> int | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(f"{key} must be an integer")
    return value


async def _chat(console: Console, chat_id: int) -> Chat:
    chat = await console.model.chat(chat_id)
    if chat is None or chat.type not in (ChatType.PRIVATE, ChatType.SUPERGROUP) or chat.deactivated:
        raise Invalid(f"no chat {chat_id} in the sandbox", 404)
    return chat


async def _person(console: Console, person_id: int, staff: Mapping[int, Mapping[str, Any]]) -> Sender:
    """Someone as Telegram shows them: their profile (a private chat with the bot), else what
    the bot knows of them, else the name the console gives an owner or operator."""
    profile = await console.model.chat(person_id)
    if profile is not None and profile.type is ChatType.PRIVATE and profile.first_name:
        return Sender(person_id, profile.first_name, profile.last_name, profile.username,
                      await console.model.language_of(person_id))
    async with connection(console.pool) as conn:
        known = (await world.people(conn, [person_id])).get(person_id)
    if known is not None and known.name != str(person_id):
        return Sender(person_id, known.name, None, known.username)
    listed = staff.get(person_id)
    return Sender(person_id, str(listed["name"]) if listed else str(person_id))


async def _staff(console: Console) -> dict[int, Mapping[str, Any]]:
    async with connection(console.pool) as conn:
        return {int(p["id"]): p for p in await operators(console.settings, conn)}


async def _sender(console: Console, chat: Chat, from_id: int | None) -> Sender:
    """Who writes: the user in their own chat; in a group, an owner or operator."""
    if chat.type is ChatType.PRIVATE:
        if from_id not in (None, chat.id):
            raise Invalid("in a private chat with the bot only its user writes: from_id must be the chat_id")
        return await _person(console, chat.id, {})
    if from_id is None:
        raise Invalid("from_id is required in a group: which operator writes")
    staff = await _staff(console)
    if from_id not in staff:
        raise Invalid(f"{from_id} is neither an owner (ADMIN_USER_ID) nor an operator: "
                      "add them in the control center (/operator add)")
    return await _person(console, from_id, staff)


def _check_text(text: str | None, attachment: Attachment | None) -> str | None:
    if text is not None and not isinstance(text, str):
        raise Invalid("text must be a string")
    if attachment is None:
        if not (text or "").strip():
            raise Invalid("write something, or attach a file")
        if updates.utf16_length(text or "") > MAX_TEXT:
            raise Invalid(f"a message holds at most {MAX_TEXT} characters")
        return text
    if text is not None and updates.utf16_length(text) > MAX_CAPTION:
        raise Invalid(f"a caption holds at most {MAX_CAPTION} characters")
    return text or None


async def _attachment(console: Console, raw: object) -> Attachment | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or raw.get("kind") not in ("photo", "document"):
        raise Invalid('attachment must be {"unique_id": ..., "kind": "photo" | "document"}')
    unique = str(raw.get("unique_id", ""))
    stored = await console.model.file(unique)
    if stored is None:
        raise Invalid("no such file: upload it first (POST /sandbox/files)")
    kind = str(raw["kind"])
    if kind == "photo" and stored.mime_type not in INLINE_IMAGES:
        raise Invalid("a photo must be a JPEG, PNG, GIF or WebP image; send other files as documents")
    size = (int(raw.get("width") or 0), int(raw.get("height") or 0))
    return Attachment(kind, unique, len(stored.content), stored.mime_type, stored.file_name, *size)


async def _where(console: Console, chat: Chat, thread_id: int | None) -> dict[str, Any] | None:
    """The message that opened the topic written in (None outside topics)."""
    if thread_id is None:
        return None
    if chat.type is not ChatType.SUPERGROUP or not chat.is_forum:
        raise Invalid("thread_id names a topic: only forum groups have them")
    topic = next((t for t in await console.model.topics(chat.id) if t.topic_id == thread_id), None)
    if topic is None or topic.deleted:
        raise Invalid(f"no topic {thread_id} in chat {chat.id}", 404)
    bot = updates.bot_user(console.model.bot_id, console.settings.bot_username)
    return updates.topic_root(chat, topic.topic_id, topic.name, topic.icon_color, bot, int(time.time()))


async def _shown(console: Console, chat: Chat, message_id: int) -> dict[str, Any]:
    """A message of the chat as the Bot API shows it inside another."""
    m = await console.model.message(chat.id, message_id)
    if m is None:
        raise Invalid(f"no message {message_id} in chat {chat.id}", 404)
    if m.from_bot:
        sender: dict[str, Any] | None = updates.bot_user(console.model.bot_id, console.settings.bot_username)
    elif m.sender_id is not None:
        sender = (await _person(console, m.sender_id, await _staff(console))).as_user()
    else:
        sender = None
    return updates.stored_message(m, chat, sender)


async def _deliver(console: Console, update: dict[str, Any]) -> web.Response | None:
    status, answer = await console.ingress.post(update)
    if status == 200:
        return None
    if status == NO_ANSWER:
        return refuse(503, f"the ingress did not answer ({answer['error']}): the update may have been"
                           " recorded all the same; look at the chat before sending it again")
    return refuse(502 if status < 500 else status,
                  f"the ingress answered {status}: {answer.get('error', answer)}")


def _refusing(handler: Any) -> Any:
    async def wrapped(request: web.Request) -> web.Response:
        try:
            response: web.Response = await handler(request)
        except Invalid as exc:
            return refuse(exc.status, str(exc))
        except Unacceptable as exc:
            return refuse(400, str(exc))
        except Refused as exc:
            return refuse(400, f"Telegram refuses: {exc.message}")
        return response

    return wrapped


@_refusing
async def send(request: web.Request) -> web.Response:
    """POST /sandbox/send {chat_id, from_id?, thread_id?, text?, reply_to_message_id?, attachment?}"""
    console = request.app[CONSOLE]
    body = await _body(request)
    chat = await _chat(console, _int(body, "chat_id") or 0)
    thread_id = _int(body, "thread_id", required=False)
    sender = await _sender(console, chat, _int(body, "from_id", required=False))
    attachment = await _attachment(console, body.get("attachment"))
    text = _check_text(body.get("text"), attachment)
    reply_to = await _where(console, chat, thread_id)
    reply_id = _int(body, "reply_to_message_id", required=False)
    if reply_id is not None:
        reply_to = await _shown(console, chat, reply_id)
        if reply_to.get("message_thread_id") != thread_id and chat.is_forum:
            raise Invalid(f"message {reply_id} is not in this topic")
    update_id = await console.model.next_update_id()
    message = updates.message(chat=chat, sender=sender, date=int(time.time()), text=text,
                              attachment=attachment, thread_id=thread_id, reply_to=reply_to)
    written = await console.model.write(message, update_id)
    failed = await _deliver(console, {"update_id": update_id, "message": written})
    if failed is not None:
        return failed
    return ok(chat_id=chat.id, message_id=written["message_id"], update_id=update_id, date=written["date"])


@_refusing
async def press(request: web.Request) -> web.Response:
    """POST /sandbox/press {chat_id, message_id, data, from_id?}: press a callback button."""
    console = request.app[CONSOLE]
    body = await _body(request)
    chat = await _chat(console, _int(body, "chat_id") or 0)
    message_id = _int(body, "message_id")
    assert message_id is not None
    data = body.get("data")
    sender = await _sender(console, chat, _int(body, "from_id", required=False))
    shown = await _shown(console, chat, message_id)
    if shown.get("from", {}).get("id") != console.model.bot_id:
        raise Invalid("only the bot's messages have buttons")
    if not any(b.get("callback_data") == data for b in updates.buttons_of(shown.get("reply_markup"))):
        raise Invalid(f"message {message_id} has no button with callback_data {data!r}")
    query_id = str(secrets.randbelow(2**63))
    update_id = await console.model.next_update_id()
    update = {"update_id": update_id, "callback_query": updates.callback_query(
        query_id=query_id, sender=sender, shown=shown, data=str(data))}
    failed = await _deliver(console, update)
    if failed is not None:
        return failed
    return ok(query_id=query_id, update_id=update_id)


@_refusing
async def create_user(request: web.Request) -> web.Response:
    """POST /sandbox/users {first_name, last_name?, username?, language_code}"""
    console = request.app[CONSOLE]
    body = await _body(request)
    fields = {key: body.get(key) for key in ("first_name", "last_name", "username", "language_code")}
    if not all(isinstance(v, str | None) for v in fields.values()):
        raise Invalid("first_name, last_name, username and language_code are strings")
    chat = await console.model.create_user(
        fields["first_name"] or "", fields["last_name"], fields["username"], fields["language_code"] or "en")
    return web.json_response({"ok": True, "chat_id": chat.id, "first_name": chat.first_name,
                              "last_name": chat.last_name, "username": chat.username}, status=201)


@_refusing
async def upload(request: web.Request) -> web.Response:
    """POST /sandbox/files (multipart, field ``file``): keep a file for a message to carry."""
    console = request.app[CONSOLE]
    if not request.content_type.startswith("multipart/"):
        raise Invalid("send the file as multipart/form-data in the field 'file'")
    reader = await request.multipart()
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "file":
        part = await reader.next()
    if not isinstance(part, BodyPartReader):
        raise Invalid("no field 'file' in the form")
    content = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        content += chunk
        if len(content) > MAX_FILE_BYTES:
            raise Invalid(f"files up to {MAX_FILE_BYTES // (1024 * 1024)} MB in the sandbox", 413)
    if not content:
        raise Invalid("the file is empty")
    mime = part.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip().lower()
    name = (part.filename or "file")[:255]
    unique = "sbx" + hashlib.blake2b(bytes(content), digest_size=12).hexdigest()
    await console.model.store_file(unique, mime or "application/octet-stream", name, bytes(content))
    return web.json_response({"ok": True, "unique_id": unique, "size": len(content), "mime_type": mime,
                              "file_name": name}, status=201)
