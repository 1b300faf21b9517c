"""The console's page: ``/console``, and ``/`` for browsers (scripts still get the JSON there)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from webhooks.health import root

STATIC = Path(__file__).resolve().parent / "static"
#: The page is small and changes with the code: always asked again, never stale.
NO_CACHE = {"Cache-Control": "no-cache"}


def wants_html(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


async def console_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers=NO_CACHE)


async def home(request: web.Request) -> web.StreamResponse:
    """``/``: the console for a browser; ``{"service": ..., "status": "ok"}`` for anything else."""
    if wants_html(request):
        return await console_page(request)
    return await root(request)


def telegram_opener(bot_username: str) -> Callable[[str], str]:
    """A phone opens ``t.me/<the bot>?start=...`` in Telegram, which sends the bot ``/start ...``;
    in the sandbox the console's ``/console/open`` page does (see :mod:`core.sandbox.stripe`)."""
    pattern = re.compile(rf"https?://t\.me/{re.escape(bot_username)}/?(?:\?start=([A-Za-z0-9_-]{{0,64}}))?",
                         re.IGNORECASE)

    def opened(url: str) -> str:
        found = pattern.fullmatch(url)
        if found is None:
            return url
        return "/console/open" + (f"?start={found.group(1)}" if found.group(1) else "")

    return opened


async def open_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "open.html", headers=NO_CACHE)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/console", console_page)
    app.router.add_get("/console/open", open_page)
    app.router.add_static("/console/static/", STATIC, append_version=False)
