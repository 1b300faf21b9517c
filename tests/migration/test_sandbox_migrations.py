"""The sandbox's tables live apart from the production schema (sql/sandbox, ``migrate.sh --sandbox``).

Before, they were production migrations (0003, 0004, 0007 and part of 0013);
a database migrated then (a local ``.data``) must carry on with the new layout.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import ROOT, PgServer, _admin

SQL = ROOT / "sql"

SANDBOX_TABLES = {
    "sandbox_chats", "sandbox_topics", "sandbox_messages", "sandbox_faults", "sandbox_query_answers",
    "sandbox_chat_sends", "sandbox_send_lanes", "sandbox_lane_sends", "sandbox_flood_waits",
    "fake_stripe_objects", "fake_stripe_idempotency", "fake_stripe_events", "fake_stripe_settings",
    "sandbox_message_claims", "sandbox_bot_commands", "sandbox_files", "sandbox_star_charges",
}
SANDBOX_FUNCTIONS = {"sandbox_chat_wait", "sandbox_take_lane", "sandbox_take_chat_send",
                     "sandbox_claim_message", "sandbox_console_message_changed",
                     "sandbox_console_chat_changed", "sandbox_console_chat_row_changed",
                     "sandbox_console_answered"}
SANDBOX_FILES = [f"sandbox/{p.name}" for p in sorted((SQL / "sandbox").glob("[0-9]*.sql"))]

#: Every relation (table, index, sequence) and function of the stand-ins, by name.
SANDBOX_OBJECTS = r"""
SELECT 'relation' AS kind, relname AS name FROM pg_class
WHERE relnamespace = 'public'::regnamespace AND (relname LIKE 'sandbox\_%' OR relname LIKE 'fake\_stripe\_%')
UNION ALL
SELECT 'function', proname FROM pg_proc
WHERE pronamespace = 'public'::regnamespace AND (proname LIKE 'sandbox\_%' OR proname LIKE 'fake\_stripe\_%')
"""

#: The schema's shape, everything that two ways of building it could differ in.
SHAPE = """
SELECT 'column', table_name || '.' || column_name,
       concat_ws(' ', data_type, is_nullable, column_default, is_identity)
FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'function', oid::regprocedure::text, pg_get_functiondef(oid)
FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prokind IN ('f', 'p')
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid)
FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'rows', 'sandbox_send_lanes', string_agg(lane, ',' ORDER BY lane) FROM sandbox_send_lanes
UNION ALL
SELECT 'rows', 'fake_stripe_settings', string_agg(deliver_events::text, ',') FROM fake_stripe_settings
"""


@asynccontextmanager
async def empty_database(pg_server: PgServer) -> AsyncIterator[str]:
    name = f"paid_desk_m_{uuid.uuid4().hex[:8]}"
    await _admin(pg_server, f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        await _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _fetch(url: str, sql: str) -> set[tuple[str, ...]]:
    conn = await asyncpg.connect(url)
    try:
        return {tuple(r) for r in await conn.fetch(sql)}
    finally:
        await conn.close()


async def sandbox_objects(url: str) -> set[tuple[str, ...]]:
    return await _fetch(url, SANDBOX_OBJECTS)


async def recorded(url: str) -> set[str]:
    return {r[0] for r in await _fetch(url, "SELECT name FROM schema_migrations")}


#: Before the move, by production name: where that SQL is now. 0013 held the
#: sandbox's part as its second half.
OLD_MIGRATIONS = {
    "0003_sandbox.sql": ["sandbox/0001_telegram.sql"],
    "0004_fake_stripe.sql": ["sandbox/0002_stripe.sql"],
    "0007_sandbox_limits.sql": ["sandbox/0003_telegram_limits.sql"],
    "0013_chat_migrations.sql": ["migrations/0013_chat_migrations.sql", "sandbox/0004_group_migrations.sql"],
}


def old_layout() -> list[tuple[str, list[Path]]]:
    """The migrations as they were before the sandbox's moved out: the same SQL under production names."""
    steps = {p.name: [p] for p in (SQL / "migrations").glob("[0-9]*.sql")}
    steps.update({name: [SQL / f for f in files] for name, files in OLD_MIGRATIONS.items()})
    return sorted(steps.items())


async def migrate_the_old_way(pg_server: PgServer, name: str, *, up_to: str) -> None:
    """What the old migrate.sh did, for every old migration up to ``up_to`` included."""
    url = pg_server.url_for(name)
    steps = [(step, files) for step, files in old_layout() if step <= up_to]
    await asyncio.to_thread(_apply_files, pg_server, url, [f for _, files in steps for f in files])
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE schema_migrations (name text PRIMARY KEY,"
                           " applied_at timestamptz NOT NULL DEFAULT now())")
        await conn.executemany("INSERT INTO schema_migrations (name) VALUES ($1)", [(s,) for s, _ in steps])
    finally:
        await conn.close()


def _apply_files(pg_server: PgServer, url: str, files: list[Path]) -> None:
    script = [arg for f in files for arg in ("-f", str(f))]
    subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", *script],
                   env=pg_server.env, check=True, capture_output=True, text=True)


def said(result: subprocess.CompletedProcess[str], verb: str) -> list[str]:
    """The migrations the run reported as ``verb`` ("applied", "recorded"), in order."""
    return [line.split()[1] for line in result.stdout.splitlines() if line.startswith(f"{verb} ")]


async def test_production_migrations_have_nothing_of_the_sandbox_until_asked(pg_server: PgServer) -> None:
    async with empty_database(pg_server) as name:
        url = pg_server.url_for(name)
        production = pg_server.migrate(name)
        assert said(production, "applied")
        assert await sandbox_objects(url) == set()
        assert not {n for n in await recorded(url) if n.startswith("sandbox/")}

        sandbox = pg_server.migrate(name, "--sandbox")
        assert said(sandbox, "applied") == SANDBOX_FILES
        objects = await sandbox_objects(url)
        assert {n for kind, n in objects if kind == "function"} == SANDBOX_FUNCTIONS
        assert {n for kind, n in objects if kind == "relation"} >= SANDBOX_TABLES
        assert set(SANDBOX_FILES) <= await recorded(url)
        shape = await _fetch(url, SHAPE)

        again = pg_server.migrate(name, "--sandbox")
        assert (said(again, "applied"), said(again, "recorded")) == ([], [])
        assert "(0 applied)" in again.stdout
        assert await _fetch(url, SHAPE) == shape


async def test_sandbox_migrations_come_after_every_production_one(pg_server: PgServer) -> None:
    async with empty_database(pg_server) as name:
        applied = said(pg_server.migrate(name, "--sandbox"), "applied")
    production = sorted(p.name for p in (SQL / "migrations").glob("[0-9]*.sql"))
    assert applied == production + SANDBOX_FILES


@pytest.mark.parametrize(
    ("up_to", "adopted"),
    [
        # A .data from just before the move: every sandbox file is there under its old name
        # (but 0013's part, which cannot be told from the production 0013 and runs again).
        ("0015_stall_recovery.sql", SANDBOX_FILES[:3]),
        # An older one, from before the sending limits and group upgrades.
        ("0005_pyrogram_session.sql", ["sandbox/0001_telegram.sql", "sandbox/0002_stripe.sql"]),
    ],
)
async def test_a_database_migrated_before_the_move_is_carried_over(
    pg_server: PgServer, database_url: str, up_to: str, adopted: list[str]
) -> None:
    async with empty_database(pg_server) as name:
        url = pg_server.url_for(name)
        await migrate_the_old_way(pg_server, name, up_to=up_to)
        assert "0003_sandbox.sql" in await recorded(url)

        # Production alone (the release of a deploy) leaves the old tables be.
        production = pg_server.migrate(name)
        assert not [n for n in said(production, "applied") if n.startswith("sandbox/")]

        sandbox = pg_server.migrate(name, "--sandbox")
        # What is there already is recorded, not run again (it would fail: the tables exist) ...
        assert said(sandbox, "recorded") == adopted
        assert said(sandbox, "applied") == [f for f in SANDBOX_FILES if f not in adopted]
        assert "recorded sandbox/0001_telegram.sql (applied before as 0003_sandbox.sql)" in sandbox.stdout
        assert set(SANDBOX_FILES) <= await recorded(url)
        # ... and the result is the schema a new database gets, 0013's change to sandbox_chats included.
        shape = await _fetch(url, SHAPE)
        assert ("column", "sandbox_chats.migrated_to", "bigint YES NO") in shape
        assert shape == await _fetch(database_url, SHAPE)

        again = pg_server.migrate(name, "--sandbox")
        assert (said(again, "applied"), said(again, "recorded")) == ([], [])


async def test_an_unknown_argument_is_refused_before_touching_the_database(pg_server: PgServer) -> None:
    async with empty_database(pg_server) as name:
        refused = pg_server.migrate(name, "--sandbx", check=False)
        assert refused.returncode == 2
        assert "unknown argument: --sandbx" in refused.stderr
        assert "usage: bash sql/migrate.sh [--sandbox]" in refused.stderr
        tables = await _fetch(pg_server.url_for(name),
                              "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert tables == set()
