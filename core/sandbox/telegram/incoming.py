"""Reading a Bot API message (what a webhook update carries) into the fake's terms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.sandbox.telegram.rows import ChatType, Content

# Order matters: an animation also carries "document", so it is looked at first.
MEDIA_KINDS = (
    "animation", "photo", "video", "video_note", "voice", "audio", "sticker", "document",
    "invoice", "contact", "location", "poll",
)
SERVICE_KEYS = (
    "forum_topic_created", "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
    "successful_payment", "refunded_payment", "new_chat_members", "left_chat_member",
    "pinned_message", "migrate_to_chat_id", "migrate_from_chat_id", "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
)


@dataclass(frozen=True)
class IncomingChat:
    id: int
    type: ChatType
    title: str | None
    first_name: str | None
    last_name: str | None
    username: str | None
    is_forum: bool


@dataclass(frozen=True)
class Incoming:
    chat: IncomingChat
    message_id: int
    thread_id: int | None
    sender_id: int | None
    reply_to_message_id: int | None
    content: Content
    created_at: datetime | None
    edited_at: datetime | None
    #: The name of the topic this message is in, when the message tells it.
    topic_name: str | None


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value is not None else None


class UnmodelledChat(ValueError):
    """The fake Telegram keeps users' messages of private chats and supergroups only."""


def read_chat(chat: Mapping[str, Any]) -> IncomingChat:
    kind = chat.get("type")
    if kind not in (ChatType.PRIVATE, ChatType.SUPERGROUP):
        raise UnmodelledChat(f"the fake Telegram models private chats and supergroups, not {kind!r}")
    return IncomingChat(
        id=int(chat["id"]),
        type=ChatType(kind),
        title=chat.get("title"),
        first_name=chat.get("first_name"),
        last_name=chat.get("last_name"),
        username=chat.get("username"),
        is_forum=bool(chat.get("is_forum", False)),
    )


def _content(message: Mapping[str, Any]) -> Content:
    group = message.get("media_group_id")
    if "text" in message:
        return Content(kind="text", text=message["text"], entities=message.get("entities"))
    for kind in MEDIA_KINDS:
        if kind in message:
            return Content(
                kind=kind,
                text=message.get("caption"),
                entities=message.get("caption_entities"),
                media_group_id=str(group) if group is not None else None,
                extra={kind: message[kind]},
            )
    for key in SERVICE_KEYS:
        if key in message:
            return Content(kind="service", extra={key: message[key]})
    return Content(kind="other")


def _topic_name(message: Mapping[str, Any]) -> str | None:
    for source in (message, message.get("reply_to_message") or {}):
        created = source.get("forum_topic_created")
        if created:
            return str(created.get("name"))
    return None


def read_message(message: Mapping[str, Any]) -> Incoming:
    """Read the Bot API JSON of a message a user or an operator sent."""
    sender = message.get("from") or {}
    reply_to = message.get("reply_to_message") or {}
    # In a forum, message_thread_id is the topic only when is_topic_message says so;
    # elsewhere it names a reply thread, which the fake does not model.
    thread = message.get("message_thread_id") if message.get("is_topic_message") else None
    return Incoming(
        chat=read_chat(message["chat"]),
        message_id=int(message["message_id"]),
        thread_id=int(thread) if thread is not None else None,
        sender_id=int(sender["id"]) if "id" in sender else None,
        reply_to_message_id=int(reply_to["message_id"]) if "message_id" in reply_to else None,
        content=_content(message),
        created_at=_time(message.get("date")),
        edited_at=_time(message.get("edit_date")),
        topic_name=_topic_name(message),
    )
