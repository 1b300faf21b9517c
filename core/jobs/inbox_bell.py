"""The doorbell of listening drains: a shard's next update wakes the drain waiting for it.

A drain that finds its shard empty may stay a moment instead of ending its
job (workers/inbox_drain.py); recorders then notify it on the channel
``paid_desk_inbox`` instead of queueing a job (sql/migrations/0030).
Each messaging worker process keeps one connection listening on that
channel (:func:`listen`) and rings the drains of this process waiting for
the shards named.

A drain waits only while the connection listens (:attr:`Bell.ready`). When
the connection is lost, or the process is told to stop, every waiting drain
is woken; it stops listening (its last take says so) and ends.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import structlog

from core.jobs.listening import keep_listening

log = structlog.get_logger(__name__)

CHANNEL = "paid_desk_inbox"


class Bell:
    def __init__(self) -> None:
        self._armed: dict[int, set[asyncio.Event]] = {}
        self._listening = False
        self._closing = False

    @property
    def ready(self) -> bool:
        """Drains may listen: the connection listens and the process is not stopping."""
        return self._listening and not self._closing

    def arm(self, shard: int) -> asyncio.Event:
        """Before the take that may find the shard empty: a notification that comes
        between that take and :meth:`wait` still counts."""
        ring = asyncio.Event()
        self._armed.setdefault(shard, set()).add(ring)
        return ring

    def disarm(self, shard: int, ring: asyncio.Event) -> None:
        rings = self._armed.get(shard)
        if rings is not None:
            rings.discard(ring)
            if not rings:
                del self._armed[shard]

    async def wait(self, ring: asyncio.Event, seconds: float) -> bool:
        """True when the shard's bell rang within ``seconds`` and drains may still listen."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ring.wait(), seconds)
        return ring.is_set() and self.ready

    def ring(self, shard: int) -> None:
        for ring in self._armed.get(shard, ()):
            ring.set()

    def on_notification(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            shard = int(str(payload))
        except ValueError:
            log.warning("unreadable inbox notification", payload=str(payload)[:100])
            return
        self.ring(shard)

    def set_listening(self, listening: bool) -> None:
        self._listening = listening
        if not listening:
            self._wake_all()

    def close(self) -> None:
        """The process is stopping: waiting drains end now, not after their wait."""
        self._closing = True
        self._wake_all()

    def _wake_all(self) -> None:
        for rings in self._armed.values():
            for ring in rings:
                ring.set()


async def listen(url: str, bell: Bell) -> None:
    """Run until cancelled: keep a connection listening for the bell, reconnecting when lost."""
    await keep_listening(url, "inbox bell", lambda conn: _listen_on(conn, bell),
                         lost=lambda: bell.set_listening(False))


async def _listen_on(conn: asyncpg.Connection, bell: Bell) -> None:
    """Until the connection is lost (asyncpg calls its termination listeners then)."""
    lost = asyncio.Event()
    conn.add_termination_listener(lambda _conn: lost.set())
    await conn.add_listener(CHANNEL, bell.on_notification)
    bell.set_listening(True)
    await lost.wait()
