"""Keeping the tables that grow with traffic bounded: maintenance deletes what aged out.

Each kind of row has its own age (``RETENTION_*``, :class:`Retention`):
processed-update markers (past Stripe's 3 days of retries and Telegram's 24
hours of redelivery), delivered outbox rows, finished jobs (through
procrastinate, by the caller) and, in sandbox mode, the stand-in Telegram's
history. Deletes go in batches, each its own short transaction, so pruning a
backlog never holds locks or a snapshot for long.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core.platform.database import connection
from core.platform.ops_config import Retention
from core.platform.sql import q

BATCH = 5000
DAY = 86400.0


@dataclass(frozen=True)
class Pruned:
    processed: int
    outbox: int


async def prune_processed(pool: asyncpg.Pool, days: float, *, batch: int = BATCH) -> int:
    deleted = 0
    while True:
        async with connection(pool) as conn:
            status = await conn.execute(q("retention_processed"), days * DAY, batch)
        n = int(status.split()[-1])
        deleted += n
        if n < batch:
            return deleted


async def prune_outbox(pool: asyncpg.Pool, days: float, *, batch: int = BATCH) -> int:
    """Delivered rows older than ``days``; pending and failed rows stay whatever their age."""
    deleted, after = 0, 0
    while True:
        async with connection(pool) as conn:
            row = await conn.fetchrow(q("retention_outbox"), after, days * DAY, batch)
        assert row is not None
        deleted += int(row["deleted"])
        if row["last_id"] is None or not row["all_old"]:
            return deleted
        after = int(row["last_id"])


async def prune(pool: asyncpg.Pool, retention: Retention) -> Pruned:
    return Pruned(processed=await prune_processed(pool, retention.processed_days),
                  outbox=await prune_outbox(pool, retention.delivered_outbox_days))
