"""The rows the migrations seed into bot_settings are all accounted for by the registry."""

from __future__ import annotations

import asyncpg

from core.admin import settings_registry as registry
from core.admin import settings_store as store


async def test_every_seeded_row_is_declared_or_known_to_be_unread(db_pool: asyncpg.Pool) -> None:
    seeded = {r["key"] for r in await db_pool.fetch("SELECT key FROM bot_settings")}
    assert seeded - set(registry.BY_KEY) == set(registry.UNREAD)


async def test_the_seeded_values_are_the_registrys_defaults(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        now = await store.snapshot(conn)
    for spec in registry.SPECS:
        assert now.values[spec.key] == spec.default, spec.key
        stamp = now.stamps.get(spec.key)
        assert stamp is None or stamp.by is None, spec.key  # seeded, changed by nobody


async def test_a_malformed_row_shows_the_default_in_force(db_pool: asyncpg.Pool) -> None:
    """An operator's typo in the table is ignored by the product: the screen says what it uses."""
    await db_pool.execute("UPDATE bot_settings SET value = '\"lots\"' WHERE key = 'message_cost'")
    async with db_pool.acquire() as conn:
        assert (await store.snapshot(conn)).values["message_cost"] == 1
        async with conn.transaction():
            assert await store.locked(conn, "message_cost") == 1
            await store.write(conn, "message_cost", 3, by=42)
        assert (await store.snapshot(conn)).values["message_cost"] == 3
    row = await db_pool.fetchrow("SELECT value, updated_by FROM bot_settings WHERE key = 'message_cost'")
    assert (row["value"], row["updated_by"]) == (3, 42)
