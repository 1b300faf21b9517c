"""What the System screen and the alerts measure: the database, the queues, the
inbox and outbox, the workers, sends that failed, the version and uptime.

Every figure is read from Postgres when asked (any admin worker may draw the
screen), except this process's own start time and which migrations shipped
with this release, which only the process knows.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from core.delivery.outbox import counts as outbox_counts
from core.jobs import inbox, stalls
from core.jobs.queues import Queue
from core.platform.sql import q

#: When this process started (well, imported the control center, which every
#: admin worker does at start): the uptime the screen shows is its drawer's.
PROCESS_STARTED = datetime.now(UTC)

#: The migrations shipped with this release: beside the package in a checkout
#: or a slug built from one (the release phase applies them from there); absent
#: where only the package was installed, and then the screen says so.
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "sql" / "migrations"

#: Send failures older than this are no longer shown or alerted on: pruned.
SEND_EVENTS_RETENTION_SECONDS = 2 * 3600


@dataclass(frozen=True)
class DatabaseFigures:
    size_bytes: int
    connections: int
    max_connections: int
    started_at: datetime


@dataclass(frozen=True)
class Migrations:
    applied: int
    latest: str | None
    #: Shipped with this release and not applied; None when the files are not here to compare.
    missing: tuple[str, ...] | None


@dataclass(frozen=True)
class QueueFigures:
    queue: str
    todo: int
    doing: int
    failed: int
    #: Seconds the oldest job due now has waited; None when none waits.
    oldest_wait: float | None


@dataclass(frozen=True)
class SendFigures:
    """Send failures of the last hour, from send_events (kept by a trigger on the outbox)."""

    flood_waits: int
    #: Flood waits in the alerts' window.
    flood_waits_recent: int
    errors: int
    #: The most frequent kinds of error, most frequent first.
    error_kinds: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Figures:
    database: DatabaseFigures
    migrations: Migrations
    queues: tuple[QueueFigures, ...]
    inbox: dict[str, int]
    outbox: dict[str, int]
    stalls: stalls.StallStatus
    sends: SendFigures
    version: str
    process_started: datetime


def shipped_migrations(folder: Path = MIGRATIONS_DIR) -> tuple[str, ...] | None:
    if not folder.is_dir():
        return None
    return tuple(sorted(p.name for p in folder.glob("[0-9]*.sql")))


def compare_migrations(applied: Sequence[str], shipped: Sequence[str] | None) -> Migrations:
    missing = None if shipped is None else tuple(sorted(set(shipped) - set(applied)))
    return Migrations(len(applied), max(applied) if applied else None, missing)


def version() -> str:
    try:
        return importlib.metadata.version("paid-desk")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


async def database(conn: asyncpg.Connection) -> DatabaseFigures:
    row = await conn.fetchrow(q("system_figures_database"))
    assert row is not None
    return DatabaseFigures(row["size_bytes"], row["connections"], row["max_connections"], row["started_at"])


async def migrations(conn: asyncpg.Connection) -> Migrations:
    applied = [r["name"] for r in await conn.fetch(q("system_figures_migrations"))]
    return compare_migrations(applied, shipped_migrations())


async def queues(conn: asyncpg.Connection) -> tuple[QueueFigures, ...]:
    rows = await conn.fetch(q("system_figures_queues"), [queue.value for queue in Queue])
    return tuple(QueueFigures(r["queue"], r["todo"], r["doing"], r["failed"], r["oldest_wait_seconds"])
                 for r in rows)


async def sends(conn: asyncpg.Connection, recent_seconds: float, kinds: int = 3) -> SendFigures:
    row = await conn.fetchrow(q("system_figures_sends"), recent_seconds)
    assert row is not None
    top = await conn.fetch(q("system_figures_send_error_kinds"), kinds) if kinds else []
    return SendFigures(row["flood_waits"], row["flood_waits_recent"], row["errors"],
                       tuple((r["kind"], r["n"]) for r in top))


async def gather(conn: asyncpg.Connection, *, stalled_after: float, recent_seconds: float) -> Figures:
    return Figures(
        database=await database(conn),
        migrations=await migrations(conn),
        queues=await queues(conn),
        inbox=await inbox.counts(conn),
        outbox=await outbox_counts(conn),
        stalls=await stalls.status(conn, stalled_after),
        sends=await sends(conn, recent_seconds),
        version=version(),
        process_started=PROCESS_STARTED,
    )


async def prune_sends(conn: asyncpg.Connection,
                      older_than_seconds: float = SEND_EVENTS_RETENTION_SECONDS) -> None:
    await conn.execute(q("system_figures_prune_sends"), older_than_seconds)
