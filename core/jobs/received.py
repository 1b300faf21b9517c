"""What the ingress received, counted by source and type in the transaction that records it.

The totals live in ``metric_counters`` (sql/migrations/0021_operations.sql),
so ``/metrics`` on any web dyno reports the same figures; one statement per
recorded batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import asyncpg

from core.jobs.queues import JobRequest
from core.jobs.routing import HANDLED
from core.platform.sql import q


def kind_of(request: JobRequest) -> tuple[str, str]:
    """(source, type): ``("telegram", "message")``, ``("stripe", "invoice.paid")``."""
    update = request.args.get("update")
    if isinstance(update, Mapping):
        return "telegram", next((k for k in HANDLED if k in update), "other")
    event = request.args.get("event")
    if isinstance(event, Mapping):
        return "stripe", str(event.get("type") or "other")[:64]
    return "other", request.task.value


def totals(requests: Sequence[JobRequest]) -> tuple[list[str], list[str], list[int]]:
    """A batch's counts as the statements take them: sources, types and counts, in order."""
    ordered = sorted(Counter(kind_of(r) for r in requests).items())
    return [s for (s, _), _ in ordered], [t for (_, t), _ in ordered], [n for _, n in ordered]


async def count(conn: asyncpg.Connection, requests: Sequence[JobRequest]) -> None:
    """Add a batch to the totals, in the caller's transaction."""
    if requests:
        await conn.execute(q("received_count"), *totals(requests))
