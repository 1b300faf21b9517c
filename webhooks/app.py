"""The aiohttp application of the ``web`` process."""

from __future__ import annotations

from aiohttp import web

from webhooks.deps import DEPS, MAX_BODY_BYTES, IngressDeps
from webhooks.health import health, root
from webhooks.sandbox import sent_messages
from webhooks.stripe_events import receive_event
from webhooks.telegram import receive_update


def build_app(deps: IngressDeps) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[DEPS] = deps
    app.router.add_post("/webhooks/telegram", receive_update)
    app.router.add_post("/webhooks/stripe", receive_event)
    app.router.add_get("/health", health)
    app.router.add_get("/", root)
    app.router.add_get("/sandbox/messages", sent_messages)

    async def close_recorder(_: web.Application) -> None:
        await deps.recorder.close()

    app.on_shutdown.append(close_recorder)
    return app
