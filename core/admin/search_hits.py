"""What Search finds, as rows the screen shows, and how much of it; the savepoint it searches in.

Each kind (core.admin.search_records: users and payments; core.admin.
search_messages) answers with a :class:`Found`: how many hits (counts stop at
COUNT_CAP: "1,000+" tells an operator to be more precise as well as an exact
figure would, at the cost of a rare word) and the page shown. Every query
runs in :func:`bounded`, so an unforeseen slow search is answered with a
message, not a stuck worker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from core.admin.navigation import PAGE_SIZE
from core.platform.sql import q

#: Counts stop here ("1,000+").
COUNT_CAP = 1000
#: A search that takes longer is stopped and the operator asked to narrow it.
TIMEOUT_MS = 3000
#: Marks around a match in a message snippet (private-use characters).
MARK_START, MARK_STOP = "\ue000", "\ue001"


class Kind(StrEnum):
    USERS = "u"
    PAYMENTS = "p"
    MESSAGES = "m"


@dataclass(frozen=True)
class UserHit:
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    credits: int
    tier: str
    is_banned: bool
    last_seen_at: datetime | None
    first_paid_at: datetime | None


@dataclass(frozen=True)
class PaymentHit:
    id: int
    rail: str
    status: str
    kind: str
    amount: int
    amount_refunded: int
    currency: str
    external_id: str | None
    created_at: datetime
    product: str | None
    telegram_id: int | None
    first_name: str | None
    last_name: str | None
    username: str | None


@dataclass(frozen=True)
class MessageHit:
    id: int
    direction: str
    created_at: datetime
    admin_chat_id: int | None
    admin_message_id: int | None
    topic_id: int | None
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    #: The message's text with MARK_START/MARK_STOP around matches (raw, not HTML).
    snippet: str


Hit = UserHit | PaymentHit | MessageHit


@dataclass(frozen=True)
class Found:
    kind: Kind
    total: int = 0
    #: More than ``total`` exist (COUNT_CAP reached).
    capped: bool = False
    #: False: the term is not searched as this kind (an amount is no name).
    searched: bool = True
    #: The search ran past TIMEOUT_MS.
    slow: bool = False
    hits: Sequence[Hit] = ()
    #: Exact keys: every row found, paged from memory.
    rows: Sequence[Hit] = ()
    #: Messages, when they are few: every match's id, newest first.
    ids: Sequence[int] = ()
    #: ``total`` is the planner's estimate (a common word is not counted).
    estimated: bool = False
    #: Messages of a common word: pages are read walking back from the newest.
    common: bool = False

    @property
    def pages(self) -> int:
        return max((self.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


class Slow(Exception):
    """The search ran past TIMEOUT_MS."""


@asynccontextmanager
async def bounded(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """A savepoint with a statement timeout, planning for the term at hand.

    Custom plans: a cached generic plan would keep one strategy for every
    word, and the rare and the common need opposite ones. The settings are
    restored for the rest of the caller's transaction.
    """
    names = ["statement_timeout", "plan_cache_mode"]
    before = await conn.fetchval(q("search_hits_settings"), names)
    try:
        async with conn.transaction():
            await conn.execute(q("search_hits_configure"), names, [f"{TIMEOUT_MS}ms", "force_custom_plan"])
            yield
    except asyncpg.QueryCanceledError as exc:
        raise Slow from exc
    finally:
        await conn.execute(q("search_hits_configure"), names, before)


def made(kind: Kind, records: Sequence[asyncpg.Record]) -> list[Hit]:
    row = {Kind.USERS: UserHit, Kind.PAYMENTS: PaymentHit, Kind.MESSAGES: MessageHit}[kind]
    return [row(**dict(r)) for r in records]
