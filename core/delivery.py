"""Delivering outbox rows: claim, call, record the answer or the failure.

Never raises for a Telegram failure: a retryable one leaves the row pending
for later (after the wait Telegram asked for), a permanent one marks it
failed with its reason, where operators can see it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import asyncpg
import structlog

from core import outbox, relay_delivery, telegram_calls
from core.database import connection
from core.errors import BotError, FloodWait, PermanentError
from core.gateway import TelegramGateway

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 10

Handler = Callable[[asyncpg.Pool, TelegramGateway, Mapping[str, Any]], Awaitable[dict[str, Any]]]


def known_method(method: str) -> bool:
    return method in telegram_calls.METHODS or method in relay_delivery.METHODS


async def _perform(
    pool: asyncpg.Pool, gateway: TelegramGateway, row: outbox.OutboxRow
) -> dict[str, Any]:
    relay: Handler | None = relay_delivery.METHODS.get(row.method)
    if relay is not None:
        return await relay(pool, gateway, row.params)
    return await telegram_calls.execute(gateway, row.method, row.params)


async def deliver(pool: asyncpg.Pool, gateway: TelegramGateway, ids: Iterable[int]) -> int:
    """Deliver the given rows in order; return how many were sent now."""
    sent = 0
    for row_id in ids:
        async with connection(pool) as conn:
            row = await outbox.claim(conn, row_id)
        if row is None:
            continue
        bound = log.bind(outbox_id=row.id, chat_id=row.chat_id, method=row.method)
        try:
            result = await _perform(pool, gateway, row)
        except BotError as exc:
            await _record_failure(pool, row, exc)
            bound.warning("delivery failed", error=str(exc), attempts=row.attempts)
            continue
        async with connection(pool) as conn:
            await outbox.mark_sent(conn, row.id, result)
        sent += 1
    return sent


async def _record_failure(pool: asyncpg.Pool, row: outbox.OutboxRow, exc: BotError) -> None:
    reason = f"{type(exc).__name__}: {exc}"
    async with connection(pool) as conn:
        if isinstance(exc, PermanentError) or row.attempts >= MAX_ATTEMPTS:
            await outbox.mark_failed(conn, row.id, reason)
            return
        wait = exc.retry_after if isinstance(exc, FloodWait) and exc.retry_after else 2.0**row.attempts
        await outbox.retry_later(conn, row.id, float(wait), reason)


async def deliver_due(pool: asyncpg.Pool, gateway: TelegramGateway, limit: int = 500) -> int:
    async with connection(pool) as conn:
        ids = await outbox.due(conn, limit)
    return await deliver(pool, gateway, ids) if ids else 0
