"""asyncpg pools and the translation of database failures into core errors."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar, cast

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


#: Backends whose connection took state that outlives a transaction (a LISTEN, a session
#: advisory lock): given back to the pool, they get asyncpg's full reset. The others skip it.
_SESSION_STATE: set[int] = set()


def keeps_session_state(conn: asyncpg.Connection) -> None:
    """Mark a pooled connection that took session state, so its release clears it."""
    _SESSION_STATE.add(conn.get_server_pid())


async def _reset(conn: asyncpg.Connection) -> None:
    """What a release does beyond asyncpg's own (an open transaction rolled back, callbacks dropped).

    asyncpg's default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`` on every release: a round trip per connection use, about four per relayed
    message at moderate load, for state that only two places ever take (they say so
    with :func:`keeps_session_state`). Cursors live in transactions and settings are
    set transaction-local, so nothing else outlives a release.
    """
    pid = conn.get_server_pid()
    if pid in _SESSION_STATE:
        _SESSION_STATE.discard(pid)
        await conn.execute(conn.get_reset_query())


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
        reset=_reset,
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


T = TypeVar("T")


async def patiently(attempt: Callable[[], Awaitable[T]], *, patience: float, first_pause: float,
                    on_retry: Callable[[DatabaseUnavailable, float], None] | None = None) -> T:
    """``attempt()``, tried again while the database cannot be reached (a restart
    takes seconds), pausing ``first_pause`` and doubling up to 5 s, for up to
    ``patience`` seconds; past it the last DatabaseUnavailable is raised. Any
    other failure is raised at once."""
    pause = first_pause
    deadline = time.monotonic() + patience
    while True:
        try:
            async with retryable_failures():
                return await attempt()
        except DatabaseUnavailable as exc:
            if time.monotonic() + pause > deadline:
                raise
            if on_retry is not None:
                on_retry(exc, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)
