"""Conversations as tickets: who handles them, whether they go first, where they stand.

The relay keeps one conversation per user and admin group; the database
follows its bookkeeping (migration 0022): the first unread message opens a
ticket and starts the wait, an operator's reply ends it, closing closes the
ticket. This module lists them for the screens and changes what operators
decide: the assignee, the priority, open or closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import asyncpg

from core.platform.sql import q


class Filter(StrEnum):
    OPEN = "open"
    WAITING = "waiting"
    UNREAD = "unread"
    HIGH = "high"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    CLOSED_TODAY = "closed_today"


class State(StrEnum):
    """What the topic's title shows."""

    NEW = "new"
    WAITING = "waiting"
    ANSWERED = "answered"
    CLOSED = "closed"


@dataclass(frozen=True)
class Ticket:
    id: int
    user_id: int
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    tier: str
    admin_chat_id: int
    topic_id: int | None
    status: str
    unread_count: int
    waiting_since: datetime | None
    assignee_id: int | None
    high_priority: bool
    closed_at: datetime | None

    @property
    def closed(self) -> bool:
        return self.status == "closed"


@dataclass(frozen=True)
class Page:
    tickets: tuple[Ticket, ...]
    total: int


def _ticket(r: asyncpg.Record) -> Ticket:
    values = dict(r)
    values.pop("total", None)
    return Ticket(**values)


async def page(conn: asyncpg.Connection, which: Filter, operator_id: int, number: int, size: int) -> Page:
    rows = await conn.fetch(q("tickets_page"), which.value, operator_id, size, number * size)
    return Page(tuple(_ticket(r) for r in rows), int(rows[0]["total"]) if rows else 0)


async def get(conn: asyncpg.Connection, conversation_id: int) -> Ticket | None:
    row = await conn.fetchrow(q("tickets_get"), conversation_id)
    return None if row is None else _ticket(row)


async def of_topic(conn: asyncpg.Connection, admin_chat_id: int, topic_id: int) -> int | None:
    found: int | None = await conn.fetchval(q("tickets_of_topic"), admin_chat_id, topic_id)
    return found


async def of_user(conn: asyncpg.Connection, user_id: int) -> int | None:
    found: int | None = await conn.fetchval(q("tickets_of_user"), user_id)
    return found


async def may_be_assigned(conn: asyncpg.Connection, telegram_id: int, owners: Sequence[int]) -> bool:
    found: bool = await conn.fetchval(q("tickets_is_operator"), telegram_id, list(owners))
    return found


async def assign(conn: asyncpg.Connection, conversation_id: int, operator_id: int | None) -> int | None:
    """Set the assignee; returns the one before."""
    before: int | None = await conn.fetchval(q("tickets_assign"), conversation_id, operator_id)
    return before


async def set_priority(conn: asyncpg.Connection, conversation_id: int, high: bool) -> None:
    """High priority also moves the conversation's waiting relays ahead in the group's queue."""
    await conn.execute(q("tickets_set_priority"), conversation_id, high)
    await conn.execute(q("tickets_requeue_relays"), conversation_id, high)


async def set_closed(conn: asyncpg.Connection, conversation_id: int, closed: bool) -> None:
    await conn.execute(q("tickets_set_status"), conversation_id, "closed" if closed else "waiting_user")


async def operator_names(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, str]:
    rows = await conn.fetch(q("tickets_operator_names"), list({i for i in ids if i is not None}))
    return {r["telegram_id"]: r["name"] for r in rows}


def state_of(status: str, waiting: bool, answered_before: bool) -> State:
    """The state a topic's title shows: closed; new (waiting, never answered);
    waiting (answered before, the user wrote again); answered."""
    if status == "closed":
        return State.CLOSED
    if waiting:
        return State.WAITING if answered_before else State.NEW
    return State.ANSWERED if answered_before else State.NEW


def overdue(waiting_since: datetime | None, now: datetime, sla_minutes: int) -> bool:
    """Whether a wait passed the SLA (``sla_minutes`` 0: no SLA)."""
    return (sla_minutes > 0 and waiting_since is not None
            and (now - waiting_since).total_seconds() > sla_minutes * 60)


@dataclass(frozen=True)
class History:
    opened_at: datetime
    first_response_at: datetime | None
    first_response_by: int | None
    closed_at: datetime | None


async def history(conn: asyncpg.Connection, conversation_id: int, limit: int) -> list[History]:
    """The conversation's latest tickets: first response and resolution of each."""
    rows = await conn.fetch(q("tickets_of_conversation"), conversation_id, limit)
    return [History(**dict(r)) for r in rows]


@dataclass(frozen=True)
class DayTimes:
    day: date
    tickets: int
    p50: float | None
    p90: float | None
    resolution_p50: float | None


@dataclass(frozen=True)
class OperatorTimes:
    operator_id: int
    tickets: int
    p50: float | None
    p90: float | None


async def response_days(conn: asyncpg.Connection, since: datetime) -> list[DayTimes]:
    """First response p50/p90 and resolution p50 (seconds) per day, newest first."""
    return [DayTimes(**dict(r)) for r in await conn.fetch(q("tickets_response_days"), since)]


async def response_operators(conn: asyncpg.Connection, since: datetime) -> list[OperatorTimes]:
    return [OperatorTimes(**dict(r)) for r in await conn.fetch(q("tickets_response_operators"), since)]


ALIAS_MAX = 32


async def set_alias(conn: asyncpg.Connection, telegram_id: int, alias: str | None) -> bool:
    """False when the operator has no row (an owner by configuration)."""
    found = await conn.fetchval(q("tickets_set_alias"), telegram_id, alias)
    return found is not None
