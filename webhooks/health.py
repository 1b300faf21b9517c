"""GET /health and GET /: reachability for load balancers and operators."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from core.admin import alerts
from core.delivery.outbox import counts as outbox_counts
from core.delivery.outbox import retries as outbox_retries
from core.jobs import inbox, stalls
from core.jobs.queues import queue_depths
from core.platform.database import UNAVAILABLE, connection
from core.platform.errors import DatabaseUnavailable
from webhooks.deps import DEPS


async def health(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    try:
        async with connection(deps.pool, timeout=3) as conn:
            depths = await queue_depths(conn)
            undelivered = {**await outbox_counts(conn), **await outbox_retries(conn)}
            waiting = await inbox.counts(conn)
            stalled = await stalls.status(conn, deps.settings.stalled_after_seconds)
            active = await alerts.active(conn)
    except (DatabaseUnavailable, asyncpg.PostgresError, *UNAVAILABLE):
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response(
        {
            "status": "ok",
            "database": "ok",
            "sandbox": deps.settings.sandbox,
            "queues": {d.queue: {"todo": d.todo, "doing": d.doing, "failed": d.failed,
                                 "retrying": d.retrying} for d in depths},
            # Sends waiting for their slot, sends that failed for good (with reasons in
            # outbox), and the ones waiting to be tried again with the most tries any has had.
            "outbox": undelivered,
            # Messaging updates waiting for their drain, and updates set aside after failing.
            "inbox": waiting,
            # Jobs whose worker died and are not recovered yet (each worker process
            # recovers them within seconds), and what recovery did in the last hour.
            "stalled": {
                "jobs": stalled.stalled_jobs,
                "live_workers": stalled.live_workers,
                "jobs_recovered_last_hour": stalled.jobs_recovered_last_hour,
                "sends_returned_last_hour": stalled.sends_returned_last_hour,
                "recovery_errors_last_hour": stalled.recovery_errors_last_hour,
                "last_recovery_at": (stalled.last_recovery_at.isoformat()
                                     if stalled.last_recovery_at else None),
            },
            # The control center's alerts on now (core.admin.alerts), oldest first.
            "alerts": [{"condition": a.condition, "since": a.since.isoformat(), "detail": a.detail}
                       for a in active],
        }
    )


async def root(request: web.Request) -> web.Response:
    return web.json_response({"service": "paid-desk", "status": "ok"})
