"""asyncpg pools and the translation of database failures into core errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import asyncpg

from core.platform.errors import DatabaseUnavailable

#: Failures that mean "the database is not there right now", as opposed to a bug in a query.
UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # A connection the server dropped mid-operation (a restart's shutdown message
    # arriving while a statement or COMMIT was being sent): asyncpg's protocol refuses
    # the next step instead of reporting the lost connection.
    asyncpg.InternalClientError,
)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(
    url: str, *, min_size: int = 0, max_size: int = 10, durable: bool = True
) -> asyncpg.Pool:
    """A pool that starts empty, so a process can start while the database is down.

    ``durable=False`` is for state that may lose its last moments in a crash
    (the sandbox's stand-in for Telegram): commits do not wait for the disk.
    """
    return await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        timeout=5,
        command_timeout=30,
        max_inactive_connection_lifetime=60,
        server_settings=None if durable else {"synchronous_commit": "off"},
    )


@asynccontextmanager
async def connection(pool: asyncpg.Pool, timeout: float = 5) -> AsyncIterator[asyncpg.Connection]:
    """Acquire a connection, turning "cannot reach the database" into DatabaseUnavailable."""
    try:
        proxy = await pool.acquire(timeout=timeout)
    except UNAVAILABLE as exc:
        raise DatabaseUnavailable(f"database unreachable: {type(exc).__name__}") from exc
    try:
        # The pool hands out proxies that behave as connections.
        yield cast(asyncpg.Connection, proxy)
    finally:
        await pool.release(proxy)


@asynccontextmanager
async def retryable_failures() -> AsyncIterator[None]:
    """Turn a transaction conflict or a lost database into DatabaseUnavailable.

    A serialization failure or a deadlock rolls the transaction back whole,
    and the database being unreachable is no fault of the work: trying it all
    again later succeeds, so callers retry instead of failing it for good.
    """
    try:
        yield
    except (asyncpg.SerializationError, asyncpg.DeadlockDetectedError) as exc:
        raise DatabaseUnavailable(f"transaction conflict: {type(exc).__name__}") from exc
    except UNAVAILABLE as exc:
        raise DatabaseUnavailable(f"database unreachable: {type(exc).__name__}") from exc
