"""The dashboard's figures, read in one go: users, messages, revenue, waiting, health.

Hours that are over are counted once and kept (admin_hourly_counts,
admin_hourly_revenue): a figure is the kept hours plus a live count of the
open ones. Active users cannot be
kept that way (a user's last_seen_at moves): they are counted at most every
ACTIVE_EVERY_SECONDS, and the screen says when. bench/admin.py times every
statement at a million users and ten million messages. The health part is
what ``/health`` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.delivery import outbox
from core.jobs import inbox, queues, stalls
from core.platform.sql import q

#: Active users are counted again when their last count is older than this.
ACTIVE_EVERY_SECONDS = 300


@dataclass(frozen=True)
class Revenue:
    """Net of refunds, in minor units of ``currency`` (``xtr``: Stars)."""

    currency: str
    today: int
    last_7d: int
    last_30d: int


@dataclass(frozen=True)
class Health:
    queues: tuple[queues.QueueDepth, ...]
    inbox_pending: int
    inbox_failed: int
    outbox_pending: int
    outbox_failed: int
    stalled: stalls.StallStatus


@dataclass(frozen=True)
class Figures:
    users: int
    new_today: int
    new_7d: int
    active_24h: int
    active_7d: int
    paying: int
    #: When the active users were counted.
    active_at: datetime
    relayed_today: int
    relayed_7d: int
    waiting: int
    #: When the longest-waiting user wrote; None when nobody waits.
    oldest_wait: datetime | None
    revenue: tuple[Revenue, ...]
    health: Health


async def _active(conn: asyncpg.Connection) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(q("dashboard_figures_active_kept"), ACTIVE_EVERY_SECONDS)
    if len(rows) < 2:
        rows = await conn.fetch(q("dashboard_figures_active_count"))
    return {r["name"]: r for r in rows}


async def load(conn: asyncpg.Connection, stalled_after: float) -> Figures:
    await conn.execute(q("dashboard_figures_close"))
    counts = {r["metric"]: r for r in await conn.fetch(q("dashboard_figures_counts"))}
    joined, paid, relayed = counts["users_joined"], counts["users_first_paid"], counts["messages_relayed"]
    active = await _active(conn)
    waiting = await conn.fetchrow(q("dashboard_figures_waiting"))
    assert waiting is not None
    revenue = tuple(Revenue(r["currency"], r["today"], r["last_7d"], r["last_30d"])
                    for r in await conn.fetch(q("dashboard_figures_revenue")))
    waiting_in, waiting_out = await inbox.counts(conn), await outbox.counts(conn)
    health = Health(tuple(await queues.queue_depths(conn)), waiting_in["pending"], waiting_in["failed"],
                    waiting_out["pending"], waiting_out["failed"], await stalls.status(conn, stalled_after))
    return Figures(
        joined["total"], joined["today"], joined["last_7d"], active["active_24h"]["value"],
        active["active_7d"]["value"], paid["total"], active["active_7d"]["counted_at"], relayed["today"],
        relayed["last_7d"], waiting["waiting"], waiting["oldest"], revenue, health)
