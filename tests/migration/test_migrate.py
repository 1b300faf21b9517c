from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.conftest import PgServer, _admin


async def _tables(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        migrations = await conn.fetchval("SELECT count(*) FROM schema_migrations")
        return {"tables": len(rows), "migrations": migrations}
    finally:
        await conn.close()


async def test_migrations_apply_twice_cleanly(pg_server: PgServer) -> None:
    name = f"paid_desk_m_{uuid.uuid4().hex[:8]}"
    await _admin(pg_server, f'CREATE DATABASE "{name}"')
    try:
        first = pg_server.migrate(name)
        assert "applied 0001_procrastinate_3.10.sql" in first.stdout
        after_first = await _tables(pg_server.url_for(name))

        second = pg_server.migrate(name)
        assert "applied" not in second.stdout.replace("(0 applied)", "")
        assert "(0 applied)" in second.stdout
        assert await _tables(pg_server.url_for(name)) == after_first
    finally:
        await _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_seed_tables_have_the_seed_names(db_pool: asyncpg.Pool) -> None:
    columns = await db_pool.fetch(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema='public'"
    )
    have = {(r["table_name"], r["column_name"]) for r in columns}
    for table, column in [
        ("users", "telegram_id"), ("users", "username"), ("users", "credits"), ("users", "tier"),
        ("users", "tutorial_step"), ("users", "auto_recharge_enabled"),
        ("products", "code"), ("transactions", "idempotency_key"), ("conversations", "topic_id"),
        ("bot_settings", "value"), ("tiers", "name"), ("credit_ledger", "idempotency_key"),
        ("processed_updates", "key"), ("outbox", "params"), ("procrastinate_jobs", "lock"),
    ]:
        assert (table, column) in have, (table, column)


async def test_ledger_is_append_only(db_pool: asyncpg.Pool) -> None:
    user_id = await db_pool.fetchval(
        "INSERT INTO users (telegram_id, credits) VALUES (1, 5) RETURNING id"
    )
    await db_pool.execute(
        "INSERT INTO credit_ledger (user_id, delta, balance_after, reason, idempotency_key)"
        " VALUES ($1, 5, 5, 'test', 'k1')",
        user_id,
    )
    for statement in ("UPDATE credit_ledger SET delta = 6", "DELETE FROM credit_ledger"):
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await db_pool.execute(statement)
    assert await db_pool.fetchval("SELECT sum(delta) FROM credit_ledger") == 5
