"""The sandbox console: the whole product in a browser, as a Telegram client shows it.

Mounted by :mod:`webhooks.sandbox` in sandbox mode only. The page (``/``,
``/console``) lists the sandbox's users and admin groups with their topics,
shows each chat's messages live, and acts through ``/sandbox/send`` and
``/sandbox/press`` (updates built as Telegram builds them, posted to the
ingress with its secret) and ``/sandbox/pay-invoice``. Its side panel shows
the user's balance and ledger, the queues, the outbox and the send budgets.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from core.platform.config import Settings
from core.sandbox.console import world
from core.sandbox.telegram.model import TelegramModel
from webhooks.console import acting, claims, outage, page, views
from webhooks.console.events import Event, Hub, stream
from webhooks.console.items import render
from webhooks.console.page import telegram_opener
from webhooks.console.state import CONSOLE, Console, Ingress
from webhooks.console.updates import BOT_NAME

__all__ = ["mount", "telegram_opener"]

ANSWER_FIELDS = ("kind", "query_id", "ok", "text", "show_alert")


def _renderer(settings: Settings) -> Any:
    async def on_note(conn: asyncpg.Connection, note: dict[str, Any]) -> Event | None:
        kind = note.get("kind")
        if kind == "message":
            if note.get("op") == "delete":
                return Event("gone", {"chat_id": note["chat_id"], "message_id": note["message_id"]})
            m = await world.message(conn, int(note["chat_id"]), int(note["message_id"]))
            if m is None:
                return None
            staff = {p["id"]: p["name"] for p in await views.operators(settings, conn)}
            [item] = await render(conn, [m], bot_name=BOT_NAME, names=staff)
            return Event("message", {**item, "op": note.get("op")})
        if kind in ("chat", "topic"):
            return Event("chats", {"chat_id": note.get("chat_id")})
        if kind == "answer":
            answer = await world.answer(conn, str(note["query_kind"]), str(note["query_id"]))
            if answer is None:
                return None
            return Event("answer", {key: answer[key] for key in ANSWER_FIELDS})
        return None

    return on_note


def mount(app: web.Application, settings: Settings, pool: asyncpg.Pool, model: TelegramModel) -> Console:
    ingress = Ingress(f"http://127.0.0.1:{settings.port}/webhooks/telegram", settings.webhook_secret)
    console = Console(settings=settings, pool=pool, model=model, hub=Hub(pool, _renderer(settings)),
                      ingress=ingress)
    app[CONSOLE] = console
    # Outermost: whatever a console route meets while the database is down is a 503.
    app.middlewares.insert(0, outage.database_unavailable)
    app.middlewares.append(claims.middleware(model))
    page.add_routes(app)

    async def events(request: web.Request) -> web.StreamResponse:
        return await stream(request, console.hub)

    app.router.add_get("/sandbox/events", events)
    app.router.add_get("/sandbox/world", views.world_view)
    app.router.add_get("/sandbox/chat", views.chat_view)
    app.router.add_get("/sandbox/commands", views.commands_view)
    app.router.add_get("/sandbox/panel", views.panel_view)
    app.router.add_get("/sandbox/files/{unique_id}", views.file_view)
    app.router.add_post("/sandbox/files", acting.upload)
    app.router.add_post("/sandbox/users", acting.create_user)
    app.router.add_post("/sandbox/send", acting.send)
    app.router.add_post("/sandbox/press", acting.press)

    async def close(_: web.Application) -> None:
        # Open event streams end first, or the server would wait for them on shutdown.
        await console.hub.close()
        await console.ingress.close()

    app.on_shutdown.append(close)
    return console
