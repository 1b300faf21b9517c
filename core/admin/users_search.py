"""Finding users: by Telegram id, @username, Stripe customer id, or words of their name;
and the filtered, sorted, paged lists of the Users screen.

Names are matched by word prefix through users_name_search_idx ("mar sil"
finds "Maria Silva"), in any script, case-folded by Postgres as the index
was. The words reach the query as an array parameter, never as SQL text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.admin.navigation import PAGE_SIZE
from core.admin.refs import Unreadable
from core.admin.users_view import MAX_SEARCH, MAX_WORDS, Sort, View, name_words
from core.platform.sql import q

#: Lists count their matches up to this; beyond, the screen says "10,000+".
COUNT_CAP = 10_000
_USERNAME = re.compile(r"@([A-Za-z0-9_]{1,32})")
_CUSTOMER = re.compile(r"cus_[A-Za-z0-9]{1,64}")


@dataclass(frozen=True)
class Exact:
    """A search that names one user: a Telegram id, an @username or a customer id."""

    key: str


@dataclass(frozen=True)
class Names:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Listed:
    id: int
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    credits: int
    tier: str
    is_banned: bool
    pass_expires_at: datetime | None
    blocked_bot_at: datetime | None
    last_seen_at: datetime | None
    spent_card_minor: int
    spent_stars: int


@dataclass(frozen=True)
class Page:
    users: list[Listed]
    #: Matches counted, at most COUNT_CAP + 1 (then "more than COUNT_CAP").
    total: int
    page: int

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def classify(text: str) -> Exact | Names:
    """What a search means, before any query; Unreadable when it cannot mean anything."""
    text = text.strip()
    if not text:
        raise Unreadable("Type a name, a Telegram id, an @username or a Stripe customer id (cus_…).")
    if len(text) > MAX_SEARCH:
        raise Unreadable(f"That search is {len(text):,} characters long: search for at most {MAX_SEARCH}.")
    if text.isascii() and text.isdigit():
        if len(text) > 19:
            raise Unreadable(f"{text[:20]}… is too long for a Telegram id.")
        return Exact(text)
    if text.startswith("@"):
        if not _USERNAME.fullmatch(text):
            raise Unreadable(f"“{text[:40]}” is not an @username (letters, digits and _ only).")
        return Exact(text)
    if text.startswith("cus_"):
        if not _CUSTOMER.fullmatch(text):
            raise Unreadable(f"“{text[:40]}” is not a Stripe customer id (cus_ and letters or digits).")
        return Exact(text)
    words = name_words(text)
    if not words:
        raise Unreadable("Nothing to search for: a name search needs letters or digits.")
    if len(words) > MAX_WORDS:
        raise Unreadable(f"Search with at most {MAX_WORDS} words of a name.")
    return Names(tuple(words))


async def exact(conn: asyncpg.Connection, key: str) -> int | None:
    """The user an id, @username or customer id names, or None."""
    if key.isdigit():
        found = await conn.fetchval(q("users_search_by_telegram_id"), int(key))
    elif key.startswith("@"):
        found = await conn.fetchval(q("users_search_by_username"), key[1:])
    else:
        found = await conn.fetchval(q("users_search_by_customer"), key)
    return None if found is None else int(found)


def _filter_args(view: View, words: tuple[str, ...] | None) -> list[object]:
    return [list(words) if words else None, view.tier, view.banned, view.pass_active, view.balance_under,
            view.paid, view.blocked, view.joined_days]


async def page(conn: asyncpg.Connection, view: View, words: tuple[str, ...] | None, number: int) -> Page:
    """Page ``number`` (from 0) of the users the view and the name words match."""
    await conn.execute(q("users_search_custom_plans"))
    args = _filter_args(view, words)
    total = int(await conn.fetchval(q("users_search_count"), *args, COUNT_CAP + 1))
    statement = "users_search_by_spend" if view.sort is Sort.SPEND else "users_search_by_seen"
    rows = await conn.fetch(q(statement), *args, PAGE_SIZE, number * PAGE_SIZE)
    return Page([Listed(**dict(r)) for r in rows], total, number)


async def remember(conn: asyncpg.Connection, operator_id: int, text: str) -> int:
    """The id a button names this search by."""
    return int(await conn.fetchval(q("users_search_remember"), operator_id, text))


async def recall(conn: asyncpg.Connection, search_id: int) -> str | None:
    text: str | None = await conn.fetchval(q("users_search_recall"), search_id)
    return text


async def tiers(conn: asyncpg.Connection) -> list[str]:
    return [r["name"] for r in await conn.fetch(q("users_search_tiers"))]
