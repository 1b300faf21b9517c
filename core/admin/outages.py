"""Times the database could not be reached, as the processes saw them.

Nothing can be written while the database is down, so no alert can start
then. Each worker process keeps an :class:`OutageWatch`: its periodic work
(the stall recovery, every few seconds) tells it when the database failed and
when it answered again, and the first success after a failure records the
outage. Outages several processes noticed are merged into one row, which the
alert check announces once in the admin group (core.admin.alerts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from core.platform.sql import q

#: Outages this close together are one incident: a flapping database is one
#: announcement, and so is one outage seen by many processes.
MERGE_SECONDS = 300.0
RETENTION_DAYS = 30


@dataclass(frozen=True)
class Outage:
    id: int
    started_at: datetime
    ended_at: datetime
    noticed_by: str


def _outage(r: asyncpg.Record) -> Outage:
    return Outage(r["id"], r["started_at"], r["ended_at"], r["noticed_by"])


class OutageWatch:
    """One process's view of whether the database answers (built by the process's wiring)."""

    def __init__(self, noticed_by: str) -> None:
        self.noticed_by = noticed_by
        self._down_since: datetime | None = None

    @property
    def down_since(self) -> datetime | None:
        """When this process first failed to reach the database, while it has not since."""
        return self._down_since

    def failed(self, now: datetime | None = None) -> None:
        if self._down_since is None:
            self._down_since = now or datetime.now(UTC)

    async def reached(self, conn: asyncpg.Connection, now: datetime | None = None) -> bool:
        """The database answered: record the outage this process noticed, if any.

        Forgotten only once recorded: a failure to record keeps it for the next success.
        """
        if self._down_since is None:
            return False
        await record(conn, self._down_since, now or datetime.now(UTC), self.noticed_by)
        self._down_since = None
        return True


async def record(conn: asyncpg.Connection, started_at: datetime, ended_at: datetime, noticed_by: str,
                 merge_seconds: float = MERGE_SECONDS) -> int:
    """Record an outage, merged with one recorded close to it; the row's id."""
    async with conn.transaction():
        await conn.execute(q("outages_lock"))
        row_id = await conn.fetchval(q("outages_extend"), started_at, ended_at, merge_seconds)
        if row_id is None:
            row_id = await conn.fetchval(q("outages_add"), started_at, ended_at, noticed_by)
    return int(row_id)


async def take_unannounced(conn: asyncpg.Connection) -> list[Outage]:
    """Outages to announce, marked announced in the caller's transaction."""
    return [_outage(r) for r in await conn.fetch(q("outages_announce"))]


async def latest(conn: asyncpg.Connection) -> Outage | None:
    r = await conn.fetchrow(q("outages_latest"))
    return _outage(r) if r is not None else None


async def prune(conn: asyncpg.Connection, days: int = RETENTION_DAYS) -> None:
    await conn.execute(q("outages_prune"), days)
