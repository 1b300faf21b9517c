"""Files the desk makes (charts, CSV exports), kept in the database until sent.

An export is written part by part and sent from a temporary file on disk,
so neither the job writing it nor the delivery sending it holds it in
memory, whatever its size. ``sendDeskFile`` is the outbox method that sends
one (registered by the wiring, like the relay's methods).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from core.delivery.methods import Delivered, Means, Outcome, Reservation
from core.delivery.outbox import OutboxRow
from core.platform.database import connection
from core.platform.errors import TelegramRejected
from core.platform.sql import q

#: Bytes per stored part: what a part of Telegram's upload takes, too.
PART_BYTES = 512 * 1024
#: Files are pruned this long after they were made (sent or not).
KEEP_HOURS = 24


@dataclass(frozen=True)
class StoredFile:
    id: int
    kind: str
    file_name: str
    size: int
    rows: int | None


class Writer:
    """Bytes written in parts of :data:`PART_BYTES`, each a row as soon as it is full."""

    def __init__(self, conn: asyncpg.Connection, file_id: int) -> None:
        self._conn = conn
        self.file_id = file_id
        self._buffer = bytearray()
        self._seq = 0
        self.size = 0

    @classmethod
    async def create(cls, conn: asyncpg.Connection, kind: str, file_name: str) -> Writer:
        return cls(conn, int(await conn.fetchval(q("files_create"), kind, file_name)))

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        while len(self._buffer) >= PART_BYTES:
            await self._flush(bytes(self._buffer[:PART_BYTES]))
            del self._buffer[:PART_BYTES]

    async def _flush(self, data: bytes) -> None:
        await self._conn.execute(q("files_add_part"), self.file_id, self._seq, data)
        self._seq += 1

    async def close(self, rows: int | None = None) -> int:
        if self._buffer or self._seq == 0:
            await self._flush(bytes(self._buffer))
            self._buffer.clear()
        await self._conn.execute(q("files_finish"), self.file_id, self.size, rows)
        return self.file_id


async def store(conn: asyncpg.Connection, kind: str, file_name: str, data: bytes) -> int:
    writer = await Writer.create(conn, kind, file_name)
    await writer.write(data)
    return await writer.close()


async def get(conn: asyncpg.Connection, file_id: int) -> StoredFile | None:
    row = await conn.fetchrow(q("files_get"), file_id)
    return None if row is None else StoredFile(**dict(row))


async def prune(conn: asyncpg.Connection) -> None:
    await conn.execute(q("files_prune"), KEEP_HOURS)


class SendDeskFile:
    """A stored file as a photo or document, with its caption."""

    name = "sendDeskFile"
    required = frozenset({"chat_id", "file_id"})
    reaches_blocked = False

    async def prepare(self, conn: asyncpg.Connection, rows: Sequence[OutboxRow]) -> list[None]:
        return [None] * len(rows)

    def reservations(self, row: OutboxRow, state: None) -> list[Reservation]:
        return [Reservation(row.chat_id, row.lane, 1)]

    def order_of(self, row: OutboxRow) -> int:
        return row.chat_id

    async def perform(self, means: Means, row: OutboxRow, state: None, granted: Sequence[float]) -> Outcome:
        p: Mapping[str, Any] = row.params
        with tempfile.TemporaryDirectory() as folder:
            return await self._send(means, row, p, Path(folder))

    async def _send(self, means: Means, row: OutboxRow, p: Mapping[str, Any], folder: Path) -> Outcome:
        async with connection(means.pool) as conn:
            found = await get(conn, int(p["file_id"]))
            if found is None:
                raise TelegramRejected(f"desk file {p['file_id']} is gone (pruned)")
            # Named as sent: the upload takes its name from the file.
            path = folder / Path(found.file_name).name
            with path.open("wb") as spool:
                seq = 0
                while (part := await conn.fetchval(q("files_part"), found.id, seq)) is not None:
                    spool.write(part)
                    seq += 1
        with path.open("rb") as spool:
            thread = p.get("message_thread_id")
            if found.kind == "photo":
                sent = await means.gateway.send_photo(row.chat_id, spool, caption=p.get("caption"),
                                                      thread_id=thread, parse_mode=p.get("parse_mode"))
            else:
                sent = await means.gateway.send_document(row.chat_id, spool, file_name=found.file_name,
                                                         caption=p.get("caption"), thread_id=thread,
                                                         parse_mode=p.get("parse_mode"))
        return Delivered({"message_id": sent.message_id})


METHODS = (SendDeskFile(),)
