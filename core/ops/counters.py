"""The monotonic totals behind /metrics' counters (``metric_counters``).

Triggers and the ingress add to rows of their database session's own
(sql/migrations/0017_operations.sql); :func:`fold` sums those rows into one
per series now and then, so the table stays as small as the set of series.
"""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from core.platform.sql import q


async def totals(conn: asyncpg.Connection) -> dict[str, dict[tuple[str, ...], int]]:
    """``{metric: {label values: total}}``."""
    found: dict[str, dict[tuple[str, ...], int]] = {}
    for r in await conn.fetch(q("counters_totals")):
        found.setdefault(r["metric"], {})[tuple(r["labels"])] = int(r["value"])
    return found


async def fold(conn: asyncpg.Connection) -> int:
    """Sum every session's rows into slot 0; the rows folded. Never waits on a writer."""
    async with conn.transaction():
        await conn.execute(q("counters_fold_lock"))
        folded: int = await conn.fetchval(q("counters_fold"))
    return folded


def total(found: Mapping[str, Mapping[tuple[str, ...], int]], metric: str, *labels: str) -> int:
    return found.get(metric, {}).get(tuple(labels), 0)
