"""The product's state beside a chat, for the console's side panel: the user as the
bot knows them, what the outbox holds for the chat, and the send budgets it draws on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.platform.sql import q


@dataclass(frozen=True)
class BotUser:
    id: int
    telegram_id: int
    credits: int
    tier: str
    pass_expires_at: datetime | None
    is_banned: bool
    blocked_bot: bool
    language: str | None
    tutorial_step: int
    tutorial_completed: bool
    created_at: datetime


@dataclass(frozen=True)
class Send:
    id: int
    method: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class Budget:
    key: str
    #: Slots there now (fractional: the bucket refills continuously).
    available: float
    burst: float
    rate: float
    blocked_until: datetime | None


async def bot_user(conn: asyncpg.Connection, telegram_id: int) -> BotUser | None:
    r = await conn.fetchrow(q("panel_user"), telegram_id)
    if r is None:
        return None
    return BotUser(r["id"], r["telegram_id"], r["credits"], r["tier"], r["pass_expires_at"],
                   r["is_banned"], r["blocked_bot_at"] is not None, r["shown_language"], r["tutorial_step"],
                   r["tutorial_completed"], r["created_at"])


async def sends(conn: asyncpg.Connection, chat_id: int, limit: int = 8) -> list[Send]:
    """The chat's newest outbox rows, newest first."""
    return [Send(r["id"], r["method"], r["status"], r["attempts"], r["last_error"], r["created_at"],
                 r["sent_at"])
            for r in await conn.fetch(q("panel_sends"), chat_id, limit)]


async def budgets(conn: asyncpg.Connection, keys: Sequence[str], bursts: Sequence[float],
                  rates: Sequence[float]) -> list[Budget]:
    """The buckets behind ``keys`` as they stand now; a bucket nobody used yet is full."""
    return [Budget(r["key"], float(r["available"]), float(r["burst"]), float(r["rate"]), r["blocked_until"])
            for r in await conn.fetch(q("panel_budgets"), list(keys), list(bursts), list(rates))]


async def topic_user(conn: asyncpg.Connection, chat_id: int, topic_id: int) -> int | None:
    """The Telegram id of the customer whose topic this is."""
    value = await conn.fetchval(q("panel_topic_user"), chat_id, topic_id)
    return int(value) if value is not None else None
