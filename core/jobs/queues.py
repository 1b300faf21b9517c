"""Queues, task names and deferring jobs from asyncpg.

procrastinate's own defer takes psycopg connections only; calling its SQL
function ``procrastinate_defer_jobs_v1`` from asyncpg lets a job commit or roll
back together with the rows that belong with it, and lets the ingress record a
whole batch of updates in one statement.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from core.platform.sql import q


class Queue(StrEnum):
    MESSAGING = "messaging"
    BILLING = "billing"
    ADMIN = "admin"
    BROADCAST = "broadcast"


class Task(StrEnum):
    """Task names: the contract between whoever defers a job and the worker running it."""

    MESSAGING_UPDATE = "messaging.update"
    #: Handles every pending inbox update of one shard (core.jobs.inbox).
    MESSAGING_DRAIN = "messaging.drain"
    BILLING_UPDATE = "billing.update"
    BILLING_STRIPE_EVENT = "billing.stripe_event"
    BILLING_CHECKOUT = "billing.checkout"
    BILLING_PORTAL = "billing.portal"
    BILLING_AUTO_RECHARGE = "billing.auto_recharge"
    BILLING_EXPORT_HISTORY = "billing.export_history"
    #: Mirror products at Stripe (Product and Price), and report what changed.
    BILLING_SYNC_PRODUCTS = "billing.sync_products"
    #: A refund an operator asked for: the provider's call, then its outcome.
    BILLING_REFUND = "billing.refund"
    ADMIN_UPDATE = "admin.update"
    #: A chart or CSV export an operator asked for (core.desk.reports).
    ADMIN_DESK_REPORT = "admin.desk_report"
    #: Quick replies imported from a file an operator sent (core.admin.desk_replies).
    ADMIN_DESK_IMPORT = "admin.desk_import"
    #: A list of users uploaded for a campaign, downloaded and read (core.admin.campaign_id_lists).
    ADMIN_CAMPAIGN_IDS = "admin.campaign_ids"
    #: A broadcast or mass gift's ticks (core.campaigns), one job per campaign at a time.
    BROADCAST_RUN = "broadcast.run"
    DELIVER_OUTBOX = "messaging.deliver_outbox"
    DELIVER_GROUP = "messaging.deliver_group"


@dataclass(frozen=True)
class JobRequest:
    queue: Queue
    task: Task
    #: One running job per lock, in arrival order: the actor (e.g. ``user:42``).
    lock: str | None
    args: Mapping[str, Any] = field(default_factory=dict)
    priority: int = 0
    queueing_lock: str | None = None
    scheduled_at: datetime | None = None


async def defer(conn: asyncpg.Connection, jobs: Sequence[JobRequest]) -> list[int]:
    """Insert jobs in the caller's transaction; workers are woken when it commits."""
    if not jobs:
        return []
    ids: list[int] | None = await conn.fetchval(
        q("queues_defer_jobs"),
        [j.queue.value for j in jobs],
        [j.task.value for j in jobs],
        [j.priority for j in jobs],
        [j.lock for j in jobs],
        [j.queueing_lock for j in jobs],
        [json.dumps(j.args, separators=(",", ":")) for j in jobs],
        [j.scheduled_at for j in jobs],
    )
    return list(ids or [])


async def advance(conn: asyncpg.Connection, queueing_lock: str, when: datetime) -> None:
    """The job waiting under ``queueing_lock`` runs no later than ``when``."""
    await conn.execute(q("queues_advance"), queueing_lock, when)


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    todo: int
    doing: int
    failed: int
    #: Jobs waiting to run again after a retryable failure (bounded by workers.runtime.Backoff).
    retrying: int = 0


async def queue_depths(conn: asyncpg.Connection) -> list[QueueDepth]:
    rows = await conn.fetch(q("queues_depths"), [queue.value for queue in Queue])
    return [QueueDepth(r["queue"], r["todo"], r["doing"], r["failed"], r["retrying"]) for r in rows]
