"""Waking a worker when a scheduled job becomes due, instead of polling for it.

procrastinate wakes its workers when a job is inserted (LISTEN/NOTIFY), and
sql/migrations/0021_operations.sql adds the wake-up when a job's lock frees up.
What is left is time: a job scheduled for later (a delivery put back until
its send slot, a retry after a back-off) needs someone to notice when it
becomes due. Announcing a scheduled job is a notification of its own
(``paid_desk_scheduled#<queue>`` with the due time); each worker process
listens for those of its queue, keeps the earliest, and when it comes sends
the notification procrastinate's workers wake on (the wiring runs one per
worker process). A worker with nothing to do
then makes no query at all, apart from its heartbeat and the stall watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import asyncpg
import structlog

from core.jobs.listening import keep_listening
from core.platform.sql import q

log = structlog.get_logger(__name__)

#: Waking this much after the due time: the database's clock decides when a job is due.
LATE_SECONDS = 0.002
#: Between two wake-ups for the same moment (a job not yet due by the database's clock).
MIN_GAP_SECONDS = 0.005
#: Even with nothing announced, look again this often (a notification lost while reconnecting).
LOOK_AGAIN_SECONDS = 30.0


def channel(queue: str) -> str:
    return f"paid_desk_scheduled#{queue}"


class Alarm:
    """The earliest due time of the queue's scheduled jobs, kept current from notifications."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self.due: float | None = None
        self.changed = asyncio.Event()

    def announce(self, epoch: float) -> None:
        if self.due is None or epoch < self.due:
            self.due = epoch
            self.changed.set()

    async def look_up(self, conn: asyncpg.Connection) -> None:
        """Ask the database for the earliest due time; announcements meanwhile still count."""
        self.due = None
        found: float | None = await conn.fetchval(q("wakeups_next_due"), self.queue)
        if found is not None:
            self.announce(found)

    def on_notification(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            self.announce(float(str(payload)))
        except ValueError:
            log.warning("unreadable scheduled-job notification", payload=str(payload)[:100])

    async def wait(self) -> bool:
        """Sleep until the due time or an earlier announcement; True when the time has come."""
        self.changed.clear()
        timeout = LOOK_AGAIN_SECONDS if self.due is None else self.due + LATE_SECONDS - time.time()
        if timeout <= 0:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), min(timeout, LOOK_AGAIN_SECONDS))
            return False
        return self.due is not None and time.time() >= self.due


async def wake_when_due(url: str, queue: str) -> None:
    """Run until cancelled: wake the queue's workers whenever a scheduled job of it is due."""
    alarm = Alarm(queue)

    async def session(conn: asyncpg.Connection) -> None:
        await conn.add_listener(channel(queue), alarm.on_notification)
        await _run(conn, alarm)

    await keep_listening(url, "scheduled-job alarm", session)


async def _run(conn: asyncpg.Connection, alarm: Alarm) -> None:
    # Listening first, then asking: a job scheduled in between is announced, not missed.
    await alarm.look_up(conn)
    while True:
        if not await alarm.wait():
            if alarm.due is None:
                await alarm.look_up(conn)
            continue
        # The message procrastinate's own insert trigger sends: its workers fetch at once.
        payload = json.dumps({"type": "job_inserted", "job_id": None})
        await conn.execute(q("wakeups_wake"), f"procrastinate_queue_v1#{alarm.queue}", payload)
        await alarm.look_up(conn)
        await asyncio.sleep(MIN_GAP_SECONDS)
