"""The fake Telegram's rows, and the refusal it answers with when Telegram would."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

import asyncpg

#: Telegram's limits that the fake enforces, so the product meets them in tests.
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_FORWARD = 100
#: The colour Telegram gives a topic when none is chosen (also the column default).
DEFAULT_ICON_COLOR = 7322096


class ChatType(StrEnum):
    PRIVATE = "private"
    #: A basic group: no topics; Telegram upgrades it to a supergroup (a new id).
    GROUP = "group"
    SUPERGROUP = "supergroup"


class Refused(Exception):
    """Telegram refused the call with this error id (``FLOOD_WAIT``, ``USER_IS_BLOCKED``...).

    The model speaks Telegram's error ids without knowing Pyrogram; the fake
    client turns them into the exceptions Pyrogram raises for them.
    """

    def __init__(self, error: str, value: int | None = None) -> None:
        super().__init__(error if value is None else f"{error}_{value}")
        self.error = error
        self.value = value

    @property
    def message(self) -> str:
        """The error message as Telegram sends it: ``FLOOD_WAIT_42``."""
        return str(self.args[0])


@dataclass(frozen=True)
class Chat:
    id: int
    type: ChatType
    title: str | None
    first_name: str | None
    last_name: str | None
    username: str | None
    is_forum: bool
    blocked: bool
    deactivated: bool
    #: A basic group upgraded to a supergroup: the supergroup's id.
    migrated_to: int | None = None


@dataclass(frozen=True)
class Topic:
    chat_id: int
    topic_id: int
    name: str
    icon_color: int
    closed: bool
    deleted: bool


@dataclass(frozen=True)
class Message:
    chat_id: int
    message_id: int
    thread_id: int | None
    from_bot: bool
    sender_id: int | None
    kind: str
    text: str | None
    entities: list[dict[str, Any]] | None
    reply_markup: dict[str, Any] | None
    reply_to_message_id: int | None
    media_group_id: str | None
    extra: dict[str, Any]
    created_at: datetime
    edited_at: datetime | None

    def public(self) -> dict[str, Any]:
        """What the sandbox page and tests see of a message."""
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "thread_id": self.thread_id,
            "kind": self.kind,
            "text": self.text,
            "reply_markup": self.reply_markup,
            "from_bot": self.from_bot,
            "date": self.created_at.isoformat(),
            "reply_to_message_id": self.reply_to_message_id,
            "edited": self.edited_at is not None,
        }


@dataclass(frozen=True)
class QueryAnswer:
    kind: str
    query_id: str
    ok: bool
    text: str | None
    show_alert: bool
    #: An inline query's results, as Bot API JSON (``InlineQueryResultArticle``).
    results: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Content:
    """What the bot sends: everything of a message except where it goes."""

    kind: str
    text: str | None = None
    entities: list[dict[str, Any]] | None = None
    reply_markup: dict[str, Any] | None = None
    media_group_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def stable_id(*parts: object) -> int:
    """A positive 63-bit id derived from ``parts``: the same file always gets the same id."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


R = TypeVar("R")


def from_record(cls: type[R], record: Mapping[str, Any] | asyncpg.Record) -> R:
    """Build a row dataclass from the columns it names (tables may carry more)."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    values = {name: record[name] for name in names}
    if cls is Chat:
        values["type"] = ChatType(values["type"])
    return cls(**values)
