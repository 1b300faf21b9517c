"""GET /metrics: Prometheus text, computed from Postgres (:mod:`core.ops.metrics`).

Any web dyno gives the same figures: they come from the database, not from
this process's memory (the ``process_*`` and ``python_*`` series excepted,
which describe the process answering). With a bot token it needs
``Authorization: Bearer $METRICS_TOKEN``, and is off until that is set.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import asyncpg
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.ops import metrics as ops_metrics
from core.platform.database import UNAVAILABLE, connection
from core.platform.errors import DatabaseUnavailable
from webhooks.deps import DEPS
from webhooks.responses import refuse


class _Snapshot(Collector):
    def __init__(self, snapshot: ops_metrics.Snapshot, seconds: float) -> None:
        self._snapshot = snapshot
        self._seconds = seconds

    def collect(self) -> Iterator[Metric]:
        yield from ops_metrics.families(self._snapshot)
        yield GaugeMetricFamily(f"{ops_metrics.PREFIX}_metrics_query_seconds",
                                "How long reading this scrape's figures from Postgres took.",
                                value=round(self._seconds, 6))


def authorized(request: web.Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), token.encode())


async def metrics(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    token = deps.settings.metrics_token
    if token is None and not deps.settings.sandbox:
        return refuse(403, "metrics are off: set METRICS_TOKEN and send it as a bearer token")
    if token is not None and not authorized(request, token):
        return web.json_response({"ok": False, "error": "missing or wrong bearer token"}, status=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    started = time.perf_counter()
    try:
        async with connection(deps.pool, timeout=3) as conn:
            snapshot = await ops_metrics.snapshot(conn, stalled_after=deps.settings.stalled_after_seconds)
    except (DatabaseUnavailable, asyncpg.PostgresError, *UNAVAILABLE):
        return refuse(503, "database unavailable")
    registry = CollectorRegistry()
    registry.register(_Snapshot(snapshot, time.perf_counter() - started))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
