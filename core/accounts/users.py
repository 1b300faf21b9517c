"""Users as the bot knows them, refreshed from every update's ``from``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from core.platform.sql import q


@dataclass(frozen=True)
class User:
    id: int
    telegram_id: int
    username: str | None
    first_name: str
    last_name: str | None
    language_code: str | None
    credits: int
    tier: str
    is_banned: bool
    created_at: datetime
    blocked_bot_at: datetime | None = None
    ban_notified_at: datetime | None = None
    pass_expires_at: datetime | None = None
    auto_recharge_enabled: bool = False
    #: An operator whose next message answers a control-center question (core.admin.pending).
    has_pending_question: bool = False

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.telegram_id)


async def upsert_from(conn: asyncpg.Connection, sender: Mapping[str, Any]) -> tuple[User, bool]:
    """Create or refresh the user from a Bot API ``User`` object; True when new."""
    row = await conn.fetchrow(
        q("users_upsert_user"),
        int(sender["id"]),
        sender.get("username"),
        sender.get("first_name") or "",
        sender.get("last_name"),
        sender.get("language_code"),
    )
    assert row is not None
    values = dict(row)
    inserted = bool(values.pop("inserted"))
    return User(**values), inserted


async def get(conn: asyncpg.Connection, user_id: int) -> User | None:
    row = await conn.fetchrow(q("users_by_id"), user_id)
    return None if row is None else User(**dict(row))


async def mark_ban_notified(conn: asyncpg.Connection, user_id: int) -> bool:
    """True the first time only: a banned user is told once."""
    return bool(await conn.fetchval(q("users_ban_notified"), user_id))


async def record_start_payload(
    conn: asyncpg.Connection, user_id: int, payload: str, referrer: int | None
) -> None:
    await conn.execute(q("users_start_payload"), user_id, payload, referrer)


async def set_blocked_bot(conn: asyncpg.Connection, telegram_id: int, blocked: bool) -> None:
    await conn.execute(q("users_mark_blocked_bot"), telegram_id, blocked)
