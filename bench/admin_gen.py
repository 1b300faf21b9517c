"""The admin benchmark's database: a million users and what they did, made in Postgres.

At ``scale`` 1: 1,000,000 users, 10,000,000 messages, 1,000,000 payments,
10,000,000 ledger rows and an outbox of 10,000,000 sent rows (nothing prunes
it). The statements are in bench/admin_data.sql; this module runs them in
order, timing each.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.admin_words import FIRST_NAMES, LAST_NAMES, PHRASE, PHRASE_PER_MILLION, RARE, VOCABULARY
from core.platform.config import SANDBOX_ADMIN_GROUP_ID
from core.platform.sql import parse

HERE = Path(__file__).resolve().parent
DATA = parse((HERE / "admin_data.sql").read_text(encoding="utf-8"), "admin_data")
FILLED = ["users", "conversations", "messages", "transactions", "credit_ledger", "outbox"]
#: Share of users who ever wrote (and have a topic), and who ever paid.
WRITERS = 0.6
PAYERS = 0.15


@dataclass(frozen=True)
class Sizes:
    users: int
    messages: int
    payments: int
    ledger: int
    outbox: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(full: int) -> int:
            return max(int(full * scale), 100)
        return cls(n(1_000_000), n(10_000_000), n(1_000_000), n(10_000_000), n(10_000_000))


Step = Callable[[asyncpg.Connection], Awaitable[object]]


async def _timed(conn: asyncpg.Connection, name: str, step: Step, report: Callable[[str], None],
                 steps: dict[str, float]) -> None:
    began = time.monotonic()
    await step(conn)
    steps[name] = time.monotonic() - began
    report(f"  {name:<28} {steps[name]:7.1f} s")


async def _indexes(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return list(await conn.fetch(DATA["admin_data_indexes"], FILLED))


async def generate(conn: asyncpg.Connection, sizes: Sizes, report: Callable[[str], None]) -> dict[str, float]:
    """Fill the migrated, empty database; the seconds each step took."""
    steps: dict[str, float] = {}
    # The generation session only: no triggers or foreign-key checks (the data
    # is consistent by construction; users.spent_* are computed once at the
    # end), no waiting for the WAL, room to sort while building indexes.
    await conn.execute("SET session_replication_role = replica")
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET maintenance_work_mem = '1GB'")
    await conn.execute("SET work_mem = '256MB'")
    await conn.execute("SELECT setseed(0.42)")
    indexes = await _indexes(conn)
    for index in indexes:
        await conn.execute(index["drop_sql"])
    chat = SANDBOX_ADMIN_GROUP_ID
    every_rare = [int(1_000_000 / per_million) for per_million in RARE.values()]

    async def writers(c: asyncpg.Connection) -> None:
        await c.execute(DATA["admin_data_writers"])
        await c.execute("CREATE UNIQUE INDEX ON bench_writers (n)")
        await c.execute("ANALYZE bench_writers")

    async def payers(c: asyncpg.Connection) -> None:
        await c.execute(DATA["admin_data_payers"], PAYERS)
        await c.execute("CREATE UNIQUE INDEX ON bench_payers (n)")
        await c.execute("ANALYZE bench_payers")

    plan: list[tuple[str, Step]] = [
        ("users", lambda c: c.execute(DATA["admin_data_users"], sizes.users, FIRST_NAMES, LAST_NAMES)),
        ("conversations", lambda c: c.execute(DATA["admin_data_conversations"], chat, WRITERS)),
        ("writers", writers),
    ]
    for name, step in plan:
        await _timed(conn, name, step, report, steps)
    writer_count = int(await conn.fetchval("SELECT count(*) FROM bench_writers"))
    plan = [
        ("messages", lambda c: c.execute(
            DATA["admin_data_messages"], sizes.messages, VOCABULARY, writer_count, chat, list(RARE),
            every_rare, int(1_000_000 / PHRASE_PER_MILLION), " ".join(PHRASE))),
        ("conversation times", lambda c: c.execute(DATA["admin_data_conversation_times"])),
        ("payers", payers),
    ]
    for name, step in plan:
        await _timed(conn, name, step, report, steps)
    payer_count = int(await conn.fetchval("SELECT count(*) FROM bench_payers"))
    plan = [
        ("payments", lambda c: c.execute(DATA["admin_data_transactions"], sizes.payments, payer_count)),
        ("spending", lambda c: c.execute(DATA["admin_data_spending"])),
        ("ledger signups", lambda c: c.execute(DATA["admin_data_ledger_signups"])),
        ("ledger", lambda c: c.execute(DATA["admin_data_ledger"], sizes.ledger - sizes.users, writer_count)),
        ("outbox", lambda c: c.execute(DATA["admin_data_outbox"], sizes.outbox, chat)),
        ("failed jobs", lambda c: c.execute(DATA["admin_data_failed_jobs"])),
    ]
    for name, step in plan:
        await _timed(conn, name, step, report, steps)

    async def rebuild(c: asyncpg.Connection) -> None:
        for index in indexes:
            began = time.monotonic()
            await c.execute(index["create_sql"])
            if time.monotonic() - began > 10:
                report(f"    {index['create_sql'][:90]}… {time.monotonic() - began:.0f} s")

    await _timed(conn, "indexes", rebuild, report, steps)
    await conn.execute("RESET session_replication_role")
    async def rollups(c: asyncpg.Connection) -> None:
        await c.execute(DATA["admin_data_revenue_events"])
        await c.execute(DATA["admin_data_rollups"])
        await c.execute("SELECT admin_close_hours()")

    # What migration 0017 does on a filled database: how long it takes there.
    await _timed(conn, "kept hours (0017 backfill)", rollups, report, steps)
    await _timed(conn, "vacuum analyze", lambda c: c.execute("VACUUM (ANALYZE)"), report, steps)

    async def live_day(c: asyncpg.Connection) -> None:
        touched = await c.fetchrow(DATA["admin_data_live_day"])
        assert touched is not None
        report(f"    last day touched again: {touched['users']:,} users, {touched['messages']:,} messages")
        await c.execute("ANALYZE")

    await _timed(conn, "live day", live_day, report, steps)
    return steps
