"""Alerts: the admin group's General topic hears when a condition starts and when
it clears, never a stream.

A periodic check (workers.maintenance, every 15 s on the admin queue) reads
the figures, :func:`evaluate` turns them into one reading per condition, and
each condition's row in ``admin_alerts`` changes only by conditional updates:
only the check that turns a row active posts the start, only the one that
turns it inactive posts the clear, whatever number of admin workers run it.

Two rules keep a figure hovering at its threshold from posting a stream: a
condition starts above one threshold and counts as clear only below a lower
one, and it clears only after staying clear for ``clear_after_seconds``.
The database being unreachable is announced once it is reachable again
(core.admin.outages): nothing can be posted while it is down.

Every message goes out in an admin group, whose 20 messages a minute the
customers' relay needs: at the lowest priority (core.admin.screens).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import asyncpg

from core.admin import fmt, outages, system_figures
from core.admin.screens import GROUP_PRIORITY
from core.delivery.effects import Effects
from core.delivery.methods import Methods
from core.jobs import inbox
from core.platform.database import connection
from core.platform.sql import q
from core.telegram.markup import PARSE_MODE

FAILED = "failed_jobs"
FLOOD = "flood_waits"
QUEUE_WAIT = "queue_wait"


@dataclass(frozen=True)
class Thresholds:
    #: A queue is behind when its oldest due job has waited longer than this...
    queue_wait_seconds: float = 60.0
    #: ...and caught up again once it waits no longer than this.
    queue_wait_clear_seconds: float = 30.0
    #: Flood waits in the window above this are a spike...
    flood_waits: int = 10
    #: ...which is over at this many or fewer.
    flood_waits_clear: int = 3
    flood_window_seconds: float = 300.0
    #: An alert clears once its condition stayed clear this long.
    clear_after_seconds: float = 120.0


THRESHOLDS = Thresholds()


class Level(StrEnum):
    #: Over the threshold: the alert starts, or goes on.
    RAISED = "raised"
    #: Between the thresholds: whatever the alert is, it stays.
    BETWEEN = "between"
    CLEAR = "clear"


@dataclass(frozen=True)
class Snapshot:
    failed_jobs: int
    set_aside: int
    #: Per queue, seconds its oldest due job has waited (None: nothing waits).
    oldest_wait: Mapping[str, float | None]
    flood_waits: int


@dataclass(frozen=True)
class Reading:
    condition: str
    level: Level
    #: The figure behind it (a count, or seconds for a queue's wait).
    value: int
    #: The figure as operators read it.
    detail: str


def _level(value: float, start_above: float, clear_at_most: float) -> Level:
    if value > start_above:
        return Level.RAISED
    return Level.CLEAR if value <= clear_at_most else Level.BETWEEN


def _plural(n: int, one: str, many: str) -> str:
    return f"{fmt.number(n)} {one if n == 1 else many}"


def evaluate(snapshot: Snapshot, t: Thresholds = THRESHOLDS) -> list[Reading]:
    """One reading per condition, in a fixed order."""
    failed = snapshot.failed_jobs + snapshot.set_aside
    parts = [_plural(n, one, many) for n, one, many in (
        (snapshot.failed_jobs, "failed job", "failed jobs"),
        (snapshot.set_aside, "set-aside update", "set-aside updates")) if n]
    detail = " and ".join(parts) or "no failed jobs or set-aside updates"
    readings = [Reading(FAILED, Level.RAISED if failed > 0 else Level.CLEAR, failed, detail)]
    for queue, wait in sorted(snapshot.oldest_wait.items()):
        seconds = int(wait or 0)
        said = (f"its oldest job has waited {fmt.duration(timedelta(seconds=seconds))}" if wait is not None
                else "nothing waits")
        readings.append(Reading(f"{QUEUE_WAIT}:{queue}",
                                _level(seconds, t.queue_wait_seconds, t.queue_wait_clear_seconds),
                                seconds, said))
    window = fmt.duration(timedelta(seconds=t.flood_window_seconds))
    floods = _plural(snapshot.flood_waits, "flood wait", "flood waits")
    readings.append(Reading(FLOOD, _level(snapshot.flood_waits, t.flood_waits, t.flood_waits_clear),
                            snapshot.flood_waits, f"{floods} in the last {window}"))
    return readings


def title(condition: str) -> str:
    if condition == FAILED:
        return "failed work"
    if condition == FLOOD:
        return "flood waits from Telegram"
    if condition.startswith(f"{QUEUE_WAIT}:"):
        return f"the {condition.split(':', 1)[1]} queue is behind"
    return condition


def _peak(condition: str, peak: int | None, t: Thresholds) -> str:
    """The worst figure while it lasted, as a phrase."""
    if peak is None:
        return ""
    if condition.startswith(f"{QUEUE_WAIT}:"):
        return f"; the longest wait was {fmt.duration(timedelta(seconds=peak))}"
    if condition == FLOOD:
        return f"; at most {fmt.number(peak)} in {fmt.duration(timedelta(seconds=t.flood_window_seconds))}"
    return f"; at most {fmt.number(peak)} at once"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def started_text(reading: Reading, t: Thresholds = THRESHOLDS) -> str:
    said = fmt.esc(_sentence(reading.detail))
    if reading.condition.startswith(f"{QUEUE_WAIT}:"):
        said += f" (alert above {fmt.duration(timedelta(seconds=t.queue_wait_seconds))})."
    elif reading.condition == FLOOD:
        said += f" (alert above {fmt.number(t.flood_waits)})."
    else:
        said += ".\n/system lists them, with Retry and Dismiss."
    return f"🔴 <b>Alert: {fmt.esc(title(reading.condition))}</b>\n{said}"


def cleared_text(reading: Reading, since: datetime, clear_since: datetime, peak: int | None,
                 t: Thresholds = THRESHOLDS) -> str:
    lasted = fmt.duration(clear_since - since)
    return (f"✅ <b>Cleared: {fmt.esc(title(reading.condition))}</b>\n"
            f"Now: {fmt.esc(reading.detail)}. It lasted {lasted}{_peak(reading.condition, peak, t)}.")


def outage_text(outage: outages.Outage) -> str:
    lasted = fmt.duration(outage.ended_at - outage.started_at)
    return (f"🔴 <b>The database was unreachable</b> for {lasted}, {fmt.date(outage.started_at)} to "
            f"{outage.ended_at:%H:%M:%S} (noticed by {fmt.esc(outage.noticed_by)}).\n"
            f"✅ It is reachable again.")


async def snapshot(conn: asyncpg.Connection, t: Thresholds = THRESHOLDS) -> Snapshot:
    queues = await system_figures.queues(conn)
    sends = await system_figures.sends(conn, t.flood_window_seconds, kinds=0)
    return Snapshot(sum(qf.failed for qf in queues), (await inbox.counts(conn))["failed"],
                    {qf.queue: qf.oldest_wait for qf in queues}, sends.flood_waits_recent)


async def _post(tx: Effects, group_id: int, text: str) -> None:
    # No thread: the group's General topic.
    await tx.send("sendMessage", group_id, text=text, parse_mode=PARSE_MODE, priority=GROUP_PRIORITY)


async def _apply(tx: Effects, group_id: int, reading: Reading, t: Thresholds) -> None:
    conn = tx.conn
    # Only the check whose update turned the row active posts the start.
    if reading.level is Level.RAISED and await conn.fetchval(
            q("alerts_raise"), reading.condition, reading.detail, reading.value):
        await _post(tx, group_id, started_text(reading, t))
        return
    if reading.level is not Level.CLEAR:
        await conn.execute(q("alerts_hold"), reading.condition, reading.detail, reading.value)
        return
    row = await conn.fetchrow(q("alerts_calm"), reading.condition, reading.detail, t.clear_after_seconds)
    if row is not None and not row["active"]:
        await _post(tx, group_id, cleared_text(reading, row["since"], row["clear_since"], row["peak"], t))


async def check(pool: asyncpg.Pool, group_id: int, methods: Methods, t: Thresholds = THRESHOLDS) -> list[int]:
    """Evaluate every condition once; the outbox rows of the messages it posted,
    to deliver after this commits."""
    async with connection(pool) as conn, conn.transaction():
        tx = Effects(conn, cause="alerts", methods=methods)
        readings = evaluate(await snapshot(conn, t), t)
        await conn.execute(q("alerts_ensure"), [r.condition for r in readings])
        for reading in readings:
            await _apply(tx, group_id, reading, t)
        for outage in await outages.take_unannounced(conn):
            await _post(tx, group_id, outage_text(outage))
        return tx.outbox_ids


@dataclass(frozen=True)
class Active:
    condition: str
    title: str
    since: datetime
    detail: str | None


async def active(conn: asyncpg.Connection) -> list[Active]:
    return [Active(r["condition"], title(r["condition"]), r["since"], r["detail"])
            for r in await conn.fetch(q("alerts_active"))]


async def prune(conn: asyncpg.Connection) -> None:
    """Forget send failures no figure looks at any more, and outages long announced."""
    await system_figures.prune_sends(conn)
    await outages.prune(conn)


__all__ = ["THRESHOLDS", "Active", "Level", "Reading", "Snapshot", "Thresholds", "active", "check",
           "evaluate", "prune", "snapshot"]
