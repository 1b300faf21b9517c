"""The aiohttp application of the ``web`` process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from core.delivery import chat_migrations
from webhooks import probes
from webhooks.deps import DEPS, MAX_BODY_BYTES, IngressDeps
from webhooks.health import health, root
from webhooks.metrics import metrics
from webhooks.stripe_events import receive_event
from webhooks.telegram import receive_update


def build_app(deps: IngressDeps) -> web.Application:
    """The ingress's own routes; in sandbox mode the wiring adds the sandbox's (webhooks.sandbox)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[DEPS] = deps
    app.router.add_post("/webhooks/telegram", receive_update)
    app.router.add_post("/webhooks/stripe", receive_event)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    probes.install(app)
    if not deps.settings.sandbox:
        # In sandbox mode "/" is the console's: the page for browsers, this JSON for the rest.
        app.router.add_get("/", root)

    async def close_recorder(_: web.Application) -> None:
        await deps.recorder.close()

    app.on_shutdown.append(close_recorder)

    async def follow_migrated_groups(_: web.Application) -> AsyncIterator[None]:
        # Admin groups Telegram upgraded, as recorded by any process (core.delivery.chat_migrations).
        task = asyncio.create_task(chat_migrations.follow_changes(deps.pool, deps.settings.live_admin_groups))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(follow_migrated_groups)
    return app
