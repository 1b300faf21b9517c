"""The audit log: every operator action, append-only (the table refuses updates).

A row says who (and with which role), what, on whom, the values before and
after, and when. ``cause`` is the update or confirmation that led to it, so an
action redelivered or confirmed twice is recorded once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from core.admin.roles import Operator
from core.platform.sql import q


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    operator_id: int
    role: str
    action: str
    target_user_id: int | None
    target: str | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


async def record(
    conn: asyncpg.Connection, operator: Operator, action: str, *, cause: str,
    target_user_id: int | None = None, target: str | None = None,
    before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
) -> bool:
    """Record an action in the caller's transaction; False when its cause was recorded before."""
    recorded = await conn.fetchval(
        q("audit_record"), operator.telegram_id, operator.role.value, action, target_user_id, target,
        dict(before) if before is not None else None, dict(after) if after is not None else None,
        f"{cause}:{action}:{target or target_user_id or ''}",
    )
    return recorded is not None


def _entry(r: asyncpg.Record) -> Entry:
    return Entry(r["id"], r["at"], r["operator_id"], r["role"], r["action"], r["target_user_id"], r["target"],
                 r["before"], r["after"])


async def latest(conn: asyncpg.Connection, *, user_id: int | None = None, limit: int = 5) -> list[Entry]:
    """The newest entries, about one user or all of them."""
    if user_id is None:
        rows = await conn.fetch(q("audit_latest"), limit)
    else:
        rows = await conn.fetch(q("audit_latest_about"), user_id, limit)
    return [_entry(r) for r in rows]
