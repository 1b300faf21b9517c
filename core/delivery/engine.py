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

Each row's method (:mod:`core.delivery.methods`, from the courier's registry)
says which slots it needs and makes the call; the decisions in between are
:mod:`core.delivery.batch`. What Telegram's refusals teach (a blocked bot, a
migrated group) goes to the courier's hooks.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from core.delivery import batch, chat_migrations, outbox
from core.delivery.batch import Call, Planned
from core.delivery.budgets import Lane
from core.delivery.courier import Courier
from core.delivery.methods import Again
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.database import UNAVAILABLE, connection, patiently
from core.platform.errors import (
    AlreadySent,
    BotError,
    ChatMigrated,
    DatabaseUnavailable,
    FloodWait,
    PermanentError,
    QueryGone,
    RecipientUnavailable,
)

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 10
#: Rows claimed, reserved and marked together.
BATCH = 200
#: Rows a failed delivery hands back are due again this much later.
HAND_BACK_SECONDS = 2.0


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
        # The group's drainer is queued already and takes every due row; when it
        # waits for later (a held background row), it runs when this wait ends.
        await queues.advance(conn, lock, when)


@dataclass
class _Round:
    """One batch being delivered: what happened to each row."""

    sent: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    postponed: list[tuple[outbox.OutboxRow, float]] = field(default_factory=list)
    failed: int = 0
    #: The sent rows are marked sent.
    recorded: bool = False


async def _postpone_all(courier: Courier, waits: list[tuple[outbox.OutboxRow, float]]) -> None:
    """Put rows back until their slot, with a delivery scheduled for them (unless
    the courier's caller comes back for them itself)."""
    plan = batch.scheduled(waits)
    async with connection(courier.pool) as conn, conn.transaction():
        await outbox.postpone_many(conn, plan.due)
        if courier.comes_back:
            return
        for chat_id, wait in plan.groups:
            await schedule_group(conn, chat_id, wait)
        for delay, ids in plan.jobs:
            await schedule_rows(conn, ids, delay)


async def _send_chat(courier: Courier, start: float, calls: list[Call], done: _Round) -> None:
    """A chat's calls in order, each at its reserved moment; a flood wait stops the rest."""
    for i, call in enumerate(calls):
        row = call.row
        delay = batch.send_delay(start, call.offset, time.monotonic(),
                                 paced=call.planned.reservations[0].lane is Lane.BROADCAST)
        if delay > 0:
            await asyncio.sleep(delay)
        elif batch.too_late(call, delay):
            # Put it and the chat's later rows back instead (batch.too_late says why).
            done.postponed += [(later.row, batch.MIN_POSTPONE_SECONDS) for later in calls[i:]]
            return
        try:
            outcome = await call.planned.method.perform(courier, row, call.planned.state, call.granted)
        except AlreadySent:
            # A try after one that went through (a worker died before recording it):
            # Telegram knew its random ids and sent nothing twice.
            done.sent.append((row.id, {"already_sent": True}))
            continue
        except BotError as exc:
            if isinstance(exc, QueryGone) and row.attempts > 1:
                # An earlier try may have answered it (its worker died before recording
                # that), and Telegram takes one answer per query; or it expired meanwhile.
                # Either way nothing is left to answer: not a failed delivery.
                log.info("query answered by an earlier try, or expired", outbox_id=row.id,
                         method=row.method, attempts=row.attempts)
                done.sent.append((row.id, {"query_gone": True}))
                continue
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
        if isinstance(outcome, Again):
            done.postponed.append((row, outcome.seconds))
        else:
            done.sent.append((row.id, dict(outcome.result)))


async def _plan(courier: Courier, conn: asyncpg.Connection, live: Sequence[outbox.Claimed]) -> list[Planned]:
    """Each row planned by its method; a method prepares all its rows of the batch at once."""
    by_method: dict[str, list[outbox.OutboxRow]] = defaultdict(list)
    for c in live:
        by_method[c.row.method].append(c.row)
    states: dict[int, Any] = {}
    for name, rows in by_method.items():
        prepared = await courier.methods[name].prepare(conn, rows)
        states.update(zip((row.id for row in rows), prepared, strict=True))
    return [batch.plan(c.row, courier.methods[c.row.method], states[c.row.id]) for c in live]


async def _claim(courier: Courier, ids: list[int], done: _Round) -> tuple[list[Planned], list[float]]:
    """Claim the rows, plan them and reserve their slots (the offsets granted
    to :func:`batch.wanted`); rows that cannot go fail here, unsent.

    One connection for the three statements: handing a connection back to the
    pool costs a round trip of its own.
    """
    async with connection(courier.pool) as conn:
        claimed = await outbox.claim_many(conn, ids, courier.claimant)
        refused = batch.unsendable(claimed, courier.methods)
        for reason, row_ids in refused.items():
            log.warning("delivery refused", outbox_ids=row_ids, error=reason)
            await outbox.mark_failed_many(conn, row_ids, reason)
            done.failed += len(row_ids)
        failed = {i for row_ids in refused.values() for i in row_ids}
        live = [c for c in claimed if c.row.id not in failed]
        if not live:
            return [], []
        try:
            planned = await _plan(courier, conn, live)
            keeps = batch.keeps(planned, courier.limiter.background_keep)
            offsets = await courier.limiter.reserve_on(conn, batch.wanted(planned), batch.horizon(planned),
                                                       keeps)
        except Exception:
            # Claimed and not sent: back now, not after the stale-claim sweep's minutes.
            await _hand_back(courier, [c.row.id for c in live], done)
            raise
        return planned, offsets


async def _deliver_batch(courier: Courier, ids: list[int]) -> _Round:
    done = _Round()
    planned, offsets = await _claim(courier, ids, done)
    if not planned:
        return done
    try:
        await _send_batch(courier, planned, offsets, done)
    except Exception:
        await _hand_back(courier, [p.row.id for p in planned], done)
        raise
    return done


async def _hand_back(courier: Courier, ids: list[int], done: _Round) -> None:
    """After a failure that is not Telegram's (the database, a bug), record what was
    sent and put back the rest of the batch's rows now, with their delivery
    scheduled: left 'sending', they would wait for the stale-claim sweep (minutes),
    as the stall recovery only comes for a worker that died. When the database is
    what failed this fails too: it is tried again in the background while the
    database restarts (a few seconds), and only past HAND_BACK_PATIENCE_SECONDS is
    the sweep what remains. A send that went out is recorded then, not sent again."""
    try:
        back = await _hand_back_once(courier, ids, done)
    except Exception as exc:
        if not isinstance(exc, (DatabaseUnavailable, *UNAVAILABLE)):
            log.warning("rows not handed back after a failed delivery: the stale-claim sweep will",
                        outbox_ids=ids, error=f"{type(exc).__name__}: {exc}")
            return
        log.warning("rows not handed back after a failed delivery: trying again while the "
                    "database comes back", outbox_ids=ids, error=f"{type(exc).__name__}: {exc}")
        later = asyncio.create_task(_hand_back_later(courier, ids, done))
        _HANDING_BACK.add(later)
        later.add_done_callback(_HANDING_BACK.discard)
        return
    if back:
        log.warning("rows handed back after a failed delivery", outbox_ids=back)


#: Hand-backs waiting for the database (a reference keeps each task alive).
_HANDING_BACK: set[asyncio.Task[None]] = set()
#: Well inside the stale-claim sweep's wait (outbox.STALE_CLAIM_SECONDS).
HAND_BACK_PATIENCE_SECONDS = 120.0


async def _hand_back_once(courier: Courier, ids: list[int], done: _Round) -> list[int]:
    async with connection(courier.pool) as conn, conn.transaction():
        if done.sent and not done.recorded:
            await outbox.mark_sent_many(conn, done.sent)
        back = await outbox.hand_back(conn, ids, courier.claimant, HAND_BACK_SECONDS)
        if back and not courier.comes_back:
            await schedule_rows(conn, back, HAND_BACK_SECONDS)
    done.recorded = True
    return back


async def _hand_back_later(courier: Courier, ids: list[int], done: _Round,
                           patience: float = HAND_BACK_PATIENCE_SECONDS) -> None:
    await asyncio.sleep(0.5)  # the try just made failed: the restart takes a moment
    try:
        back = await patiently(lambda: _hand_back_once(courier, ids, done), patience=patience,
                               first_pause=1.0)
    except Exception as exc:
        log.warning("rows not handed back after a failed delivery: the stale-claim sweep will",
                    outbox_ids=ids, error=f"{type(exc).__name__}: {exc}")
        return
    log.warning("rows handed back after a failed delivery, once the database answered", outbox_ids=back)


async def _send_batch(courier: Courier, planned: list[Planned], offsets: list[float], done: _Round) -> None:
    start = time.monotonic()
    chats, waiting = batch.grant(planned, offsets)
    done.postponed += waiting
    await courier.gateway.prepare(batch.peers(chats))
    # Different chats go out side by side; within a chat, in order. A chat whose
    # send fails in a way that is not Telegram's lets the others finish and be
    # recorded first: only its own unsent rows are handed back.
    outcomes = await asyncio.gather(*(_send_chat(courier, start, calls, done) for calls in chats.values()),
                                    return_exceptions=True)
    if done.sent:
        async with connection(courier.pool) as conn:
            await outbox.mark_sent_many(conn, done.sent)
        done.recorded = True
    if done.postponed:
        await _postpone_all(courier, done.postponed)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


async def deliver(courier: Courier, ids: Iterable[int]) -> int:
    """Deliver the given rows (a chat's in the given order); return how many were sent now.

    The database going away midway (a restart) is :class:`DatabaseUnavailable`, which
    callers retry, whichever statement met it: the rows left are back in the outbox
    (or wait for the stale-claim sweep), and a job that committed its work before
    delivering is retried as a repeat, not failed for good.
    """
    ids = list(ids)
    sent = 0
    try:
        for i in range(0, len(ids), BATCH):
            sent += len((await _deliver_batch(courier, ids[i:i + BATCH])).sent)
    except UNAVAILABLE as exc:
        raise DatabaseUnavailable(f"database unreachable while delivering: {type(exc).__name__}") from exc
    return sent


async def _record_failure(courier: Courier, row: outbox.OutboxRow, exc: BotError) -> None:
    reason = f"{type(exc).__name__}: {exc}"
    async with connection(courier.pool) as conn, conn.transaction():
        if isinstance(exc, ChatMigrated) and await chat_migrations.on_chat_migrated(
            conn, row.id, row.chat_id, exc.new_chat_id, courier.hooks
        ):
            # The group became a supergroup: this row and the chat's others follow it now.
            await schedule(conn, exc.new_chat_id, [row.id], 0.0)
            return
        if isinstance(exc, PermanentError) or row.attempts >= MAX_ATTEMPTS:
            await outbox.mark_failed(conn, row.id, reason)
            if isinstance(exc, RecipientUnavailable) and row.chat_id > 0:
                await courier.hooks.blocked(conn, row.chat_id)
            return
        wait = exc.retry_after if isinstance(exc, FloodWait) and exc.retry_after else 2.0**row.attempts
        await outbox.retry_later(conn, row.id, float(wait), reason)
        if not courier.comes_back:
            await schedule(conn, row.chat_id, [row.id], float(wait))


#: A background row held back while other rows of its group wait looks again this much later.
BACKGROUND_RETRY_SECONDS = 3.0


async def deliver_group(courier: Courier, chat_id: int, *, limit: int = 1000) -> int:
    """Drain a group's due rows, highest priority first, until its budget runs out.

    Background rows (:data:`outbox.BACKGROUND_PRIORITY`) come last and only on
    spare budget: while another row of the group waits they are held (the
    drainer looks again shortly), and their slot is granted only when the
    group's bucket keeps its reserve after them (:meth:`Limiter.background_keep`).
    """
    sent = 0
    for _ in range(limit):
        async with connection(courier.pool) as conn:
            found = await outbox.next_for_group(conn, chat_id)
            if found is not None and found.held:
                await schedule_group(conn, chat_id, BACKGROUND_RETRY_SECONDS)
            elif found is None:
                # Rows put back for later keep a drainer: one brought forward for an
                # earlier row (schedule_group) may have run before they were due.
                later = await outbox.next_due_in(conn, chat_id)
                if later is not None:
                    await schedule_group(conn, chat_id, later)
        if found is None or found.held:
            break
        done = await _deliver_batch(courier, [found.id])
        if done.postponed:
            break  # the budget ran out: the wait has its own job now
        sent += len(done.sent)
    return sent


async def deliver_due(courier: Courier, limit: int = 500) -> int:
    async with connection(courier.pool) as conn:
        ids = await outbox.due(conn, limit)
        for group in await outbox.background_groups(conn):
            await schedule_group(conn, group, 0.0)
    return await deliver(courier, ids) if ids else 0
