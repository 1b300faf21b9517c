"""Who may do what in the control center.

Owners are the ids in ``ADMIN_USER_ID`` (always owners, whatever the table
says) and operators an owner added with a role (rows in ``operators``).
Every command and every button asks :func:`resolve` at the moment it runs:
a role removed a second ago no longer works, whatever button is pressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from core import i18n
from core.platform.sql import q


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    AGENT = "agent"
    ANALYST = "analyst"


class Can(StrEnum):
    """What a role allows, one capability per kind of action."""

    CONVERSATIONS = "conversations"
    DASHBOARD = "dashboard"
    ANALYTICS = "analytics"
    USERS_VIEW = "users_view"
    USERS_CREDITS = "users_credits"
    USERS_BAN = "users_ban"
    USERS_TIER = "users_tier"
    USERS_PASS = "users_pass"
    PRODUCTS_VIEW = "products_view"
    PRODUCTS_EDIT = "products_edit"
    PAYMENTS_VIEW = "payments_view"
    PAYMENTS_ACT = "payments_act"
    BROADCAST = "broadcast"
    MASS_GIFT = "mass_gift"
    SETTINGS = "settings"
    SYSTEM = "system"
    QUICK_REPLIES_USE = "quick_replies_use"
    QUICK_REPLIES_EDIT = "quick_replies_edit"
    SEARCH = "search"
    SEARCH_MESSAGES = "search_messages"
    OPERATORS = "operators"


_AGENT = frozenset({
    Can.CONVERSATIONS, Can.USERS_VIEW, Can.USERS_BAN, Can.QUICK_REPLIES_USE, Can.SEARCH,
    Can.SEARCH_MESSAGES,
})
_ANALYST = frozenset({
    Can.DASHBOARD, Can.ANALYTICS, Can.USERS_VIEW, Can.PAYMENTS_VIEW, Can.PRODUCTS_VIEW, Can.SEARCH,
})
_ADMIN = frozenset(Can) - {Can.OPERATORS}

ROLE_CAN: dict[Role, frozenset[Can]] = {
    Role.OWNER: frozenset(Can),
    Role.ADMIN: _ADMIN,
    Role.AGENT: _AGENT,
    Role.ANALYST: _ANALYST,
}


@dataclass(frozen=True)
class Operator:
    telegram_id: int
    role: Role
    #: Their name as the bot knows it (they may never have written to it).
    name: str
    #: The language their command menu and screens use.
    lang: str = i18n.DEFAULT
    alias: str | None = None

    def can(self, capability: Can) -> bool:
        return capability in ROLE_CAN[self.role]


@dataclass(frozen=True)
class OperatorRow:
    telegram_id: int
    role: Role
    name: str
    username: str | None
    added_by: int
    added_at: datetime


def parse_role(text: str) -> Role | None:
    try:
        return Role(text.strip().lower())
    except ValueError:
        return None


async def resolve(conn: asyncpg.Connection, owners: Sequence[int], telegram_id: int) -> Operator | None:
    """The operator behind ``telegram_id`` now, or None for anyone else."""
    row = await conn.fetchrow(q("roles_resolve"), telegram_id)
    if telegram_id in owners:
        role = Role.OWNER
    elif row is not None and row["role"] is not None:
        role = Role(row["role"])
    else:
        return None
    name = (row["name"] if row is not None else None) or str(telegram_id)
    lang = i18n.negotiate(row["language"], row["language_code"]) if row is not None else i18n.DEFAULT
    return Operator(telegram_id, role, name, lang, row["alias"] if row is not None else None)


async def set_role(conn: asyncpg.Connection, telegram_id: int, role: Role, by: int) -> Role | None:
    """Add the operator or change their role; their role before (None: new)."""
    before = await conn.fetchval(q("roles_set"), telegram_id, role.value, by)
    return None if before is None else Role(before)


async def remove(conn: asyncpg.Connection, telegram_id: int) -> Role | None:
    """Remove the operator; their role before (None: there was none)."""
    before = await conn.fetchval(q("roles_remove"), telegram_id)
    return None if before is None else Role(before)


async def listed(conn: asyncpg.Connection) -> list[OperatorRow]:
    return [OperatorRow(r["telegram_id"], Role(r["role"]), r["name"] or str(r["telegram_id"]), r["username"],
                        r["added_by"], r["added_at"])
            for r in await conn.fetch(q("roles_listed"))]


async def ids_with_role(conn: asyncpg.Connection) -> list[tuple[int, Role, str]]:
    """(telegram id, role, language) of every operator in the table, for their command menus."""
    return [(r["telegram_id"], Role(r["role"]), i18n.negotiate(r["language"], r["language_code"]))
            for r in await conn.fetch(q("roles_menus"))]


async def known(conn: asyncpg.Connection, telegram_ids: Sequence[int]) -> set[int]:
    """Those who wrote to the bot: only their private chats can get a command menu."""
    return {r["telegram_id"] for r in await conn.fetch(q("roles_known"), list(telegram_ids))}
