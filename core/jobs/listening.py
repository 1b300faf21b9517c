"""A connection kept open for LISTEN, opened again whenever it is lost.

The scheduled-job alarm (core.jobs.wakeups) and the inbox bell
(core.jobs.inbox_bell) each keep one per worker process. Notifications sent
while the connection is down are lost, so each listener looks again (or wakes
its waiters) when its connection goes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

log = structlog.get_logger(__name__)

RECONNECT_SECONDS = 1.0

Session = Callable[[asyncpg.Connection], Awaitable[None]]


async def keep_listening(
    url: str, name: str, session: Session, *, lost: Callable[[], None] | None = None
) -> None:
    """Run until cancelled: ``session`` on a new connection, and again after each loss
    (``lost`` is told first)."""
    while True:
        try:
            conn = await asyncpg.connect(url)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("listener cannot connect", listener=name, error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(RECONNECT_SECONDS)
            continue
        try:
            await session(conn)
            log.warning("listener lost its connection", listener=name)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("listener lost its connection", listener=name, error=f"{type(exc).__name__}: {exc}")
        finally:
            if lost is not None:
                lost()
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))
        await asyncio.sleep(RECONNECT_SECONDS)
