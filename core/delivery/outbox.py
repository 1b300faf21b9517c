"""Everything the bot sends: rows written with the effect that caused them.

A row holds a method name and its parameters (a Bot API call, or a feature's
own method: :mod:`core.delivery.methods`) and moves pending -> sending ->
sent | failed. The claim before a call and the recorded answer after it make
delivery at-least-once with duplicate suppression; :mod:`core.delivery.engine`
performs the calls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from core.delivery.budgets import Lane
from core.platform.sql import q

#: A claim older than this belongs to a process that died mid-send.
STALE_CLAIM_SECONDS = 300.0

#: Priority bands. Customers' messages use their tier's priority (0 and up);
#: what operators asked for in an admin group (screens, alerts) goes below
#: them; background rows (a topic's status in its title, a live card) go last,
#: through the group's drainer only, and only on spare budget: while no other
#: row of the group waits and the group's bucket stays nearly full (engine).
OPERATOR_PRIORITY = -100
BACKGROUND_PRIORITY = -200


def is_background(chat_id: int, priority: int) -> bool:
    """A background row of a group: it uses only budget no other row needs."""
    return chat_id < 0 and priority <= BACKGROUND_PRIORITY


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    method: str
    params: Mapping[str, Any]
    attempts: int
    lane: Lane = Lane.NORMAL
    priority: int = 0

    @property
    def background(self) -> bool:
        return is_background(self.chat_id, self.priority)


async def add(
    conn: asyncpg.Connection,
    chat_id: int,
    method: str,
    params: Mapping[str, Any],
    *,
    cause: str,
    delay_seconds: float = 0.0,
    priority: int = 0,
    lane: Lane = Lane.NORMAL,
    coalesce_key: str | None = None,
) -> int:
    """Queue a call in the caller's transaction; with ``coalesce_key`` it replaces
    the pending calls recorded with the same key (only the latest state is sent)."""
    row_id: int = await conn.fetchval(
        q("outbox_add"), chat_id, method, dict(params), cause, delay_seconds, priority, lane.value,
        coalesce_key,
    )
    return row_id


@dataclass(frozen=True)
class Claimed:
    """A claimed row and whether its recipient blocked the bot (a private chat)."""

    row: OutboxRow
    recipient_blocked: bool


async def claim_many(
    conn: asyncpg.Connection, ids: Sequence[int], claimant: int | None = None
) -> list[Claimed]:
    """Take the due rows among ``ids`` for sending, in id order; others are skipped.

    ``claimant`` is the procrastinate worker that sends them: if it dies, the
    stall recovery puts its rows back (see sql/migrations/0015_stall_recovery.sql).
    """
    rows = await conn.fetch(q("outbox_claim_many"), list(ids), STALE_CLAIM_SECONDS, claimant)
    return [
        Claimed(OutboxRow(r["id"], r["chat_id"], r["method"], r["params"], r["attempts"], Lane(r["lane"]),
                          r["priority"]),
                r["recipient_blocked"])
        for r in rows
    ]


async def mark_sent_many(conn: asyncpg.Connection, results: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    await conn.execute(q("outbox_sent_many"), [i for i, _ in results],
                       [json.dumps(r, separators=(",", ":")) for _, r in results])


async def mark_failed_many(conn: asyncpg.Connection, ids: Sequence[int], error: str) -> None:
    await conn.execute(q("outbox_failed_many"), list(ids), error)


async def postpone_many(conn: asyncpg.Connection, waits: Sequence[tuple[int, float]]) -> None:
    """Put claimed rows back, due after their wait: waiting for a slot is not an attempt."""
    await conn.execute(q("outbox_postpone_many"), [i for i, _ in waits], [w for _, w in waits])


async def hand_back(conn: asyncpg.Connection, ids: Sequence[int], claimant: int | None, seconds: float
                    ) -> list[int]:
    """Put back the rows among ``ids`` this claimant still holds, due in ``seconds``."""
    return [int(r["id"]) for r in await conn.fetch(q("outbox_hand_back"), list(ids), claimant, seconds)]


async def retry_later(conn: asyncpg.Connection, row_id: int, seconds: float, error: str) -> None:
    await conn.execute(q("outbox_retry_later"), row_id, seconds, error)


async def mark_failed(conn: asyncpg.Connection, row_id: int, error: str) -> None:
    await conn.execute(q("outbox_failed"), row_id, error)


@dataclass(frozen=True)
class Next:
    """A group's next due row, highest priority first."""

    id: int
    #: A background row that must wait: other rows of the group are waiting.
    held: bool


async def next_for_group(conn: asyncpg.Connection, chat_id: int) -> Next | None:
    row = await conn.fetchrow(q("outbox_next_for_group"), chat_id, BACKGROUND_PRIORITY)
    return None if row is None else Next(row["id"], bool(row["held"]))


async def next_due_in(conn: asyncpg.Connection, chat_id: int) -> float | None:
    """Seconds until the group's next pending row is due (None: none waits)."""
    wait: float | None = await conn.fetchval(q("outbox_group_next_due"), chat_id)
    return wait


async def due(conn: asyncpg.Connection, limit: int = 500) -> list[int]:
    """Due rows to deliver, but groups' background rows (see :func:`background_groups`)."""
    return [r["id"] for r in await conn.fetch(q("outbox_due"), limit, BACKGROUND_PRIORITY)]


async def background_groups(conn: asyncpg.Connection) -> list[int]:
    """Groups with background rows due: their drainers deliver them."""
    return [r["chat_id"] for r in await conn.fetch(q("outbox_background_groups"), BACKGROUND_PRIORITY)]


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Rows waiting to be sent, and rows that failed for good."""
    row = await conn.fetchrow(q("outbox_counts"))
    assert row is not None
    return {"pending": row["pending"], "failed": row["failed"]}


async def retries(conn: asyncpg.Connection) -> dict[str, int]:
    """Sends waiting to be tried again, and the most tries one of them has had."""
    row = await conn.fetchrow(q("outbox_retries"))
    assert row is not None
    return {"retrying": row["retrying"], "most_attempts": row["most_attempts"]}
