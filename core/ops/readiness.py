"""Whether a web process should get traffic: the probe behind ``GET /ready``.

``/health`` stays a cheap liveness answer; ready means more: the database
answers, every migration this release ships is applied (a release whose
schema is missing would fail on its first update), and the process could
record an update (the database takes writes and the role may insert into what
the ingress writes). Each failed check is named, with what to do about it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from core.ops import migrations
from core.platform.database import UNAVAILABLE, connection
from core.platform.errors import DatabaseUnavailable
from core.platform.sql import q


@dataclass(frozen=True)
class Readiness:
    #: Why the process is not ready, one line each; empty when it is.
    reasons: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return not self.reasons


async def check(pool: asyncpg.Pool, *, sandbox: bool, timeout: float = 2.0) -> Readiness:
    try:
        async with asyncio.timeout(timeout):
            async with connection(pool, timeout=timeout) as conn:
                reasons = [*await _schema(conn, sandbox), *await _can_record(conn)]
    except (DatabaseUnavailable, TimeoutError, *UNAVAILABLE) as exc:
        return Readiness((f"database unreachable ({type(exc).__name__}): check DATABASE_URL and the server",))
    except asyncpg.PostgresError as exc:
        return Readiness((f"database error: {type(exc).__name__}: {exc}",))
    return Readiness(tuple(reasons))


async def _schema(conn: asyncpg.Connection, sandbox: bool) -> list[str]:
    try:
        missing = await migrations.pending(conn, sandbox=sandbox)
    except migrations.MigrationsMissing as exc:
        return [str(exc)]
    if not missing:
        return []
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return [f"migrations not applied: {shown} (run `paid-desk migrate`)"]


async def _can_record(conn: asyncpg.Connection) -> list[str]:
    row = await conn.fetchrow(q("readiness_can_record"))
    assert row is not None
    reasons = []
    if row["in_recovery"] or row["read_only"]:
        reasons.append("database is read-only (a standby, or default_transaction_read_only): "
                       "point DATABASE_URL at the primary")
    if not row["may_insert"]:
        reasons.append("the database role may not insert into inbox, procrastinate_jobs and "
                       "metric_counters: grant it INSERT, or apply the migrations")
    return reasons
