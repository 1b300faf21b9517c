"""What ``GET /metrics`` reports, computed from Postgres.

Every figure comes from the database, so any web dyno answers with the same
numbers however many run: totals (counters) from ``metric_counters``, kept by
triggers and the ingress (sql/migrations/0017_operations.sql); levels (gauges)
from small tables or partial indexes, so a scrape stays cheap at a million
users. :func:`snapshot` reads them in one connection; :func:`families` turns
a snapshot into Prometheus metric families (pure, so tests read the values).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import asyncpg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric

from core.jobs import stalls
from core.jobs.queues import Queue
from core.ops import counters, webhook_status
from core.ops.webhook_status import WebhookStatus
from core.platform.sql import q

PREFIX = "paid_desk"

#: Counter name (without ``_total``), its help, and the labels its rows carry, in order.
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "updates_received": ("Updates and events the ingress recorded, by source and type.", ("source", "type")),
    "telegram_sends": ("Calls to Telegram that ended, by method and outcome (sent, failed).",
                       ("method", "outcome")),
    "telegram_flood_waits": ("Flood waits Telegram imposed, by the bucket they blocked (chat, group).",
                             ("scope",)),
    "messages_relayed": ("Messages relayed: in (user to topic), out (operator to user).", ("direction",)),
    "payments": ("Payments that succeeded, by rail and currency.", ("rail", "currency")),
    "revenue_minor": ("Amounts paid, in minor units of the currency (Stars for XTR), by rail.",
                      ("rail", "currency")),
    "refunded_minor": ("Amounts refunded, in minor units of the currency, by rail.", ("rail", "currency")),
}
#: Job states procrastinate uses; each queue reports each of them (0 when none).
JOB_STATES = ("todo", "doing", "failed", "aborted", "cancelled")


@dataclass(frozen=True)
class Snapshot:
    totals: Mapping[str, Mapping[tuple[str, ...], int]]
    jobs: Mapping[tuple[str, str], int]
    oldest_wait: Mapping[str, float]
    inbox: Mapping[str, int]
    outbox: Mapping[str, int]
    conversations_waiting: int
    longest_wait_seconds: float
    stalled: stalls.StallStatus
    webhook: WebhookStatus | None
    queues: tuple[str, ...] = field(default=tuple(q.value for q in Queue))


async def snapshot(conn: asyncpg.Connection, *, stalled_after: float) -> Snapshot:
    # One snapshot of the database: the figures agree with each other.
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        totals = await counters.totals(conn)
        jobs = {(r["queue"], r["state"]): int(r["jobs"]) for r in await conn.fetch(q("metrics_jobs"))}
        oldest = {r["queue"]: float(r["seconds"]) for r in await conn.fetch(q("metrics_jobs_oldest_wait"))}
        inbox = dict(await conn.fetchrow(q("metrics_inbox")) or {})
        outbox = dict(await conn.fetchrow(q("metrics_outbox")) or {})
        waiting = await conn.fetchrow(q("metrics_conversations_waiting"))
        assert waiting is not None
        stalled = await stalls.status(conn, stalled_after)
        webhook = await webhook_status.latest(conn)
    return Snapshot(totals=totals, jobs=jobs, oldest_wait=oldest, inbox=inbox, outbox=outbox,
                    conversations_waiting=int(waiting["waiting"]),
                    longest_wait_seconds=float(waiting["longest_seconds"]), stalled=stalled,
                    webhook=webhook)


def _name(name: str) -> str:
    return f"{PREFIX}_{name}"


def families(s: Snapshot) -> Iterator[Metric]:
    """Every metric family of a snapshot, in a stable order."""
    for metric, (documentation, labels) in COUNTERS.items():
        family = CounterMetricFamily(_name(metric), documentation, labels=list(labels))
        for values, total in sorted(s.totals.get(metric, {}).items()):
            if len(values) == len(labels):
                family.add_metric(list(values), total)
        yield family

    jobs = GaugeMetricFamily(_name("jobs"), "Jobs in the queue, by queue and state.",
                             labels=["queue", "state"])
    states = sorted(set(JOB_STATES) | {state for _, state in s.jobs})
    for queue in sorted(set(s.queues) | {queue for queue, _ in s.jobs}):
        for state in states:
            jobs.add_metric([queue, state], s.jobs.get((queue, state), 0))
    yield jobs
    oldest = GaugeMetricFamily(_name("job_oldest_wait_seconds"),
                               "How long the job waiting longest to run has waited, by queue.",
                               labels=["queue"])
    for queue in sorted(set(s.queues) | set(s.oldest_wait)):
        oldest.add_metric([queue], round(s.oldest_wait.get(queue, 0.0), 3))
    yield oldest

    inbox = GaugeMetricFamily(_name("inbox_updates"), "Messaging updates in the inbox: pending their "
                              "drain, or set aside after failing.", labels=["state"])
    outbox = GaugeMetricFamily(_name("outbox_calls"), "Calls in the outbox: pending delivery, or failed "
                               "for good.", labels=["state"])
    for state in ("pending", "failed"):
        inbox.add_metric([state], s.inbox.get(state, 0))
        outbox.add_metric([state], s.outbox.get(state, 0))
    yield inbox
    yield outbox

    yield GaugeMetricFamily(_name("conversations_waiting"),
                            "Conversations whose user wrote last and awaits an operator.",
                            value=s.conversations_waiting)
    yield GaugeMetricFamily(_name("conversation_longest_wait_seconds"),
                            "How long the conversation waiting longest for an operator has waited.",
                            value=round(s.longest_wait_seconds, 3))
    yield GaugeMetricFamily(_name("workers_live"), "Worker processes whose heartbeat is recent.",
                            value=s.stalled.live_workers)
    yield GaugeMetricFamily(_name("jobs_stalled"), "Jobs of workers that died, not recovered yet.",
                            value=s.stalled.stalled_jobs)
    yield from _webhook(s.webhook)


def _webhook(w: WebhookStatus | None) -> Iterator[Metric]:
    """Telegram's view of the webhook, as the admin worker last fetched it."""
    checked = GaugeMetricFamily(_name("telegram_webhook_checked_timestamp_seconds"),
                                "When getWebhookInfo was last asked (0: never).")
    check_ok = GaugeMetricFamily(_name("telegram_webhook_check_ok"),
                                 "1 when the last getWebhookInfo call worked.")
    checked.add_metric([], w.checked_at.timestamp() if w is not None else 0)
    check_ok.add_metric([], 1 if w is not None and w.check_error is None else 0)
    yield checked
    yield check_ok
    if w is None or w.url is None:
        return
    yield GaugeMetricFamily(_name("telegram_webhook_pending_updates"),
                            "Updates Telegram holds because it could not deliver them yet.",
                            value=w.pending_update_count or 0)
    yield GaugeMetricFamily(_name("telegram_webhook_last_error_timestamp_seconds"),
                            "When Telegram last failed to deliver an update (0: no error reported).",
                            value=w.last_error_at.timestamp() if w.last_error_at else 0)
    yield InfoMetricFamily(_name("telegram_webhook"), "The webhook as Telegram reports it.",
                           value={"url": w.url, "last_error_message": w.last_error_message or "",
                                  "max_connections": str(w.max_connections or "")})
