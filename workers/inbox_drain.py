"""The drain job of one inbox shard: its pending updates, many per transaction.

A batch of updates is handled in one transaction, the way one update used to
be: one statement for the whole batch's processed markers, its inbox rows
deleted and the settings read, then each update's effects in arrival order,
one commit; then the batch's outbox rows are delivered together. An update
that fails for good is found by handling the batch one update at a time, and
is set aside in the inbox with its error (``/health`` counts it) instead of
holding up its shard.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import structlog

from core.delivery import engine
from core.delivery.effects import Effects
from core.jobs import inbox
from core.jobs.inbox_bell import Bell
from core.jobs.processed import Source
from core.platform.bot_settings import BotSettings
from core.platform.database import connection, retryable_failures
from core.platform.errors import RetryableError
from workers.runtime import Container

log = structlog.get_logger(__name__)

#: Updates handled in one transaction.
BATCH = 100
#: Updates one job handles before it makes way (its shard is queued again).
MAX_PER_JOB = 2000
#: A drain that finds fewer updates than this waits GATHER_SECONDS and looks
#: again before it starts, when its shard is busy: a shard that sees an update
#: every few milliseconds makes a batch of several, which costs about what one
#: costs.
GATHER_BELOW = 4
GATHER_SECONDS = 0.008
#: Busy: this process took updates of the shard this recently. A shard that gets
#: one now and then gathers nothing in the wait; it would only add a look (a
#: round trip) and the wait itself to each of its updates.
BUSY_SECONDS = 0.05
#: How much longer than its wait (MESSAGING_LINGER_SECONDS) recorders count on a
#: listening drain (inbox_listeners.until): only a drain whose worker died lets
#: its row run out.
LISTEN_MARGIN_SECONDS = 4.0

#: A batch smaller than this leaves the drain waiting while it handles it (rung by
#: the next update, sql/migrations/0031): at moderate load a batch is an update
#: or two, and the take after it, which found nothing, cost a round trip and a
#: commit per update. A larger batch means a busy shard, whose recorders would
#: pay for notifications that wake nobody.
RING_BELOW = 4
#: The wait after a batch handled without a look relies on the row its take
#: wrote (until LISTEN_MARGIN_SECONDS after the linger): a batch that took
#: longer than this to handle is followed by a take, as any other.
QUIET_FOR_SECONDS = LISTEN_MARGIN_SECONDS / 2

#: When this process last took updates of each shard (time.monotonic()).
_last_taken: dict[int, float] = {}

Apply = Callable[[Container, Effects, BotSettings, Mapping[str, Any]], Awaitable[None]]
Record = Callable[[Container, Mapping[str, Any]], Awaitable[None]]


async def drain(c: Container, shard: int, apply: Apply, record: Record) -> int:
    """Handle the shard's pending updates; return how many were taken.

    With the process's bell listening (c.inbox_bell), a drain that finds its
    shard empty stays up to MESSAGING_LINGER_SECONDS for the next update
    instead of ending: at moderate load that update then costs one take, not
    a job (procrastinate's insert, fetch, start and finish). A small batch
    leaves the drain waiting while it handles it (RING_BELOW): when nothing
    rang meanwhile, it waits without looking at its empty shard first.
    """
    bell = c.inbox_bell  # present only with MESSAGING_LINGER_SECONDS > 0 (workers.wiring)
    linger = c.settings.messaging_linger_seconds
    taken = 0
    ring: asyncio.Event | None = None
    #: When the last take left this drain waiting with a batch to handle (0031).
    waiting_since: float | None = None
    try:
        while taken < MAX_PER_JOB:
            if ring is not None and waiting_since is not None and _quiet(ring, waiting_since, bell):
                # Nothing was recorded since that take, or it would have rung: the
                # shard is empty, and its row says so for LISTEN_MARGIN_SECONDS more.
                batch: list[inbox.Pending] = []
            else:
                if ring is not None and bell is not None:
                    bell.disarm(shard, ring)
                # Armed before the take: a notification between it and the wait still counts.
                ring = bell.arm(shard) if bell is not None and bell.ready else None
                listen = linger + LISTEN_MARGIN_SECONDS if ring is not None else 0.0
                batch = await _take(c, shard, listen)
                if 0 < len(batch) < GATHER_BELOW and taken == 0 and _busy(shard):
                    await asyncio.sleep(GATHER_SECONDS)
                    batch = await _take(c, shard, listen)
                waiting_since = time.monotonic() if ring is not None and 0 < len(batch) < RING_BELOW else None
            if not batch and ring is not None:
                assert bell is not None
                waiting_since = None
                if await bell.wait(ring, linger):
                    continue
                # Nothing came (or the bell stopped): no longer listening, and one
                # last look for what a recorder relied on this drain for.
                batch = await _take(c, shard, 0.0)
            if not batch:
                return taken
            _last_taken[shard] = time.monotonic()
            taken += len(batch)
            await _handle(c, batch, apply, record)
    finally:
        if ring is not None and bell is not None:
            bell.disarm(shard, ring)
    async with connection(c.pool) as conn:
        await inbox.requeue(conn, shard)
    return taken


def _quiet(ring: asyncio.Event, waiting_since: float, bell: Bell | None) -> bool:
    """No update was recorded since the take that left the drain waiting, and its
    row still counts long enough for the wait (else look, as after any batch)."""
    return (not ring.is_set() and bell is not None and bell.ready
            and time.monotonic() - waiting_since < QUIET_FOR_SECONDS)


async def _take(c: Container, shard: int, listen: float) -> list[inbox.Pending]:
    async with connection(c.pool) as conn:
        # Without a listen, inbox_take_v4 leaves ring_below aside.
        return await inbox.take(conn, shard, BATCH, listen=listen, ring_below=RING_BELOW)


def _busy(shard: int) -> bool:
    return time.monotonic() - _last_taken.get(shard, -BUSY_SECONDS) < BUSY_SECONDS


async def _handle(c: Container, batch: Sequence[inbox.Pending], apply: Apply, record: Record) -> None:
    try:
        for pending in batch:
            await record(c, pending.update)
        outbox_ids = await _apply_batch(c, batch, apply)
    except RetryableError:
        raise  # the job is retried; the batch is still in the inbox
    except Exception as exc:
        if len(batch) > 1:
            # Find the update that fails: the others go through one by one.
            for pending in batch:
                await _handle(c, [pending], apply, record)
            return
        await _set_aside(c, batch[0], exc)
        return
    await engine.deliver(c.courier, outbox_ids)


async def _apply_batch(c: Container, batch: Sequence[inbox.Pending], apply: Apply) -> list[int]:
    async with retryable_failures(), connection(c.pool) as conn, conn.transaction():
        settled = await inbox.settle(conn, Source.TELEGRAM, batch)
        first, cfg = settled.first, BotSettings.from_rows(settled.settings)
        tx = Effects(conn, cause="", methods=c.methods, bus=c.bus)
        for pending in batch:
            key = str(pending.update_id)
            if key not in first:
                log.info("repeat delivery ignored", update_id=pending.update_id)
                continue
            first.discard(key)  # the same update twice in one batch
            tx.cause = f"{Source.TELEGRAM.value}:{key}"
            with structlog.contextvars.bound_contextvars(update_id=pending.update_id):
                await apply(c, tx, cfg, pending.update)
    return tx.outbox_ids


async def _set_aside(c: Container, pending: inbox.Pending, exc: Exception) -> None:
    log.error("update set aside: handling it failed", update_id=pending.update_id,
              error=f"{type(exc).__name__}: {exc}", exc_info=exc)
    async with connection(c.pool) as conn:
        await inbox.failed(conn, pending.id, f"{type(exc).__name__}: {exc}")
