"""What the console's handlers share, kept on the aiohttp application."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from core.platform.config import Settings
from core.sandbox.telegram.model import TelegramModel
from webhooks.console.events import Hub
from webhooks.telegram import SECRET_HEADER

#: The status :meth:`Ingress.post` gives when the ingress answered nothing.
NO_ANSWER = 0


@dataclass
class Ingress:
    """The web process's own ``/webhooks/telegram``, reached over HTTP as Telegram reaches it."""

    url: str
    secret: str
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    async def post(self, update: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The ingress's status and answer; status 0 when it gave none (it went away
        mid-request, as in a shutdown: the update may have been recorded all the same)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        headers = {SECRET_HEADER: self.secret, "Content-Type": "application/json"}
        try:
            async with self._session.post(self.url, data=json.dumps(update), headers=headers) as response:
                try:
                    body = await response.json()
                except (aiohttp.ContentTypeError, ValueError):
                    body = {"ok": False, "error": await response.text()}
                return response.status, body
        except (aiohttp.ClientError, TimeoutError) as exc:
            return NO_ANSWER, {"ok": False, "error": type(exc).__name__}

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


@dataclass(frozen=True)
class Console:
    settings: Settings
    pool: asyncpg.Pool
    model: TelegramModel
    hub: Hub
    ingress: Ingress


CONSOLE = web.AppKey("console", Console)
