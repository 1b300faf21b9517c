"""Time passes: unlimited messaging until ``users.pass_expires_at``.

Like credits, every change of a pass is a row (``pass_grants``) with a unique
idempotency key, written in the same transaction as the user's expiry; the
caller holds the user's row (``ledger.lock_balance``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from core.platform.sql import q

#: A subscription's pass runs this long past the paid period, so a renewal
#: invoice that is paid a little late does not interrupt it.
RENEWAL_GRACE = timedelta(days=1)


@dataclass(frozen=True)
class PassChange:
    applied: bool  # False: this key was applied before
    expires_at: datetime | None


async def _change(
    conn: asyncpg.Connection, user_id: int, new: datetime, *, previous: datetime | None, now: datetime,
    reason: str, key: str, transaction_id: int | None,
) -> PassChange:
    start = previous if previous is not None and previous > now else now
    # Whole seconds, a part counted whole (away from zero): a pass that ends on a
    # provider's whole-second time is recorded to the end, so taking back what a
    # payment granted never leaves a fraction of a second of it.
    change = (new - start).total_seconds()
    seconds = math.ceil(change) if change > 0 else math.floor(change)
    if seconds == 0:
        return PassChange(True, previous)
    await conn.execute(q("passes_set_expiry"), user_id, new)
    await conn.execute(q("passes_grant_insert"), user_id, transaction_id, seconds, previous, new, reason, key)
    return PassChange(True, new)


async def _state(conn: asyncpg.Connection, user_id: int, key: str) -> tuple[bool, datetime | None, datetime]:
    row = await conn.fetchrow(q("passes_state"), user_id, key)
    assert row is not None
    return bool(row["seen"]), row["pass_expires_at"], row["now"]


async def extend(
    conn: asyncpg.Connection, user_id: int, *, days: int | None = None, until: datetime | None = None,
    reason: str, key: str, transaction_id: int | None = None,
) -> PassChange:
    """Add ``days`` to the pass (from now, or from its end while it runs), or run it ``until``."""
    seen, previous, now = await _state(conn, user_id, key)
    if seen:
        return PassChange(False, previous)
    base = previous if previous is not None and previous > now else now
    if days is not None:
        new = base + timedelta(days=days)
    else:
        assert until is not None
        new = max(base, until)
    return await _change(conn, user_id, new, previous=previous, now=now, reason=reason, key=key,
                         transaction_id=transaction_id)


async def extend_many(
    conn: asyncpg.Connection, user_ids: Sequence[int], days: int, *, reason: str, keys: Sequence[str],
) -> list[int]:
    """:func:`extend` by ``days`` for many users, in one statement (a mass gift's chunk),
    once per key (``keys[i]`` is ``user_ids[i]``'s); the users whose pass changed."""
    if days <= 0:
        raise ValueError("a pass grant adds at least a day")
    if len(user_ids) != len(keys) or len(set(keys)) != len(keys):
        raise ValueError("one distinct idempotency key per user")
    if not user_ids:
        return []
    rows = await conn.fetch(q("passes_extend_many"), list(user_ids), days, reason, list(keys))
    return [int(r["user_id"]) for r in rows]


async def shorten(
    conn: asyncpg.Connection, user_id: int, *, seconds: int | None = None, until: datetime | None = None,
    reason: str, key: str, transaction_id: int | None = None,
) -> PassChange:
    """Take ``seconds`` off the pass, or end it ``until`` at the latest; never before now.

    Not applied (False) when the key was used before or the pass is over already.
    """
    seen, previous, now = await _state(conn, user_id, key)
    if seen or previous is None or previous <= now:
        return PassChange(False, previous)  # nothing (more) to take
    target = previous - timedelta(seconds=seconds) if seconds is not None else until
    assert target is not None
    new = max(now, min(previous, target))
    return await _change(conn, user_id, new, previous=previous, now=now, reason=reason, key=key,
                         transaction_id=transaction_id)


async def granted_seconds(conn: asyncpg.Connection, transaction_id: int) -> tuple[int, int]:
    """(seconds a payment's grants added to the pass, seconds taken back for it since)."""
    row = await conn.fetchrow(q("passes_granted_seconds"), transaction_id)
    assert row is not None
    return int(row["added"]), int(row["taken"])
