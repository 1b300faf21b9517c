"""Periodic upkeep, run by the admin workers (a low-traffic queue).

Finished jobs pile up unless deleted (the jobs of a worker that died are
recovered by every worker process: core.jobs.stalls); the outbox needs a sweeper for deliveries that failed
transiently or whose process died between commit and send, and the inbox one
for a shard whose drain job gave up. The control center's alerts are checked
here too (core.admin.alerts).
"""

from __future__ import annotations

import structlog
from procrastinate import App, JobContext

from core.admin import alerts
from core.delivery import engine
from core.jobs import inbox, processed, stalls
from core.jobs.queues import Queue
from core.platform.database import connection
from workers.runtime import Container

log = structlog.get_logger(__name__)

#: Longer than Stripe's 3 days of retries and Telegram's 24 hours.
PROCESSED_RETENTION_DAYS = 7
FINISHED_JOB_RETENTION_HOURS = 72
#: An update waiting this long means its shard's drain failed for good or was lost.
INBOX_STRANDED_SECONDS = 60.0


def register(app: App, c: Container) -> None:
    @app.periodic(cron="* * * * * */15", periodic_id="sweep_outbox")
    @app.task(name="maintenance.sweep_outbox", queue=Queue.ADMIN.value)
    async def sweep_outbox(timestamp: int) -> None:
        sent = await engine.deliver_due(c.courier)
        if sent:
            log.info("outbox swept", sent=sent)

    @app.periodic(cron="* * * * * */15", periodic_id="sweep_inbox")
    @app.task(name="maintenance.sweep_inbox", queue=Queue.ADMIN.value)
    async def sweep_inbox(timestamp: int) -> None:
        async with connection(c.pool) as conn:
            shards = await inbox.requeue_stranded(conn, INBOX_STRANDED_SECONDS)
        if shards:
            log.warning("inbox shards queued again", shards=shards)

    # Without a lock: two admin workers checking at once post a transition once
    # (the alert's row decides), and a slow check never holds up the next.
    @app.periodic(cron="* * * * * */15", periodic_id="check_alerts")
    @app.task(name="maintenance.check_alerts", queue=Queue.ADMIN.value, pass_context=True)
    async def check_alerts(context: JobContext, timestamp: int) -> None:
        posted = await alerts.check(c.pool, c.settings.admin_group_id, c.methods)
        if posted:
            log.info("alerts posted", outbox_ids=posted)
            # Claimed in this worker's name: if it dies mid-send, the stall
            # recovery returns the messages in seconds, not after a stale claim's 5 min.
            await engine.deliver(c.for_job(context.job.worker_id).courier, posted)

    @app.periodic(cron="17 * * * *", periodic_id="prune")
    @app.task(name="maintenance.prune", queue=Queue.ADMIN.value, pass_context=True)
    async def prune(context: JobContext, timestamp: int) -> None:
        await processed.prune(c.pool, days=PROCESSED_RETENTION_DAYS)
        async with connection(c.pool) as conn:
            await stalls.prune(conn, days=PROCESSED_RETENTION_DAYS)
            await alerts.prune(conn)
        await c.limiter.prune()
        if c.sandbox is not None:
            await c.sandbox.prune_sends()
        await context.app.job_manager.delete_old_jobs(nb_hours=FINISHED_JOB_RETENTION_HOURS)
