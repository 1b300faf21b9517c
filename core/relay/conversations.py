"""One conversation per user and admin group: its topic and where it stands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum

import asyncpg

from core.platform.sql import q


class Status(StrEnum):
    OPEN = "open"
    WAITING_OPERATOR = "waiting_operator"
    WAITING_USER = "waiting_user"
    CLOSED = "closed"


@dataclass(frozen=True)
class Conversation:
    id: int
    user_id: int
    admin_chat_id: int
    topic_id: int | None
    status: Status
    unread_count: int
    last_user_message_at: datetime | None
    last_operator_message_at: datetime | None
    first_response_at: datetime | None
    created_at: datetime
    closed_at: datetime | None


def _row(record: asyncpg.Record | None) -> Conversation | None:
    if record is None:
        return None
    # Only the relay's columns: other features keep more on the row (core.desk).
    values = {f.name: record[f.name] for f in fields(Conversation)}
    values["status"] = Status(values["status"])
    return Conversation(**values)


def admin_group_for(telegram_id: int, groups: Sequence[int]) -> int:
    """Users are spread over the admin groups stably, by their id.

    ``groups`` in configured order (``Settings.admin_group_ids``): a group
    Telegram upgraded keeps its place under its new id, so its users stay;
    :func:`ensure` also finds them when a caller still has the old id.
    """
    return groups[telegram_id % len(groups)]


async def ensure(conn: asyncpg.Connection, user_id: int, admin_chat_id: int) -> Conversation:
    found = _row(await conn.fetchrow(q("conversations_ensure"), user_id, admin_chat_id))
    assert found is not None
    return found


async def of_user(conn: asyncpg.Connection, user_id: int) -> Conversation | None:
    return _row(await conn.fetchrow(q("conversations_of_user"), user_id))


async def by_topic(conn: asyncpg.Connection, admin_chat_id: int, topic_id: int) -> Conversation | None:
    return _row(await conn.fetchrow(q("conversations_by_topic"), admin_chat_id, topic_id))


async def lock(conn: asyncpg.Connection, conversation_id: int) -> Conversation:
    found = _row(await conn.fetchrow(q("conversations_lock"), conversation_id))
    assert found is not None
    return found


async def set_topic(conn: asyncpg.Connection, conversation_id: int, topic_id: int) -> Conversation:
    found = _row(await conn.fetchrow(q("conversations_set_topic"), conversation_id, topic_id))
    assert found is not None
    return found


async def set_card(conn: asyncpg.Connection, conversation_id: int, message_id: int) -> None:
    await conn.execute(q("conversations_set_card"), conversation_id, message_id)


async def set_status(conn: asyncpg.Connection, conversation_id: int, status: Status) -> None:
    await conn.execute(q("conversations_set_status"), conversation_id, status.value)


async def operator_wrote(conn: asyncpg.Connection, conversation_id: int) -> None:
    await conn.execute(q("conversations_operator_wrote"), conversation_id)


async def forget_topic(conn: asyncpg.Connection, conversation_id: int) -> None:
    await conn.execute(q("conversations_forget_topic"), conversation_id)


async def follow_chat(conn: asyncpg.Connection, old: int, new: int) -> int:
    """Telegram upgraded admin group ``old`` to ``new``: its conversations move
    there (a hook of the delivery's chat migrations); returns how many."""
    moved: int = await conn.fetchval(q("conversations_follow_chat"), old, new)
    return moved
