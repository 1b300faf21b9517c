"""Reading what operators type: who (``42``, ``@maria_s``) and how much (``+5``, ``-3``).

Each parser refuses with a message that says what was expected, so a typo
changes nothing and the operator learns why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import asyncpg

from core.platform.sql import q

#: Larger changes than this in one step are typos, not intentions.
MAX_CREDITS_CHANGE = 1_000_000
MAX_PASS_DAYS = 3650

_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")


class Unreadable(ValueError):
    """What the operator typed does not read as what was asked; the message says why."""


@dataclass(frozen=True)
class Target:
    """A user an operator named."""

    id: int
    telegram_id: int
    name: str


def parse_ref(text: str) -> int | str:
    """A Telegram id (digits) or a username (``@name`` or ``name``)."""
    text = text.strip()
    if text.isdigit() and len(text) <= 19:
        return int(text)
    found = _USERNAME.fullmatch(text)
    if found is None:
        raise Unreadable(f"“{text[:40]}” is not a Telegram id or an @username.")
    return found.group(1).lower()


async def find_user(conn: asyncpg.Connection, ref: int | str) -> Target | None:
    query = q("refs_by_telegram_id") if isinstance(ref, int) else q("refs_by_username")
    row = await conn.fetchrow(query, ref)
    if row is None:
        return None
    name = " ".join(p for p in (row["first_name"], row["last_name"]) if p) or str(row["telegram_id"])
    return Target(row["id"], row["telegram_id"], name)


def parse_delta(text: str) -> int:
    """``+5`` or ``-3``: a signed whole number of credits, not zero, within reason."""
    text = text.strip()
    if not re.fullmatch(r"[+-][0-9]{1,7}", text):
        raise Unreadable(f"“{text[:20]}” is not a change of credits: write +N or -N, e.g. +5 or -3.")
    value = int(text)
    if value == 0:
        raise Unreadable("A change of 0 credits changes nothing: write +N or -N.")
    if abs(value) > MAX_CREDITS_CHANGE:
        raise Unreadable(f"At most {MAX_CREDITS_CHANGE:,} credits in one step.")
    return value


def parse_count(text: str, *, what: str, maximum: int, allow_zero: bool = False) -> int:
    """A plain whole number (``7``), within ``0``/``1``..``maximum``."""
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise Unreadable(f"“{text[:20]}” is not a number of {what}.")
    value = int(text)
    if value == 0 and not allow_zero:
        raise Unreadable(f"The number of {what} must be at least 1.")
    if value > maximum:
        raise Unreadable(f"At most {maximum:,} {what}.")
    return value
