"""The aiohttp application of the ``web`` process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from core.delivery import chat_migrations
from core.platform.config import FAKE_STRIPE_PATH
from webhooks.deps import DEPS, MAX_BODY_BYTES, IngressDeps
from webhooks.health import health, root
from webhooks.sandbox import sent_messages
from webhooks.sandbox_payments import pay_invoice
from webhooks.stripe_events import receive_event
from webhooks.telegram import receive_update


def build_app(deps: IngressDeps, *, fake_stripe: web.Application | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[DEPS] = deps
    app.router.add_post("/webhooks/telegram", receive_update)
    app.router.add_post("/webhooks/stripe", receive_event)
    app.router.add_get("/health", health)
    app.router.add_get("/", root)
    app.router.add_get("/sandbox/messages", sent_messages)
    app.router.add_post("/sandbox/pay-invoice", pay_invoice)
    if fake_stripe is not None:
        app.add_subapp(FAKE_STRIPE_PATH, fake_stripe)

    async def close_recorder(_: web.Application) -> None:
        await deps.recorder.close()

    app.on_shutdown.append(close_recorder)

    async def follow_migrated_groups(_: web.Application) -> AsyncIterator[None]:
        # Admin groups Telegram upgraded, as recorded by any process (core.delivery.chat_migrations).
        task = asyncio.create_task(chat_migrations.follow_changes(deps.pool, deps.settings.admin_groups))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(follow_migrated_groups)
    return app
