"""Exactly-once effects for at-least-once deliveries.

The marker row and the effects share one transaction: either both commit, or
neither does and the redelivery runs the job again from scratch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum

import asyncpg

from core.platform.database import connection
from core.platform.sql import q


class Source(StrEnum):
    TELEGRAM = "telegram"
    STRIPE = "stripe"
    INTERNAL = "internal"


@asynccontextmanager
async def first_delivery(
    pool: asyncpg.Pool, source: Source, key: str
) -> AsyncIterator[asyncpg.Connection | None]:
    """Yield a connection inside an open transaction, or None for a repeat delivery."""
    async with connection(pool) as conn, conn.transaction():
        first = await conn.fetchval(q("processed_mark_processed"), source.value, key)
        yield conn if first else None
