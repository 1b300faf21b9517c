"""Postgres behind a proxy this test process controls: the network between a
process and its database failing, for tests of what survives it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import parse_qs, urlsplit


class DroppingProxy:
    """Postgres behind a proxy that hangs up on the connections numbered in ``drop``
    (what a worker sees when Postgres stops right after it connected once), or on
    every connection for a while (:meth:`cut`, what a restart does)."""

    def __init__(self, database_url: str, drop: range = range(0)) -> None:
        parts = urlsplit(database_url)
        query = parse_qs(parts.query)
        self.socket_dir = query.get("host", [parts.hostname or "localhost"])[0]
        self.port = parts.port or 5432
        self.database = parts.path.lstrip("/")
        self.drop = drop
        self.seen = 0
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()
        self.refuse_until = 0.0

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"postgresql://postgres@127.0.0.1:{port}/{self.database}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    def cut(self, seconds: float) -> None:
        """Close every connection, and refuse new ones for ``seconds``."""
        self.refuse_until = time.monotonic() + seconds
        for writer in self.open:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.seen += 1
        if self.seen in self.drop or time.monotonic() < self.refuse_until:
            writer.close()
            return
        if self.socket_dir.startswith("/"):
            up_r, up_w = await asyncio.open_unix_connection(f"{self.socket_dir}/.s.PGSQL.{self.port}")
        else:
            up_r, up_w = await asyncio.open_connection(self.socket_dir, self.port)
        self.open.update((writer, up_w))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()
            self.open.discard(dst)

        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))
