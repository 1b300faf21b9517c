"""Delivering outbox rows within Telegram's limits.

Each row takes a slot from the shared budgets first. A short wait is slept; a
longer one puts the row back with a due time and schedules its delivery then
(a group's rows are drained by one job per group, highest tier first), so no
worker slot or connection is held idle. A flood wait blocks the chat and slows
everyone. Never raises for a Telegram failure: a retryable one is retried
later, a permanent one marks the row failed with its reason for operators.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import asyncpg
import structlog

from core import jobs, outbox, relay_delivery, telegram_calls, users
from core.courier import Courier
from core.database import connection
from core.errors import BotError, FloodWait, PermanentError, RecipientUnavailable
from core.jobs import JobRequest, Queue, Task

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 10
#: Waits up to this long are slept in place; longer ones are rescheduled.
SHORT_WAIT_SECONDS = 0.3


def known_method(method: str) -> bool:
    return method in telegram_calls.METHODS or method in relay_delivery.METHODS


async def schedule(conn: asyncpg.Connection, chat_id: int, ids: list[int], delay: float) -> None:
    """Deliver later: a group's rows through its drainer job, a chat's rows by id."""
    when = datetime.now(UTC) + timedelta(seconds=delay)
    if chat_id < 0:
        job = JobRequest(Queue.MESSAGING, Task.DELIVER_GROUP, f"deliver:{chat_id}",
                         {"chat_id": chat_id}, queueing_lock=f"deliver:{chat_id}", scheduled_at=when)
    else:
        job = JobRequest(Queue.MESSAGING, Task.DELIVER_OUTBOX, None, {"outbox_ids": ids},
                         scheduled_at=when)
    try:
        async with conn.transaction():  # a savepoint: the queueing lock may clash
            await jobs.defer(conn, [job])
    except asyncpg.UniqueViolationError:
        pass  # the group's drainer is already queued; it takes every due row


async def _postpone(courier: Courier, row: outbox.OutboxRow, wait: float) -> None:
    async with connection(courier.pool) as conn, conn.transaction():
        await outbox.postpone(conn, row.id, wait)
        await schedule(conn, row.chat_id, [row.id], wait)


async def _messages_in(courier: Courier, row: outbox.OutboxRow) -> int:
    """How many messages the call creates: Telegram counts each against the limits."""
    p = row.params
    if row.method == "relayToTopic":
        async with connection(courier.pool) as conn:
            fresh_topic = await outbox.conversation_needs_topic(conn, p["conversation_id"])
        # A new topic opens with the customer summary.
        return len(p["message_ids"]) + int(fresh_topic)
    if row.method == "relayToUser":
        return len(p["admin_message_ids"])
    if row.method in ("copyMessages", "forwardMessages"):
        return len(p["message_ids"])
    return 1


async def _perform(courier: Courier, row: outbox.OutboxRow) -> dict[str, Any]:
    relay = relay_delivery.METHODS.get(row.method)
    if relay is not None:
        return await relay(courier, row.params)
    return await telegram_calls.execute(courier.gateway, row.method, row.params)


class Outcome(StrEnum):
    SENT = "sent"
    POSTPONED = "postponed"
    FAILED = "failed"
    SKIPPED = "skipped"  # sent already, claimed elsewhere, or not due


async def _deliver_one(courier: Courier, row_id: int, waiting: dict[int, float]) -> Outcome:
    async with connection(courier.pool) as conn:
        row = await outbox.claim(conn, row_id)
        blocked = (
            row is not None and row.chat_id > 0 and row.method not in relay_delivery.METHODS
            and await outbox.recipient_blocked(conn, row.chat_id)
        )
    if row is None:
        return Outcome.SKIPPED
    if blocked:
        async with connection(courier.pool) as conn:
            await outbox.mark_failed(conn, row.id, "RecipientUnavailable: the user blocked the bot")
        return Outcome.FAILED
    count = await _messages_in(courier, row)
    wait = waiting.get(row.chat_id) or await courier.limiter.take_within(
        row.chat_id, row.lane, SHORT_WAIT_SECONDS, count
    )
    if wait > 0:
        waiting[row.chat_id] = wait
        await _postpone(courier, row, wait)
        return Outcome.POSTPONED
    try:
        result = await _perform(courier, row)
    except BotError as exc:
        if isinstance(exc, FloodWait):
            seconds = exc.retry_after or 1.0
            await courier.limiter.flood_wait(row.chat_id, row.lane, seconds)
            waiting[row.chat_id] = seconds
        await _record_failure(courier, row, exc)
        log.warning("delivery failed", outbox_id=row.id, chat_id=row.chat_id, method=row.method,
                    error=str(exc), attempts=row.attempts)
        return Outcome.POSTPONED if isinstance(exc, FloodWait) else Outcome.FAILED
    async with connection(courier.pool) as conn:
        await outbox.mark_sent(conn, row.id, result)
    return Outcome.SENT


async def deliver(courier: Courier, ids: Iterable[int]) -> int:
    """Deliver the given rows in order; return how many were sent now."""
    waiting: dict[int, float] = {}  # chat -> wait: later rows of a chat keep their order
    outcomes = [await _deliver_one(courier, row_id, waiting) for row_id in ids]
    return outcomes.count(Outcome.SENT)


async def _record_failure(courier: Courier, row: outbox.OutboxRow, exc: BotError) -> None:
    reason = f"{type(exc).__name__}: {exc}"
    async with connection(courier.pool) as conn, conn.transaction():
        if isinstance(exc, PermanentError) or row.attempts >= MAX_ATTEMPTS:
            await outbox.mark_failed(conn, row.id, reason)
            if isinstance(exc, RecipientUnavailable) and row.chat_id > 0:
                await users.set_blocked_bot(conn, row.chat_id, True)
            return
        wait = exc.retry_after if isinstance(exc, FloodWait) and exc.retry_after else 2.0**row.attempts
        await outbox.retry_later(conn, row.id, float(wait), reason)
        await schedule(conn, row.chat_id, [row.id], float(wait))


async def deliver_group(courier: Courier, chat_id: int, *, limit: int = 1000) -> int:
    """Drain a group's due rows, highest priority first, until its budget runs out."""
    sent = 0
    for _ in range(limit):
        async with connection(courier.pool) as conn:
            row_id = await outbox.next_for_group(conn, chat_id)
        if row_id is None:
            break
        outcome = await _deliver_one(courier, row_id, {})
        if outcome is Outcome.POSTPONED:
            break  # the budget ran out: the wait has its own job now
        sent += outcome is Outcome.SENT
    return sent


async def deliver_due(courier: Courier, limit: int = 500) -> int:
    async with connection(courier.pool) as conn:
        ids = await outbox.due(conn, limit)
    return await deliver(courier, ids) if ids else 0
