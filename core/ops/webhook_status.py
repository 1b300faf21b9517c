"""Telegram's own view of the webhook (``getWebhookInfo``), fetched periodically.

An admin worker asks Telegram every half minute and records the answer (or
why asking failed) in one row; ``/metrics`` and the control center's System
screen read that row, so every dyno shows the same thing without asking
Telegram itself. :func:`latest` is what a screen calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from core.platform.errors import BotError
from core.platform.sql import q
from core.telegram.bot_api import BotApi

#: How often the admin worker asks (the cron of its periodic job says the same).
CHECK_SECONDS = 30


@dataclass(frozen=True)
class WebhookStatus:
    """What Telegram said about the webhook at ``checked_at``, or why it could not be asked."""

    checked_at: datetime
    #: Why the last check failed (Telegram unreachable, the token refused); None when it worked.
    check_error: str | None
    #: The URL Telegram posts updates to ("" when no webhook is set).
    url: str | None = None
    #: Updates Telegram holds because it could not deliver them yet.
    pending_update_count: int | None = None
    #: When Telegram last failed to deliver an update, and what it got.
    last_error_at: datetime | None = None
    last_error_message: str | None = None
    max_connections: int | None = None
    allowed_updates: tuple[str, ...] | None = None
    #: Telegram's WebhookInfo object as it came.
    raw: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        """Checked, a webhook set, and no delivery error reported."""
        return self.check_error is None and bool(self.url) and self.last_error_message is None


def _from_row(row: asyncpg.Record) -> WebhookStatus:
    info: Mapping[str, Any] = row["info"] or {}
    error_date = info.get("last_error_date")
    allowed = info.get("allowed_updates")
    return WebhookStatus(
        checked_at=row["checked_at"],
        check_error=row["error"],
        url=info.get("url") if row["info"] is not None else None,
        pending_update_count=info.get("pending_update_count"),
        last_error_at=datetime.fromtimestamp(error_date, UTC) if isinstance(error_date, int) else None,
        last_error_message=info.get("last_error_message"),
        max_connections=info.get("max_connections"),
        allowed_updates=tuple(allowed) if isinstance(allowed, list) else None,
        raw=row["info"],
    )


async def latest(conn: asyncpg.Connection) -> WebhookStatus | None:
    """The last check, or None before the first one."""
    row = await conn.fetchrow(q("webhook_status_latest"))
    return _from_row(row) if row is not None else None


async def record(conn: asyncpg.Connection, info: Mapping[str, Any] | None, error: str | None) -> None:
    await conn.execute(q("webhook_status_record"), dict(info) if info is not None else None, error)


async def check(conn: asyncpg.Connection, api: BotApi) -> WebhookStatus:
    """Ask Telegram now and record the answer (a failure is recorded too, then returned)."""
    try:
        info = await api.call("getWebhookInfo")
        error = None if isinstance(info, Mapping) else f"unexpected answer: {str(info)[:200]}"
    except BotError as exc:
        info, error = None, str(exc)[:500]
    await record(conn, info if isinstance(info, Mapping) else None, error)
    found = await latest(conn)
    assert found is not None
    return found
