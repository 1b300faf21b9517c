"""Periodic upkeep, run by the admin workers (a low-traffic queue).

The outbox needs a sweeper for deliveries that failed transiently or whose
process died between commit and send, and the inbox one for a shard whose
drain job gave up (the jobs of a worker that died are recovered by every
worker process: core.jobs.stalls). The tables that grow with traffic are
pruned to their retention (core.ops.retention, ``RETENTION_*``), and
Telegram's view of the webhook is fetched for /metrics and the System screen.
The control center's alerts are checked here too (core.admin.alerts), and
Stripe's list of events for any a webhook never brought (core/billing/stripe/reconcile.py).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

import structlog
from procrastinate import App, JobContext

from core import campaigns, desk
from core.admin import alerts
from core.billing.stripe import reconcile
from core.delivery import engine
from core.jobs import inbox, stalls
from core.jobs.queues import Queue
from core.ops import counters, retention, webhook_status
from core.platform.config import Settings
from core.platform.database import connection
from core.platform.errors import StripeRejected, StripeUnavailable
from core.telegram.bot_api import BotApi, HttpBotApi
from workers.runtime import Container

log = structlog.get_logger(__name__)

#: An update waiting this long means its shard's drain failed for good or was lost.
INBOX_STRANDED_SECONDS = 60.0


def bot_api(c: Container) -> BotApi:
    """Telegram's Bot API, or in sandbox mode the stand-in's answers to it."""
    if c.sandbox is not None:
        return c.sandbox.bot_api()
    settings: Settings = c.settings
    assert settings.bot_token is not None
    return HttpBotApi(settings.bot_token, base=settings.bot_api_url)


async def _sweep_outbox(c: Container, _worker_id: int | None) -> None:
    sent = await engine.deliver_due(c.courier)
    if sent:
        log.info("outbox swept", sent=sent)


async def _sweep_inbox(c: Container, _worker_id: int | None) -> None:
    async with connection(c.pool) as conn:
        shards = await inbox.requeue_stranded(conn, INBOX_STRANDED_SECONDS)
    if shards:
        log.warning("inbox shards queued again", shards=shards)


async def _check_alerts(c: Container, worker_id: int | None) -> None:
    posted = await alerts.check(c.pool, c.settings.admin_group_id, c.methods)
    if posted:
        log.info("alerts posted", outbox_ids=posted)
        # Claimed in this worker's name: if it dies mid-send, the stall
        # recovery returns the messages in seconds, not after a stale claim's 5 min.
        await engine.deliver(c.for_job(worker_id).courier, posted)


async def _desk_sweep(c: Container, worker_id: int | None) -> None:
    """The desk: topic titles and live cards (background rows, the groups' drainers
    send them on spare budget) and one SLA alert per waiting conversation."""
    swept = await desk.sweep.sweep(c.pool, c.methods)
    if swept.alerts:
        await engine.deliver(c.for_job(worker_id).courier, swept.alerts)
    if swept.titles or swept.cards or swept.alerts:
        log.info("desk swept", titles=swept.titles, cards=swept.cards, sla_alerts=len(swept.alerts))


Sweep = Callable[[Container, int | None], Awaitable[None]]

#: What runs every 15 s, as one job: four jobs cost an idle admin worker four
#: fetches, starts and finishes each time (bench/idle.py).
SWEEPS: dict[str, Sweep] = {
    "sweep_outbox": _sweep_outbox,
    "sweep_inbox": _sweep_inbox,
    "check_alerts": _check_alerts,
    "desk_sweep": _desk_sweep,
}


async def sweep_all(c: Container, worker_id: int | None, parts: Mapping[str, Sweep] = SWEEPS) -> None:
    """Every sweep, each whatever the others did; the job fails when one failed."""
    failed: list[Exception] = []
    for name, part in parts.items():
        try:
            await part(c, worker_id)
        except Exception as exc:
            log.error("sweep failed", sweep=name, error=f"{type(exc).__name__}: {exc}", exc_info=exc)
            failed.append(exc)
    if failed:
        raise failed[0]


def register(app: App, c: Container) -> None:
    # Without a lock: two admin workers sweeping at once post an alert's
    # transition once (the alert's row decides), and a slow sweep never holds
    # up the next.
    @app.periodic(cron="* * * * * */15", periodic_id="sweeps")
    @app.task(name="maintenance.sweeps", queue=Queue.ADMIN.value, pass_context=True)
    async def sweeps(context: JobContext, timestamp: int) -> None:
        await sweep_all(c, context.job.worker_id)

    # Each sweep can also be queued on its own (an operator's retry, the tests).
    for name, part in SWEEPS.items():
        _register_one(app, c, name, part)

    @app.periodic(cron="*/10 * * * *", periodic_id="prune")
    @app.task(name="maintenance.prune", queue=Queue.ADMIN.value, pass_context=True)
    async def prune(context: JobContext, timestamp: int) -> None:
        kept = c.settings.retention
        pruned = await retention.prune(c.pool, kept)
        sources = await campaigns.prune_sources(c.pool, kept.campaign_sources_days)
        async with connection(c.pool) as conn:
            await stalls.prune(conn, days=math.ceil(kept.processed_days))
            await alerts.prune(conn)
            folded = await counters.fold(conn)
        await c.limiter.prune()
        if c.sandbox is not None:
            await c.sandbox.prune_sends()
            await c.sandbox.prune_history(timedelta(days=kept.sandbox_days))
        jobs = context.app.job_manager
        await jobs.delete_old_jobs(nb_hours=math.ceil(kept.finished_jobs_hours), include_cancelled=True,
                                   include_aborted=True)
        await jobs.delete_old_jobs(nb_hours=math.ceil(kept.failed_jobs_days * 24), include_failed=True)
        log.info("pruned", processed=pruned.processed, outbox=pruned.outbox, counters_folded=folded,
                 album_items=sources.album_items, id_lists=sources.id_lists)

    # Payments a webhook never brought (Stripe gave up, or never posted): queued as
    # the ingress would have; each event still applies once, however it came.
    @app.periodic(cron="*/5 * * * *", periodic_id="stripe_reconcile")
    @app.task(name="maintenance.stripe_reconcile", queue=Queue.ADMIN.value)
    async def stripe_reconcile(timestamp: int) -> None:
        if c.stripe is None:
            return
        try:
            found = await reconcile.missed_events(c.pool, c.stripe.events, now=datetime.now(UTC))
        except (StripeUnavailable, StripeRejected) as exc:
            # The next run covers the same window (2 hours): no failed job for an outage.
            log.warning("Stripe's events not listed", error=str(exc))
            return
        if found.queued:
            log.warning("Stripe events no webhook brought, queued", event_ids=found.queued,
                        listed=found.listed)

    @app.periodic(cron=f"* * * * * */{webhook_status.CHECK_SECONDS}", periodic_id="webhook_info")
    @app.task(name="maintenance.webhook_info", queue=Queue.ADMIN.value)
    async def webhook_info(timestamp: int) -> None:
        api = bot_api(c)
        try:
            async with connection(c.pool) as conn:
                status = await webhook_status.check(conn, api)
        finally:
            await api.close()
        if status.check_error is not None:
            log.warning("getWebhookInfo failed", error=status.check_error)
        elif status.last_error_message is not None:
            log.warning("Telegram reports webhook errors", last_error=status.last_error_message,
                        pending=status.pending_update_count)


def _register_one(app: App, c: Container, name: str, part: Sweep) -> None:
    @app.task(name=f"maintenance.{name}", queue=Queue.ADMIN.value, pass_context=True)
    async def one(context: JobContext, timestamp: int) -> None:
        await part(c, context.job.worker_id)
