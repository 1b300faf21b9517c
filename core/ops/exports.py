"""CSV exports of users, payments and the ledger, streamed row by row.

A server-side cursor inside one read-only transaction reads the table in
chunks, so a million users go out in constant memory and as one consistent
snapshot. Money stays in integers (minor units, credits), times in ISO 8601 UTC.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import datetime
from enum import StrEnum
from typing import IO, Any

import asyncpg

from core.platform.sql import q

CHUNK = 2000


class Export(StrEnum):
    USERS = "users"
    PAYMENTS = "payments"
    LEDGER = "ledger"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


async def rows(conn: asyncpg.Connection, export: Export) -> AsyncIterator[list[Any]]:
    """The header, then each row, from a cursor (the caller holds no other transaction)."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        statement = await conn.prepare(q(f"exports_{export.value}"))
        yield [a.name for a in statement.get_attributes()]
        async for record in statement.cursor(prefetch=CHUNK):
            yield [_cell(v) for v in record.values()]


async def write_csv(conn: asyncpg.Connection, export: Export, out: IO[str]) -> int:
    """Write the export to ``out``; the number of data rows."""
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    async for row in rows(conn, export):
        writer.writerow(row)
        count += 1
        if count % CHUNK == 0:
            out.flush()
    out.flush()
    return count
