"""Bot API JSON of what people do in the console, shaped as Telegram sends it to the bot.

Pure functions: who (a :class:`Sender`), where (a chat, a topic) and what
(text, an attachment, a button) in; the ``message`` or ``callback_query``
of an update out. Ids and dates are the caller's (the fake Telegram's).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.sandbox.telegram.media import file_id_of
from core.sandbox.telegram.rows import Chat, ChatType, Message

BOT_NAME = "Paid Desk"

# What Telegram's servers mark in what people type (the bot reads commands from
# bot_command entities); offsets count UTF-16 code units, as the Bot API does.
_ENTITIES = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?(?![\w/]))"
    r"|(?P<url>https?://[^\s<>\"]+[^\s<>\".,:;!?)\]'])"
    r"|(?P<mention>(?<!\w)@[A-Za-z][A-Za-z0-9_]{4,31}(?!\w))"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
)


@dataclass(frozen=True)
class Sender:
    """Someone writing: a user in their chat with the bot, or an operator in an admin group."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value:
                user[key] = value
        return user


@dataclass(frozen=True)
class Attachment:
    """A file a person attached, kept by the sandbox (``/sandbox/files``)."""

    kind: str  # photo | document
    unique_id: str
    size: int
    mime_type: str
    file_name: str | None
    width: int = 0
    height: int = 0

    def as_bot_api(self) -> Any:
        # An id the bot can send again or download, as Telegram's are.
        file = {"file_id": file_id_of(self.kind, self.unique_id), "file_unique_id": self.unique_id,
                "file_size": self.size}
        if self.kind == "photo":
            return [{**file, "width": self.width, "height": self.height}]
        return {**file, "file_name": self.file_name or "file", "mime_type": self.mime_type}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_of(text: str) -> list[dict[str, Any]]:
    """The entities Telegram finds in plain text: commands, links, mentions, hashtags."""
    found = []
    for match in _ENTITIES.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        found.append({"offset": utf16_length(text[: match.start()]),
                      "length": utf16_length(match.group()), "type": kind})
    return found


def bot_user(bot_id: int, username: str) -> dict[str, Any]:
    return {"id": bot_id, "is_bot": True, "first_name": BOT_NAME, "username": username}


def chat_json(chat: Chat) -> dict[str, Any]:
    if chat.type is ChatType.PRIVATE:
        out: dict[str, Any] = {"id": chat.id, "first_name": chat.first_name or "", "type": "private"}
        if chat.last_name:
            out["last_name"] = chat.last_name
        if chat.username:
            out["username"] = chat.username
        return out
    return {"id": chat.id, "title": chat.title or "", "is_forum": chat.is_forum, "type": chat.type.value}


def content(text: str | None, attachment: Attachment | None) -> dict[str, Any]:
    """The text (or the attachment and its caption) of a message, with its entities."""
    body: dict[str, Any] = {}
    if attachment is None:
        body["text"] = text or ""
        entities = entities_of(body["text"])
        if entities:
            body["entities"] = entities
        return body
    body[attachment.kind] = attachment.as_bot_api()
    if text:
        body["caption"] = text
        entities = entities_of(text)
        if entities:
            body["caption_entities"] = entities
    return body


def stored_message(m: Message, chat: Chat, sender: Mapping[str, Any] | None) -> dict[str, Any]:
    """A message the fake Telegram holds, as the Bot API shows it inside another
    (``reply_to_message``, a button press's ``message``)."""
    out: dict[str, Any] = {"message_id": m.message_id, "date": int(m.created_at.timestamp()),
                           "chat": chat_json(chat)}
    if sender is not None:
        out["from"] = dict(sender)
    if m.thread_id is not None:
        out.update(message_thread_id=m.thread_id, is_topic_message=True)
    if m.kind == "text":
        out["text"] = m.text or ""
        if m.entities:
            out["entities"] = m.entities
    else:
        if m.text is not None:
            out["caption"] = m.text
            if m.entities:
                out["caption_entities"] = m.entities
        out.update(m.extra)
    if m.reply_markup:
        out["reply_markup"] = m.reply_markup
    if m.edited_at is not None:
        out["edit_date"] = int(m.edited_at.timestamp())
    return out


def topic_root(chat: Chat, topic_id: int, name: str, icon_color: int, bot: Mapping[str, Any],
               date: int) -> dict[str, Any]:
    """The service message that opened a topic: Telegram's ``reply_to_message`` of a
    topic message that replies to nothing in particular."""
    return {"message_id": topic_id, "message_thread_id": topic_id, "is_topic_message": True,
            "from": dict(bot), "chat": chat_json(chat), "date": date,
            "forum_topic_created": {"name": name, "icon_color": icon_color}}


def message(
    *, chat: Chat, sender: Sender, date: int, text: str | None, attachment: Attachment | None = None,
    thread_id: int | None = None, reply_to: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A new message (without its ``message_id``, which the fake Telegram gives it)."""
    out: dict[str, Any] = {"from": sender.as_user(), "chat": chat_json(chat), "date": date}
    if thread_id is not None:
        out.update(message_thread_id=thread_id, is_topic_message=True)
    if reply_to is not None:
        out["reply_to_message"] = dict(reply_to)
    out.update(content(text, attachment))
    return out


def chat_instance(chat_id: int) -> str:
    """Telegram's stable id of "this chat, as the bot's messages are shown in it"."""
    digest = hashlib.blake2b(f"chat-instance:{chat_id}".encode(), digest_size=8).digest()
    return str(int.from_bytes(digest, "big", signed=True))


def callback_query(*, query_id: str, sender: Sender, shown: Mapping[str, Any], data: str) -> dict[str, Any]:
    return {"id": query_id, "from": sender.as_user(), "chat_instance": chat_instance(shown["chat"]["id"]),
            "message": dict(shown), "data": data}


def buttons_of(markup: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [dict(b) for row in (markup or {}).get("inline_keyboard", []) for b in row]
