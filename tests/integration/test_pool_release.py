"""What a connection given back to the pool keeps, and what it drops (core.platform.database).

Releases skip asyncpg's reset query (a round trip per connection use) unless
the connection was marked as holding session state: these check that the
marked ones still come back clean, and that an unmarked release still rolls
back a transaction left open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from core.platform import database
from core.platform.database import connection, keeps_session_state

LOCK = 424_242


async def _lock_is_free(url: str) -> bool:
    other = await asyncpg.connect(url)
    try:
        free = bool(await other.fetchval("SELECT pg_try_advisory_lock($1)", LOCK))
        if free:
            await other.execute("SELECT pg_advisory_unlock($1)", LOCK)
        return free
    finally:
        await other.close()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """One connection: each use after the first gets the backend the last one released."""
    one = await database.create_pool(database_url, max_size=1)
    yield one
    await one.close()


async def test_a_marked_connection_gives_up_its_session_lock_on_release(
    pool: asyncpg.Pool, database_url: str
) -> None:
    async with connection(pool) as conn:
        keeps_session_state(conn)
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
        assert not await _lock_is_free(database_url)
    assert await _lock_is_free(database_url)
    async with connection(pool) as conn:
        assert await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()") == 0


async def test_a_marked_connection_stops_listening_on_release(pool: asyncpg.Pool) -> None:
    async with connection(pool) as conn:
        keeps_session_state(conn)
        await conn.execute("LISTEN paid_desk_test")  # as add_listener does, before a failed UNLISTEN
        assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 1
    async with connection(pool) as conn:
        assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 0


async def test_an_unmarked_release_still_rolls_back_an_open_transaction(pool: asyncpg.Pool) -> None:
    async with connection(pool) as conn:
        await conn.execute("CREATE TABLE pool_release_probe (n int)")
        await conn.execute("BEGIN")
        await conn.execute("INSERT INTO pool_release_probe VALUES (1)")
    async with connection(pool) as conn:
        assert not conn.is_in_transaction()
        assert await conn.fetchval("SELECT count(*) FROM pool_release_probe") == 0
