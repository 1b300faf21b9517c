"""Following a group to its new id when Telegram upgrades it to a supergroup.

A basic group becomes a supergroup with a new ``-100...`` id (Telegram does it
when an admin turns on Topics); the old id refuses every send from then on.
Telegram says so twice: a service message in each chat (``migrate_to_chat_id``,
``migrate_from_chat_id``), which the admin worker records, and the refusal of
a send, which the gateway raises as :class:`core.platform.errors.ChatMigrated` and the
delivery records (:func:`on_chat_migrated`). Recording is idempotent and moves
what pointed at the old id: the calls waiting in the outbox here, the rest
(the relay's conversations) through the hooks the wiring gives. Processes that
hold the configured admin group ids keep them current with :func:`follow_changes`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
import structlog

from core.delivery.hooks import Hooks
from core.platform import admin_groups
from core.platform.admin_groups import LiveAdminGroups
from core.platform.database import connection
from core.platform.sql import q

log = structlog.get_logger(__name__)

#: How often a process looks for migrations it did not see itself.
FOLLOW_SECONDS = 5.0


@dataclass(frozen=True)
class Recorded:
    """What recording a migration changed."""

    #: The chat's latest id (the new id, unless the new chat moved on too).
    new_chat_id: int
    #: Rows of others (the hooks') now pointing at the new id.
    followed: int = 0
    #: Outbox rows now addressed to the new id, due as they were.
    outbox_ids: list[int] = field(default_factory=list)


async def resolve(conn: asyncpg.Connection, chat_id: int) -> int:
    """The chat's current id: itself unless it migrated (chains followed)."""
    found: int = await conn.fetchval(q("chat_migrations_resolve"), chat_id)
    return found


async def moves(conn: asyncpg.Connection) -> dict[int, int]:
    """Every recorded migration, old id -> latest id."""
    return {r["old_chat_id"]: r["new_chat_id"] for r in await conn.fetch(q("chat_migrations_all"))}


async def current_ids(conn: asyncpg.Connection, ids: Sequence[int]) -> list[int]:
    """``ids`` (e.g. the configured admin groups) each under its current id, in order."""
    known = await moves(conn)
    return [admin_groups.follow(known, i) for i in ids]


async def record(conn: asyncpg.Connection, old: int, new: int, hooks: Hooks) -> Recorded:
    """Record that chat ``old`` is now ``new`` and point what used ``old`` at it.

    Idempotent, in the caller's transaction (a savepoint of it): recording
    again moves whatever still points at the old id and changes nothing else.
    ``hooks.chat_migrated`` move what others keep (in the same savepoint).
    """
    if old == new:
        raise ValueError(f"a chat cannot migrate to itself ({old})")
    async with conn.transaction():
        target = await resolve(conn, new)
        if target == old:
            raise ValueError(f"{old} -> {new} would make a loop of migrations")
        await conn.execute(q("chat_migrations_insert"), old, target)
        target = await resolve(conn, old)  # what is recorded, if Telegram's first word was another
        await conn.execute(q("chat_migrations_flatten"), old, target)
        followed = await hooks.migrated(conn, old, target)
        rows = await conn.fetch(q("chat_migrations_move_outbox"), old, target)
    recorded = Recorded(target, followed, [r["id"] for r in rows])
    if followed or recorded.outbox_ids:
        log.info("chat migrated", old_chat_id=old, new_chat_id=target, followed=followed,
                 outbox_rows=len(recorded.outbox_ids))
    return recorded


async def on_chat_migrated(
    conn: asyncpg.Connection, outbox_row_id: int, old: int, new: int, hooks: Hooks
) -> bool:
    """For the delivery: the row's call found chat ``old`` migrated to ``new``.

    Records the migration (moving the row with the chat's other waiting
    calls) and puts the row back, due now and without counting the attempt.
    Returns True when the row is to be delivered again at the new id; False
    when it cannot follow the chat (an edit of a message of the old chat),
    and must be marked failed.
    """
    recorded = await record(conn, old, new, hooks)
    again = await conn.fetchval(q("chat_migrations_retry_row"), outbox_row_id, recorded.new_chat_id,
                                f"ChatMigrated: moved from {old} to {recorded.new_chat_id}")
    return again is not None


async def refresh(pool: asyncpg.Pool, groups: LiveAdminGroups) -> None:
    """Teach ``groups`` the migrations recorded so far."""
    async with connection(pool) as conn:
        known = await moves(conn)
    before = groups.ids
    groups.load(known)
    if groups.ids != before:
        log.info("admin groups moved", admin_groups=list(groups.ids))


async def follow_changes(
    pool: asyncpg.Pool, groups: LiveAdminGroups, *, every: float = FOLLOW_SECONDS
) -> None:
    """Keep ``groups`` current until cancelled: another process may record a migration."""
    while True:
        try:
            await refresh(pool, groups)
        except Exception as exc:  # a database hiccup must not end the loop
            log.warning("admin groups not refreshed", error=f"{type(exc).__name__}: {exc}")
        await asyncio.sleep(every)
