"""The credit ledger: append-only rows, each with a unique idempotency key,
written in the same statement as the cached ``users.credits``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from core.platform.sql import q


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True)
class Change:
    outcome: Outcome
    balance: int | None  # the balance after an applied change


@dataclass(frozen=True)
class Balance:
    credits: int
    pass_expires_at: datetime | None
    pass_active: bool


async def apply(
    conn: asyncpg.Connection,
    user_id: int,
    delta: int,
    *,
    reason: str,
    key: str,
    transaction_id: int | None = None,
) -> Change:
    """Add ``delta`` credits (negative to take), once per ``key``, never below zero."""
    if delta == 0:
        raise ValueError("a ledger row must change the balance")
    balance = await conn.fetchval(q("ledger_apply"), user_id, delta, reason, key, transaction_id)
    if balance is not None:
        return Change(Outcome.APPLIED, balance)
    if await conn.fetchval(q("ledger_has_key"), key):
        return Change(Outcome.DUPLICATE, None)
    return Change(Outcome.INSUFFICIENT, None)


async def apply_many(
    conn: asyncpg.Connection, user_ids: Sequence[int], delta: int, *, reason: str, keys: Sequence[str],
) -> list[int]:
    """:func:`apply` for many users, in one statement: ``delta`` to each, once per
    its key (``keys[i]`` is ``user_ids[i]``'s). The users whose balance changed;
    the others' keys were known already (or the balance would go below zero)."""
    if delta == 0:
        raise ValueError("a ledger row must change the balance")
    if len(user_ids) != len(keys) or len(set(keys)) != len(keys):
        raise ValueError("one distinct idempotency key per user")
    if not user_ids:
        return []
    rows = await conn.fetch(q("ledger_apply_many"), list(user_ids), delta, reason, list(keys))
    return [int(r["user_id"]) for r in rows]


async def lock_balance(conn: asyncpg.Connection, user_id: int) -> Balance:
    """Read the balance and hold the user's row until the transaction ends."""
    row = await conn.fetchrow(q("ledger_user_balance_for_update"), user_id)
    assert row is not None
    return Balance(row["credits"], row["pass_expires_at"], bool(row["pass_active"]))
