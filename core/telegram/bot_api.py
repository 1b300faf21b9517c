"""The Bot API over HTTPS, for what MTProto does not cover: the webhook.

Messages go out over MTProto (:mod:`core.telegram.pyrogram`), but the webhook
Telegram posts updates to is a Bot API object: ``setWebhook``,
``getWebhookInfo``. The operator CLI also asks ``getMe``, ``getChat`` and
``getChatMember`` here to check a deployment. In sandbox mode the stand-in
Telegram answers the same calls (``core.sandbox.telegram.bot_api``); the wiring
picks one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import aiohttp

from core.platform.errors import FloodWait, TelegramRejected, TelegramUnavailable

API_BASE = "https://api.telegram.org"


class BotApi(Protocol):
    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """The call's ``result``; raise TelegramRejected, FloodWait or TelegramUnavailable."""
        ...

    async def close(self) -> None: ...


class HttpBotApi:
    """``https://api.telegram.org/bot<token>/<method>``, JSON in and out."""

    def __init__(self, token: str, *, base: str = API_BASE, timeout: float = 15.0) -> None:
        self._url = f"{base.rstrip('/')}/bot{token}/"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(self._url + method, json=dict(params or {})) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
        except (TimeoutError, aiohttp.ClientError) as exc:
            # The exception's text never carries the URL, hence never the token.
            raise TelegramUnavailable(f"Telegram's Bot API unreachable: {type(exc).__name__}") from exc
        return _result(method, status, body)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _result(method: str, status: int, body: object) -> Any:
    if isinstance(body, Mapping) and body.get("ok") is True:
        return body.get("result")
    description = body.get("description") if isinstance(body, Mapping) else None
    text = f"{method}: {description or f'HTTP {status}'}"
    if status == 429:
        parameters = body.get("parameters") if isinstance(body, Mapping) else None
        retry_after = parameters.get("retry_after") if isinstance(parameters, Mapping) else None
        raise FloodWait(float(retry_after or 1), text)
    if status >= 500 or not isinstance(body, Mapping):
        raise TelegramUnavailable(text)
    raise TelegramRejected(text)
