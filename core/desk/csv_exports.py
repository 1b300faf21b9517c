"""CSV exports: a series, or a raw table behind the screens, streamed in
constant memory (a database cursor, parts written as they fill).

A large export says how many rows it has and keeps a progress message up to
date until the file is ready (edits coalesced: only the latest is sent).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import asyncpg

from core.delivery.effects import Effects
from core.delivery.methods import Methods
from core.desk import files
from core.desk.analytics import Series
from core.platform.database import connection
from core.platform.sql import q
from core.telegram.markup import PARSE_MODE

#: Exports with more rows than this get a progress message.
PROGRESS_ROWS = 20_000
#: The progress message is updated every this many rows.
PROGRESS_EVERY = 100_000
FETCH = 2_000


class Table(StrEnum):
    USERS = "users"
    PAYMENTS = "payments"
    CONVERSATIONS = "conversations"


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # A spreadsheet would run a user's name starting with = as a formula.
        return "'" + value
    return value


def csv_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue().encode()


def series_rows(s: Series) -> list[list[object]]:
    if s.bars:
        return [["label", s.unit], *[[label, value] for label, value in s.bars]]
    labels = list(s.lines)
    rows: list[list[object]] = [["day", *labels]]
    for i, day in enumerate(s.period.dates()):
        rows.append([day, *[s.lines[label][i] for label in labels]])
    return rows


Deliver = Callable[[list[int]], Awaitable[Any]]


@dataclass(frozen=True)
class Target:
    chat_id: int
    thread_id: int | None = None

    def params(self) -> dict[str, Any]:
        return {"message_thread_id": self.thread_id} if self.thread_id is not None else {}


async def _progress(pool: asyncpg.Pool, methods: Methods, deliver: Deliver, target: Target, row: int | None,
                    text: str, key: str) -> int | None:
    """Post the progress message (``row`` None), or edit it once it was delivered."""
    async with connection(pool) as conn, conn.transaction():
        tx = Effects(conn, cause="desk-export", methods=methods)
        if row is None:
            row = await tx.send("sendMessage", target.chat_id, text=text, parse_mode=PARSE_MODE,
                                **target.params())
        else:
            message_id = await conn.fetchval(q("csv_exports_progress_message"), row)
            if message_id is None:
                return row  # not delivered yet: the next update tries again
            await tx.send("editMessageText", target.chat_id, message_id=message_id, text=text,
                          parse_mode=PARSE_MODE, coalesce=key)
    await deliver(tx.outbox_ids)
    return row


async def table(pool: asyncpg.Pool, methods: Methods, deliver: Deliver, which: Table, target: Target) -> int:
    """Export a raw table to ``target``; returns the rows written."""
    name = f"{which.value}-{datetime.now():%Y%m%d-%H%M}.csv"
    async with connection(pool) as conn:
        total = int(await conn.fetchval(q(f"csv_exports_count_{which.value}")))
    progress: int | None = None
    if total > PROGRESS_ROWS:
        progress = await _progress(pool, methods, deliver, target, None,
                                   f"⏳ Exporting {name}: {total:,} rows…", "")
    written = 0
    async with connection(pool) as conn, conn.transaction():
        writer = await files.Writer.create(conn, "document", name)
        batch: list[Sequence[object]] = []
        cursor = conn.cursor(q(f"csv_exports_{which.value}"), prefetch=FETCH)
        header_written = False
        async for record in cursor:
            if not header_written:
                await writer.write(csv_bytes([list(record.keys())]))
                header_written = True
            batch.append(list(record.values()))
            if len(batch) >= FETCH:
                await writer.write(csv_bytes(batch))
                written += len(batch)
                batch = []
                if progress is not None and written % PROGRESS_EVERY < FETCH:
                    progress = await _progress(pool, methods, deliver, target, progress,
                                               f"⏳ Exporting {name}: {written:,} of {total:,} rows…",
                                               f"export:{writer.file_id}")
        await writer.write(csv_bytes(batch))
        written += len(batch)
        file_id = await writer.close(written)
        tx = Effects(conn, cause="desk-export", methods=methods)
        await tx.send("sendDeskFile", target.chat_id, file_id=file_id,
                      caption=f"📄 {name}: {written:,} rows.", **target.params())
    await deliver(tx.outbox_ids)
    if progress is not None:
        await _progress(pool, methods, deliver, target, progress, f"✅ {name} is ready: {written:,} rows.",
                        f"export:{file_id}")
    return written
