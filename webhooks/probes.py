"""GET /ready: whether this web process should get traffic (``/health`` stays liveness).

200 when the database answers, every migration this release ships is applied
and the process can record updates (:mod:`core.ops.readiness`); 503 with the
reasons otherwise, and from the moment the process starts shutting down, so a
load balancer stops sending before it goes.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from core.ops import readiness
from webhooks.deps import DEPS

#: Set when the process begins to shut down (SIGTERM): it is not ready any more.
STOPPING = web.AppKey("stopping", asyncio.Event)


async def ready(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    if request.app[STOPPING].is_set():
        return web.json_response({"ready": False, "reasons": ["shutting down"]}, status=503)
    found = await readiness.check(deps.pool, sandbox=deps.settings.sandbox)
    if not found.ready:
        return web.json_response({"ready": False, "reasons": list(found.reasons)}, status=503)
    return web.json_response({"ready": True, "reasons": []})


def install(app: web.Application) -> None:
    app[STOPPING] = asyncio.Event()
    app.router.add_get("/ready", ready)

    async def stopping(app: web.Application) -> None:
        app[STOPPING].set()

    app.on_shutdown.insert(0, stopping)
