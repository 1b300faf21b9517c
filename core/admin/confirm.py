"""Confirm buttons that work once.

A money or destructive action is proposed first: its parameters are stored
under a random token, and the screen shows what will change with a Confirm
button naming the token. Pressing it takes the row in one statement, only for
the operator who proposed it and only once, so a double tap, a forwarded
button or a replayed update changes nothing a second time. The payload names
the row; it carries no authority of its own, and the role is checked again
when the button is pressed.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg

from core.platform.sql import q

#: How long a proposal can be confirmed.
EXPIRES_SECONDS = 900


class Refusal(StrEnum):
    USED = "used"
    EXPIRED = "expired"
    NOT_YOURS = "not_yours"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Proposal:
    action: str
    params: Mapping[str, Any]


async def propose(conn: asyncpg.Connection, operator_id: int, action: str, params: Mapping[str, Any]) -> str:
    token = secrets.token_urlsafe(9)
    await conn.execute(q("confirm_propose"), token, operator_id, action, dict(params), EXPIRES_SECONDS)
    return token


async def take(conn: asyncpg.Connection, operator_id: int, token: str) -> Proposal | Refusal:
    """The proposal, marked used; or why it cannot be confirmed."""
    row = await conn.fetchrow(q("confirm_take"), token, operator_id)
    if row is not None:
        return Proposal(row["action"], row["params"])
    state = await conn.fetchrow(q("confirm_state"), token)
    if state is None:
        return Refusal.UNKNOWN
    if state["operator_id"] != operator_id:
        return Refusal.NOT_YOURS
    if state["used_at"] is not None:
        return Refusal.USED
    return Refusal.EXPIRED


async def drop(conn: asyncpg.Connection, operator_id: int, token: str) -> bool:
    """Cancel a proposal (the Cancel button): it can no longer be confirmed."""
    return bool(await conn.fetchval(q("confirm_drop"), token, operator_id))
