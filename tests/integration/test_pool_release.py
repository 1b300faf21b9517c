"""What a connection given back to the pool keeps, and what it drops (core.platform.database).

Releases skip asyncpg's reset query (a round trip per connection use) unless
the connection was marked as holding session state: these check that the
marked ones still come back clean, and that an unmarked release still rolls
back a transaction left open.
"""

from __future__ import annotations

import asyncpg

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


async def test_a_marked_connection_gives_up_its_session_lock_on_release(database_url: str) -> None:
    pool = await database.create_pool(database_url, max_size=1)
    try:
        async with connection(pool) as conn:
            keeps_session_state(conn)
            await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
            assert not await _lock_is_free(database_url)
        assert await _lock_is_free(database_url)
        # The same backend serves the next use, with nothing left of the last one.
        async with connection(pool) as conn:
            assert await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()") == 0
    finally:
        await pool.close()


async def test_a_marked_connection_stops_listening_on_release(database_url: str) -> None:
    pool = await database.create_pool(database_url, max_size=1)
    try:
        async with connection(pool) as conn:
            keeps_session_state(conn)
            await conn.execute("LISTEN paid_desk_test")  # as add_listener does, before a failed UNLISTEN
            assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 1
        async with connection(pool) as conn:
            assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 0
    finally:
        await pool.close()


async def test_an_unmarked_release_still_rolls_back_an_open_transaction(database_url: str) -> None:
    pool = await database.create_pool(database_url, max_size=1)
    try:
        async with connection(pool) as conn:
            await conn.execute("CREATE TABLE pool_release_probe (n int)")
            await conn.execute("BEGIN")
            await conn.execute("INSERT INTO pool_release_probe VALUES (1)")
        async with connection(pool) as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT count(*) FROM pool_release_probe") == 0
    finally:
        await pool.close()
