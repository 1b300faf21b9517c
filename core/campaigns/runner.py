"""Running a campaign on the broadcast queue: select, grant, queue, deliver, settle.

One job per campaign at a time (its lock), in ticks. Each tick selects the
next window of users into ``campaign_recipients`` (a mass gift grants them in
the same transaction), settles the sends Telegram answered, and queues as
many new sends as the lane's budget has room for now: each recipient's
outbox row is written and named on its recipient row in one transaction, so
a recipient is either still queued or has exactly one send. The sends are
delivered here (the sweeper leaves the broadcast lanes alone), and a send put
back or returned after a crash is picked up again by the next tick. Memory
stays constant: at most a window of ids and a tick's sends are held.

A killed worker's job is retried by the stall recovery; it resumes from the
rows. A send Telegram accepted whose answer the dead worker never recorded is
made again when the stall recovery returns it: a copy, and a gift's notice,
carries random ids of its own (the same on every try), so Telegram refuses the
second try (RANDOM_ID_DUPLICATE, recorded as sent) instead of sending twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from core import billing, i18n
from core.accounts import ledger
from core.accounts.events import CreditsArrived
from core.campaigns.rows import Campaign, Kind, Status
from core.delivery import engine
from core.delivery.budgets import Lane
from core.delivery.courier import Courier
from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.bus import Bus
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.database import connection
from core.platform.sql import q
from core.telegram.markup import PARSE_MODE, Keyboard

log = structlog.get_logger(__name__)

#: Users' ids looked at per selection statement.
WINDOW = 10_000
#: The most sends queued in one tick (the paid lane's budget allows ~1000 a second).
MAX_TICK = 200
#: The progress message is edited at most this often; in an admin group, where every
#: edit spends the 20 a minute customers' relays need, much less often.
PROGRESS_SECONDS = 3.0
GROUP_PROGRESS_SECONDS = 30.0
#: A job runs ticks this long, then hands over to a fresh job (so a worker's
#: slot is never held for hours, and a deploy stops it between ticks).
RUN_SECONDS = 30.0
#: Nothing to do this step (the budget is booked): wait this long.
IDLE_SECONDS = 0.05
#: Deliveries running side by side: each books the budget a little further.
MAX_FLYING = 4
#: A step queues sends when the budget has room for at least this many seconds of them.
MIN_ROOM_SECONDS = 0.05
#: Below every customer's relay in the same chat (tiers are 0 and up).
PROGRESS_PRIORITY = -100

#: The progress message's text and buttons for a campaign as it stands.
Render = Callable[[Campaign], tuple[str, Keyboard | None]]
#: A gift notice's call parameters per language.
Notice = Callable[[Campaign], Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class Runner:
    courier: Courier
    render: Render
    notice: Notice
    #: Where a gift says credits arrived, so the messages a user's empty balance held go through.
    bus: Bus = field(default_factory=Bus)

    @property
    def pumped(self) -> Courier:
        """The courier for the campaign's own sends: it comes back for those put back."""
        return replace(self.courier, comes_back=True)


def job(campaign_id: int, *, delay: float = 0.0) -> JobRequest:
    lock = f"campaign:{campaign_id}"
    when = datetime.now(UTC) if delay <= 0 else datetime.fromtimestamp(time.time() + delay, UTC)
    return JobRequest(Queue.BROADCAST, Task.BROADCAST_RUN, lock, {"campaign_id": campaign_id},
                      queueing_lock=lock, scheduled_at=when)


async def wake(conn: asyncpg.Connection, campaign_id: int, *, delay: float = 0.0) -> None:
    """Queue the campaign's job (unless one is queued already: it does the same)."""
    try:
        async with conn.transaction():  # a savepoint: the queueing lock may clash
            await queues.defer(conn, [job(campaign_id, delay=delay)])
    except asyncpg.UniqueViolationError:
        pass


async def load(conn: asyncpg.Connection, campaign_id: int) -> Campaign | None:
    row = await conn.fetchrow(q("runner_load"), campaign_id)
    return Campaign.of(row) if row is not None else None


def _call(c: Campaign, notice: Notice) -> tuple[str, Mapping[str, Mapping[str, Any]]]:
    """The outbox method and its parameters by language for the campaign's sends."""
    if c.kind is Kind.GIFT:
        return "sendMessage", notice(c)
    params: dict[str, Any] = {"from_chat_id": c.source_chat_id, "message_ids": list(c.source_message_ids)}
    if c.buttons:
        params["reply_markup"] = {"inline_keyboard": c.buttons}
    if c.lane is Lane.PAID:
        params["allow_paid_broadcast"] = True
    return "copyMessages", {"en": params}


async def _select(runner: Runner, c: Campaign) -> int:
    """Select the next window of users (and gift them); how many were added."""
    tx: Effects | None = None
    async with connection(runner.courier.pool) as conn, conn.transaction():
        row = await conn.fetchrow(q("runner_select"), c.id, c.selected_through, c.last_user_id, WINDOW,
                                  dict(c.filter), c.service, list(i18n.LANGUAGES))
        assert row is not None
        added: list[int] = list(row["added"])
        if c.kind is Kind.GIFT and added:
            # Exactly once per recipient: the key names the campaign and the user, and
            # the grant commits with the recipient rows and the selection's progress.
            keys = [f"campaign:{c.id}:user:{u}" for u in added]
            if c.credits:
                await ledger.apply_many(conn, added, c.credits, reason="mass_gift", keys=keys)
            if c.pass_days:
                # pass_grants has its own keys: the same key names the campaign's pass grant there.
                await billing.extend_passes(conn, added, c.pass_days, reason="mass_gift", keys=keys)
            await conn.execute(q("runner_granted"), c.id, added, c.notice)
            # Messages held for want of credits go through now, as after any grant:
            # charged from the gift, in the same transaction.
            tx = Effects(conn, cause=f"campaign:{c.id}:gift", methods=runner.courier.methods, bus=runner.bus)
            for user_id in await conn.fetchval(q("runner_holding"), added):
                await tx.publish(CreditsArrived(int(user_id)))
    if tx is not None and tx.outbox_ids:
        await engine.deliver(runner.courier, tx.outbox_ids)
    return len(added)


async def _settle(runner: Runner, c: Campaign) -> None:
    async with connection(runner.courier.pool) as conn:
        await conn.execute(q("runner_settle"), c.id)


async def _queue(runner: Runner, c: Campaign, room: int) -> list[int]:
    method, by_lang = _call(c, runner.notice)
    for params in by_lang.values():
        runner.courier.methods.check(method, {**params, "chat_id": 0})
    lane = c.lane if c.lane is Lane.PAID else Lane.BROADCAST
    async with connection(runner.courier.pool) as conn, conn.transaction():
        rows = await conn.fetch(q("runner_queue"), c.id, room, method, dict(by_lang), f"campaign:{c.id}",
                                0, lane.value, list(i18n.LANGUAGES), method == "copyMessages")
    return [int(r["id"]) for r in rows]


async def _due(runner: Runner, c: Campaign, limit: int) -> list[int]:
    async with connection(runner.courier.pool) as conn:
        return [int(r["id"]) for r in await conn.fetch(q("runner_due"), c.id, limit)]


async def _progress(runner: Runner, campaign_id: int, *, final: bool = False) -> None:
    """Edit the operator's progress message, at most every few seconds (always the last time)."""
    async with connection(runner.courier.pool) as conn, conn.transaction():
        c = await load(conn, campaign_id)
        assert c is not None
        every = 0.0 if final else GROUP_PROGRESS_SECONDS if c.chat_id < 0 else PROGRESS_SECONDS
        row = await conn.fetchrow(q("runner_progress_due"), campaign_id, every)
        if row is None or row["message_id"] is None:
            return
        text, markup = runner.render(c)
        tx = Effects(conn, cause=f"campaign:{campaign_id}:progress", methods=runner.courier.methods)
        params: dict[str, Any] = {"text": text, "parse_mode": PARSE_MODE}
        if markup is not None:
            params["reply_markup"] = markup
        await tx.send("editMessageText", c.chat_id, message_id=row["message_id"], priority=PROGRESS_PRIORITY,
                      **params)
    await engine.deliver(runner.courier, tx.outbox_ids)


async def _finish(runner: Runner, c: Campaign) -> None:
    async with connection(runner.courier.pool) as conn, conn.transaction():
        if c.status is Status.CANCELLED:
            await conn.execute(q("runner_drop_unsent"), c.id)
            await conn.execute(q("runner_settle"), c.id)
        finished = await conn.fetchval(q("runner_finish"), c.id)
    if finished is not None:
        log.info("campaign finished", campaign_id=c.id, status=finished)


def _lane(c: Campaign) -> Lane:
    return Lane.PAID if c.lane is Lane.PAID else Lane.BROADCAST


async def _step(runner: Runner, campaign_id: int, flying: int) -> tuple[list[int], bool] | None:
    """One step: the sends to deliver now and whether to wait a moment before the
    next step; None when the campaign has nothing more to do now (finished,
    paused or cancelled)."""
    async with connection(runner.courier.pool) as conn:
        c = await load(conn, campaign_id)
    if c is None or c.status in (Status.DRAFT, Status.PAUSED) or c.finished_at is not None:
        return None
    if c.status is Status.SCHEDULED:
        async with connection(runner.courier.pool) as conn:
            started = await conn.fetchval(q("runner_due_start"), c.id)
        # Too early (woken by a button): the job queued for its time starts it.
        return ([], False) if started else None
    if c.status is Status.CANCELLED:
        if flying:
            return [], True
        await _finish(runner, c)
        return None
    if not c.selection_done:
        await _select(runner, c)
        if c.kind is Kind.GIFT:
            return [], False  # every grant first (a minute for a million), then the notices
    if not c.sends:
        await _finish(runner, c)
        return None
    await _settle(runner, c)
    lane = _lane(c)
    limiter = runner.courier.limiter
    # Telegram counts each message of an album: a recipient of one takes a slot per item.
    per = len(c.source_message_ids) if c.kind is Kind.BROADCAST else 1
    slots = min(await limiter.room(lane), MAX_TICK) if flying < MAX_FLYING else 0
    if slots < max(min(max(1, int(limiter.limits.overall(lane)[1] * MIN_ROOM_SECONDS)), MAX_TICK), per):
        return [], True
    room = slots // per
    again = await _due(runner, c, room)
    fresh = await _queue(runner, c, room - len(again)) if room > len(again) else []
    if again or fresh:
        return again + fresh, False
    if c.selection_done and not flying:
        async with connection(runner.courier.pool) as conn:
            busy = await conn.fetchval(q("runner_in_flight"), c.id)
        if not busy:
            await _finish(runner, c)
            return None
    return [], True


async def run(runner: Runner, campaign_id: int, *, seconds: float = RUN_SECONDS) -> None:
    """Run the campaign for up to ``seconds``, then hand over to a fresh job.

    Sends are delivered in the background while the next ones are queued:
    each delivery waits for its slots, booked at most the lane's horizon
    ahead, and the budget must be booked again before the last slot passes or
    its time is lost (the free lane's bucket holds one message).
    """
    until = time.monotonic() + seconds
    progress_at = time.monotonic()
    flying: set[asyncio.Task[int]] = set()
    try:
        while True:
            for done in [t for t in flying if t.done()]:
                flying.discard(done)
                done.result()  # a database failure ends the job: it is retried
            step = await _step(runner, campaign_id, len(flying))
            if step is None:
                break
            ids, idle = step
            if ids:
                flying.add(asyncio.create_task(engine.deliver(runner.pumped, ids)))
            if time.monotonic() - progress_at >= PROGRESS_SECONDS:
                progress_at = time.monotonic()
                await _progress(runner, campaign_id)
            if time.monotonic() >= until:
                await asyncio.gather(*flying)
                async with connection(runner.courier.pool) as conn:
                    await wake(conn, campaign_id)
                return
            if idle:
                await asyncio.sleep(IDLE_SECONDS)
    finally:
        if flying:
            await asyncio.gather(*flying, return_exceptions=True)
    await _progress(runner, campaign_id, final=True)
