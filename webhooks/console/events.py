"""Live updates for the console: Postgres ``LISTEN`` fanned out as server-sent events.

Triggers on the fake Telegram's tables (sql/sandbox/0005_console.sql) notify
``sandbox_console`` whenever a message, topic, chat or query answer changes,
whichever process wrote it. One connection per web process listens while
pages are open; each notification is read once (the message as the page
draws it) and written to every open page. Nothing polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from aiohttp import web

from core.platform.database import connection, keeps_session_state

log = structlog.get_logger(__name__)

CHANNEL = "sandbox_console"
#: A page that takes longer than this many events to read is dropped; it reconnects and reloads.
BACKLOG = 1000
#: Comments keep proxies from closing a quiet stream, and find pages that left.
PING_SECONDS = 15.0
#: How often the listening connection is checked, and how soon a lost one is replaced.
CHECK_SECONDS = 10.0
RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]

    def encode(self) -> bytes:
        return f"event: {self.name}\ndata: {json.dumps(self.data, default=str)}\n\n".encode()


#: Turns a notification's payload into what pages are sent (None: nothing), reading with ``conn``.
Render = Callable[[asyncpg.Connection, dict[str, Any]], Awaitable[Event | None]]


class Hub:
    def __init__(self, pool: asyncpg.Pool, render: Render) -> None:
        self._pool = pool
        self._render = render
        self._pages: set[asyncio.Queue[Event | None]] = set()
        self._notes: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.live = False

    def subscribe(self) -> asyncio.Queue[Event | None]:
        page: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=BACKLOG)
        self._pages.add(page)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen())
        return page

    def unsubscribe(self, page: asyncio.Queue[Event | None]) -> None:
        self._pages.discard(page)

    def publish(self, event: Event) -> None:
        for page in list(self._pages):
            try:
                page.put_nowait(event)
            except asyncio.QueueFull:
                # Its stream ends; the page reconnects and reads everything afresh.
                self._pages.discard(page)
                with contextlib.suppress(asyncio.QueueEmpty):
                    page.get_nowait()
                page.put_nowait(None)

    async def close(self) -> None:
        for page in list(self._pages):
            with contextlib.suppress(asyncio.QueueFull):
                page.put_nowait(None)
        self._pages.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _on_note(self, conn: object, pid: int, channel: str, payload: object) -> None:
        self._notes.put_nowait(str(payload))

    def _status(self, live: bool) -> None:
        if live != self.live:
            self.live = live
            # Back after a gap: pages reload what they show, as notifications were missed.
            self.publish(Event("live" if live else "offline", {}))

    async def _listen(self) -> None:
        while self._pages:
            try:
                async with connection(self._pool) as conn:
                    keeps_session_state(conn)  # UNLISTEN on release, whatever happens below
                    await conn.add_listener(CHANNEL, self._on_note)
                    try:
                        self._status(True)
                        await self._serve(conn)
                    finally:
                        with contextlib.suppress(Exception):
                            await conn.remove_listener(CHANNEL, self._on_note)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: say so, and listen again
                log.warning("console events interrupted", error=f"{type(exc).__name__}: {exc}")
            self._status(False)
            await asyncio.sleep(RETRY_SECONDS)

    async def _serve(self, conn: asyncpg.Connection) -> None:
        while self._pages:
            try:
                payload = await asyncio.wait_for(self._notes.get(), CHECK_SECONDS)
            except TimeoutError:
                await conn.execute("SELECT 1")  # a dead connection raises here
                continue
            try:
                event = await self._render(conn, json.loads(payload))
            except (asyncpg.PostgresError, ValueError, KeyError) as exc:
                log.warning("console event not rendered", payload=payload, error=str(exc))
                continue
            if event is not None:
                self.publish(event)


async def stream(request: web.Request, hub: Hub) -> web.StreamResponse:
    """GET /sandbox/events: an event stream of what changes in the fake Telegram."""
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    })
    await response.prepare(request)
    page = hub.subscribe()
    try:
        await response.write(b"retry: 2000\n\n")
        await response.write(Event("hello", {"live": hub.live}).encode())
        while True:
            try:
                event = await asyncio.wait_for(page.get(), PING_SECONDS)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if event is None:
                break
            await response.write(event.encode())
    except (ConnectionResetError, ConnectionError):
        pass  # the page went away
    finally:
        hub.unsubscribe(page)
    return response
