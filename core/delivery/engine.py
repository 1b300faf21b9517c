"""Delivering outbox rows within Telegram's limits.

Rows are delivered in batches: claimed in one statement, their slots reserved
from the shared budgets in one statement (up to a second ahead, so sends are
paced at the budget's rate rather than racing for it), sent, different chats
side by side and a chat's rows in order, each at its reserved moment, and
marked sent in one statement. A row whose slot lies further out is put back
with a due time and its delivery scheduled then (a group's rows are drained
by one job per group, highest tier first), so no worker slot or connection is
held idle for long. A flood wait blocks the chat and slows
everyone. Never raises for a Telegram failure: a retryable one is retried
later, a permanent one marks the row failed with its reason for operators.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from core.accounts import users
from core.delivery import chat_migrations, outbox
from core.delivery.budgets import Lane
from core.delivery.courier import Courier
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.database import connection
from core.platform.errors import BotError, ChatMigrated, FloodWait, PermanentError, RecipientUnavailable
from core.relay import methods
from core.telegram import calls

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 10
#: Slots are reserved up to this far ahead and their calls made then; a call
#: whose slot lies further out is put back and scheduled for later.
RESERVE_HORIZON_SECONDS = 1.0
#: Rows put back come back this much before their slot, to reserve it.
RESERVE_LEAD_SECONDS = 0.7
MIN_POSTPONE_SECONDS = 0.1
#: Rows put back are scheduled in jobs this far apart at most.
SCHEDULE_STEP_SECONDS = 0.5
#: Sends go out this long after their reserved slot: time to look up their peers.
SEND_LEAD_SECONDS = 0.05
#: A send this late for its slot is not made (its row is put back).
LATE_SECONDS = 0.02
#: Rows claimed, reserved and marked together.
BATCH = 200


def known_method(method: str) -> bool:
    return method in calls.METHODS or method in methods.METHODS


async def schedule(conn: asyncpg.Connection, chat_id: int, ids: list[int], delay: float) -> None:
    """Deliver later: a group's rows through its drainer job, a chat's rows by id."""
    if chat_id < 0:
        await schedule_group(conn, chat_id, delay)
    else:
        await schedule_rows(conn, ids, delay)


async def schedule_rows(conn: asyncpg.Connection, ids: list[int], delay: float) -> None:
    when = datetime.now(UTC) + timedelta(seconds=delay)
    await queues.defer(conn, [JobRequest(Queue.MESSAGING, Task.DELIVER_OUTBOX, None, {"outbox_ids": ids},
                                       scheduled_at=when)])


async def schedule_group(conn: asyncpg.Connection, chat_id: int, delay: float) -> None:
    when = datetime.now(UTC) + timedelta(seconds=delay)
    lock = f"deliver:{chat_id}"
    job = JobRequest(Queue.MESSAGING, Task.DELIVER_GROUP, lock, {"chat_id": chat_id},
                     queueing_lock=lock, scheduled_at=when)
    try:
        async with conn.transaction():  # a savepoint: the queueing lock may clash
            await queues.defer(conn, [job])
    except asyncpg.UniqueViolationError:
        pass  # the group's drainer is already queued; it takes every due row


def _messages_in(claimed: outbox.Claimed) -> int:
    """How many messages the call creates: Telegram counts each against the limits.

    For a relay that creates or reopens its topic first, the copies only: the
    topic's messages are separate calls, reserved apart (:func:`_wanted`).
    """
    row, p = claimed.row, claimed.row.params
    if row.method == "relayToTopic":
        return len(p["message_ids"])
    if row.method == "relayToUser":
        return len(p["admin_message_ids"])
    if row.method in ("copyMessages", "forwardMessages"):
        return len(p["message_ids"])
    return 1


def _sequence_of(row: outbox.OutboxRow) -> int:
    """The chat whose rows must go out in order: a relay also confirms to the user."""
    if row.method == "relayToTopic":
        return int(row.params["user_chat_id"])
    return row.chat_id


async def _perform(courier: Courier, row: outbox.OutboxRow, hints: methods.Hints) -> dict[str, Any]:
    relay = methods.METHODS.get(row.method)
    if relay is not None:
        return await relay(courier, row.params, hints)
    return await calls.execute(courier.gateway, row.method, row.params)


def _confirmation(claimed: outbox.Claimed) -> tuple[int, Lane, int] | None:
    """The user's chat slots a relay's confirmation (and its low-credit warning) takes."""
    row = claimed.row
    if row.method != "relayToTopic":
        return None
    return int(row.params["user_chat_id"]), Lane.NORMAL, 1 + int("low_credit_below" in row.params)


@dataclass
class _Round:
    """One batch being delivered: what happened to each row."""

    sent: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    postponed: list[tuple[outbox.OutboxRow, float]] = field(default_factory=list)
    failed: int = 0


async def _postpone_all(courier: Courier, waits: list[tuple[outbox.OutboxRow, float]]) -> None:
    """Put rows back until their slot, with a delivery scheduled for them.

    A group's rows go to its drainer; a private chat's are scheduled in a few
    jobs, each due when the last of its rows is.
    """
    # Back a little before the slot: in time to reserve it, so no slot goes unused.
    waits = [(row, max(wait - RESERVE_LEAD_SECONDS, MIN_POSTPONE_SECONDS)) for row, wait in waits]
    async with connection(courier.pool) as conn, conn.transaction():
        await outbox.postpone_many(conn, [(row.id, wait) for row, wait in waits])
        by_due: dict[int, list[int]] = defaultdict(list)
        for row, wait in waits:
            if row.chat_id < 0:
                await schedule(conn, row.chat_id, [row.id], wait)
            else:
                by_due[math.ceil(wait / SCHEDULE_STEP_SECONDS)].append(row.id)
        for step, ids in sorted(by_due.items()):
            await schedule_rows(conn, ids, step * SCHEDULE_STEP_SECONDS)


@dataclass(frozen=True)
class _Call:
    row: outbox.OutboxRow
    #: Seconds after the reservation at which the call's slots are its own.
    offset: float
    hints: methods.Hints
    #: Only the first part goes now (a relay's new topic); the row is put back
    #: for this many seconds, until its copies' slots.
    then_postpone: float | None = None


async def _send_chat(courier: Courier, start: float, calls: list[_Call], done: _Round) -> None:
    """A chat's calls in order, each at its reserved moment; a flood wait stops the rest."""
    for i, call in enumerate(calls):
        row = call.row
        # A send that waited for its slot goes out a fixed moment after it, the
        # same in every process, so spacing holds while peers are looked up.
        delay = start + call.offset + (SEND_LEAD_SECONDS if call.offset > 0 else 0.0) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif call.offset > 0 and row.lane is Lane.NORMAL and row.chat_id > 0 and -delay > LATE_SECONDS:
            # A slot it had to wait for is one of a budget in full use: sent this
            # late, it would land among the sends reserved after it and crowd
            # their second. Put it and the chat's later rows back instead. (Not
            # on the paid lane: at 1000/s lateness is shared by all the sends
            # around it, and putting them back costs more than it saves. Not for
            # groups: their slots are seconds apart, which a late send cannot crowd.)
            done.postponed += [(later.row, MIN_POSTPONE_SECONDS) for later in calls[i:]]
            return
        try:
            result = await _perform(courier, row, call.hints)
        except BotError as exc:
            log.warning("delivery failed", outbox_id=row.id, chat_id=row.chat_id, method=row.method,
                        error=str(exc), attempts=row.attempts)
            await _record_failure(courier, row, exc)
            if isinstance(exc, FloodWait):
                seconds = exc.retry_after or 1.0
                await courier.limiter.flood_wait(row.chat_id, row.lane, seconds)
                done.postponed += [(later.row, seconds) for later in calls[i + 1:]]
                return
            done.failed += 1
            continue
        if call.then_postpone is not None:
            done.postponed.append((row, call.then_postpone))
        else:
            done.sent.append((row.id, result))


async def _deliver_batch(courier: Courier, ids: list[int]) -> _Round:
    done = _Round()
    async with connection(courier.pool) as conn:
        claimed = await outbox.claim_many(conn, ids, courier.claimant)
        blocked = [c.row.id for c in claimed
                   if c.recipient_blocked and c.row.method not in methods.METHODS]
        if blocked:
            await outbox.mark_failed_many(conn, blocked, "RecipientUnavailable: the user blocked the bot")
    done.failed += len(blocked)
    live = [c for c in claimed if c.row.id not in set(blocked)]
    if not live:
        return done
    # A relay's confirmation to the user is reserved with it, right after it;
    # a relay's new (or reopened) topic before it: separate calls, each within
    # the group's limits, Telegram counts them one by one.
    wanted: list[tuple[int, Lane, int]] = []
    shapes: list[tuple[bool, bool]] = []
    for c in live:
        topic_first = c.row.method == "relayToTopic" and c.topic_messages > 0
        confirmation = _confirmation(c)
        if topic_first:
            wanted.append((c.row.chat_id, c.row.lane, c.topic_messages))
        wanted.append((c.row.chat_id, c.row.lane, _messages_in(c)))
        if confirmation is not None:
            wanted.append(confirmation)
        shapes.append((topic_first, confirmation is not None))
    offsets = iter(await courier.limiter.reserve(wanted, RESERVE_HORIZON_SECONDS))
    start = time.monotonic()
    chats: dict[int, list[_Call]] = defaultdict(list)
    for c, (topic_first, confirmed) in zip(live, shapes, strict=True):
        offset = next(offsets)
        copy_at = next(offsets) if topic_first else offset
        confirm_at = next(offsets) if confirmed else -1.0
        if offset < 0:
            done.postponed.append((c.row, -offset))
            continue
        hints = methods.Hints(topic_id=c.open_topic_id, confirmation_reserved=confirm_at >= 0,
                                     confirmation_after=max(confirm_at - copy_at, 0.0),
                                     retried=c.row.attempts > 1,
                                     copy_after=max(copy_at - offset, 0.0), topic_only=copy_at < 0)
        # The topic now, the copies when their slots come: the row is put back until then.
        postpone = -copy_at if copy_at < 0 else None
        chats[_sequence_of(c.row)].append(_Call(c.row, offset, hints, then_postpone=postpone))
    await courier.gateway.prepare([call.row.chat_id for calls in chats.values() for call in calls]
                                  + [key for key in chats if key > 0])
    # Different chats go out side by side; within a chat, in order.
    await asyncio.gather(*(_send_chat(courier, start, calls, done) for calls in chats.values()))
    if done.sent:
        async with connection(courier.pool) as conn:
            await outbox.mark_sent_many(conn, done.sent)
    if done.postponed:
        await _postpone_all(courier, done.postponed)
    return done


async def deliver(courier: Courier, ids: Iterable[int]) -> int:
    """Deliver the given rows (a chat's in the given order); return how many were sent now."""
    ids = list(ids)
    sent = 0
    for i in range(0, len(ids), BATCH):
        sent += len((await _deliver_batch(courier, ids[i:i + BATCH])).sent)
    return sent


async def _record_failure(courier: Courier, row: outbox.OutboxRow, exc: BotError) -> None:
    reason = f"{type(exc).__name__}: {exc}"
    async with connection(courier.pool) as conn, conn.transaction():
        if isinstance(exc, ChatMigrated) and await chat_migrations.on_chat_migrated(
            conn, row.id, row.chat_id, exc.new_chat_id
        ):
            # The group became a supergroup: this row and the chat's others follow it now.
            await schedule(conn, exc.new_chat_id, [row.id], 0.0)
            return
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
        done = await _deliver_batch(courier, [row_id])
        if done.postponed:
            break  # the budget ran out: the wait has its own job now
        sent += len(done.sent)
    return sent


async def deliver_due(courier: Courier, limit: int = 500) -> int:
    async with connection(courier.pool) as conn:
        ids = await outbox.due(conn, limit)
    return await deliver(courier, ids) if ids else 0
