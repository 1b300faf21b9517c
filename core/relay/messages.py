"""Every message between a user and the operators, with its ids in both chats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg

from core.platform.sql import q


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    NOTE = "note"


class Status(StrEnum):
    HELD = "held"
    QUEUED = "queued"
    RELAYED = "relayed"
    FAILED = "failed"
    REFUSED = "refused"


@dataclass(frozen=True)
class Held:
    id: int
    user_message_id: int
    media_group_id: str | None
    #: The message of their chat it answers, if any.
    reply_to_message_id: int | None = None


@dataclass(frozen=True)
class Incoming:
    user_id: int
    conversation_id: int
    update_id: int
    user_message_id: int
    media_group_id: str | None
    kind: str
    text: str | None
    #: The message of their chat it answers, if any.
    reply_to_message_id: int | None = None


@dataclass(frozen=True)
class Failed:
    id: int
    user_id: int
    credits_charged: int


async def add_incoming(conn: asyncpg.Connection, m: Incoming) -> list[Held] | None:
    """Store a user's message as held and return the user's held messages, this one
    among them, oldest first, locked in this transaction; None if it was stored before."""
    rows = await conn.fetch(
        q("messages_insert_in"), m.user_id, m.conversation_id, m.update_id, m.user_message_id,
        m.media_group_id, m.kind, m.text, m.reply_to_message_id,
    )
    if not any(r["new"] for r in rows):
        return None
    return [Held(r["id"], r["user_message_id"], r["media_group_id"], r["reply_to_message_id"]) for r in rows]


async def add_from_operator(
    conn: asyncpg.Connection,
    *,
    user_id: int,
    conversation_id: int,
    direction: Direction,
    status: Status,
    update_id: int,
    admin_chat_id: int,
    admin_message_id: int,
    kind: str,
    text: str | None,
    operator_id: int,
) -> int | None:
    row_id: int | None = await conn.fetchval(
        q("messages_insert_from_operator"), user_id, conversation_id, direction.value, status.value,
        update_id, admin_chat_id, admin_message_id, kind, text, operator_id,
    )
    return row_id


async def held(conn: asyncpg.Connection, user_id: int) -> list[Held]:
    rows = await conn.fetch(q("messages_held"), user_id)
    return [Held(r["id"], r["user_message_id"], r["media_group_id"], r["reply_to_message_id"]) for r in rows]


async def relayed_to_user(
    conn: asyncpg.Connection, ids: Sequence[int], user_message_ids: Sequence[int]
) -> None:
    await conn.execute(q("messages_relayed_to_user"), list(ids), list(user_message_ids))


async def mark_failed(conn: asyncpg.Connection, ids: Sequence[int]) -> list[Failed]:
    rows = await conn.fetch(q("messages_failed"), list(ids))
    return [Failed(r["id"], r["user_id"], r["credits_charged"]) for r in rows]


async def set_text(conn: asyncpg.Connection, message_id: int, text: str | None) -> None:
    await conn.execute(q("messages_set_text"), message_id, text)


async def user_copy_of(conn: asyncpg.Connection, admin_chat_id: int, replied: object) -> int | None:
    """The user's side of the topic message an operator answered (``reply_to_message``):
    the user's original, or their copy of an operator's reply; None for any other."""
    if not isinstance(replied, Mapping) or not isinstance(replied.get("message_id"), int):
        return None
    found: int | None = await conn.fetchval(q("messages_user_copy_of"), admin_chat_id, replied["message_id"])
    return found


async def topic_replies(conn: asyncpg.Connection, row_ids: Sequence[int], admin_chat_id: int
                        ) -> dict[int, int]:
    """Of a relay's messages, those that answer a message of the user's chat with a
    copy in the topic: row id → that copy's id in the topic."""
    rows: list[Any] = await conn.fetch(q("messages_topic_replies"), list(row_ids), admin_chat_id)
    return {r["id"]: r["admin_message_id"] for r in rows}


async def operator_signature(conn: asyncpg.Connection, telegram_id: int) -> str | None:
    """How an operator signs replies when the setting asks: their alias, if they have one."""
    found: str | None = await conn.fetchval(q("messages_operator_alias"), telegram_id)
    return found
