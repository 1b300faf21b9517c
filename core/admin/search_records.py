"""Users and payments for a term: exact keys (an id, a username, a payment's id)
or broad ones (a name's prefixes, an amount), counted, then a page at a time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import asyncpg

from core.admin.navigation import PAGE_SIZE
from core.admin.search_hits import COUNT_CAP, Found, Kind, Slow, bounded, made
from core.admin.search_terms import Term
from core.platform.sql import q

#: Exact keys name a handful of rows; more is not a search.
EXACT_LIMIT = 100


def _exact(kind: Kind, term: Term) -> tuple[str, tuple[Any, ...]] | None:
    """The statement of an exact key, when the term is one for this kind."""
    if kind is Kind.USERS and term.telegram_id is not None:
        return "search_records_users_by_telegram_id", (term.telegram_id,)
    if kind is Kind.USERS and term.username is not None:
        return "search_records_users_by_username", (term.username, EXACT_LIMIT)
    if kind is Kind.USERS and term.customer_id is not None:
        return "search_records_users_by_customer", (term.customer_id,)
    if kind is Kind.PAYMENTS and term.payment_id is not None:
        return "search_records_payments_by_id", (term.payment_id, EXACT_LIMIT)
    return None


def _broad(kind: Kind, term: Term) -> tuple[str, tuple[Any, ...]] | None:
    """A broad search's statements (``<name>_count`` and ``<name>``) and their parameters."""
    if kind is Kind.USERS and not term.is_key:
        return "search_records_users_by_name", (term.text,)
    if kind is Kind.PAYMENTS and term.amount is not None:
        return "search_records_payments_by_amount", (term.amount.minor, term.amount.currency)
    return None


async def count(conn: asyncpg.Connection, kind: Kind, term: Term) -> Found:
    exact, broad = _exact(kind, term), _broad(kind, term)
    try:
        if exact is not None:
            async with bounded(conn):
                rows = made(kind, await conn.fetch(q(exact[0]), *exact[1]))
            return Found(kind, len(rows), rows=rows)
        if broad is None:
            return Found(kind, searched=False)
        async with bounded(conn):
            total = await conn.fetchval(q(broad[0] + "_count"), *broad[1], COUNT_CAP + 1)
    except Slow:
        return Found(kind, slow=True)
    return Found(kind, min(total, COUNT_CAP), capped=total > COUNT_CAP)


async def page(conn: asyncpg.Connection, counted: Found, term: Term, number: int) -> Found:
    """Page ``number`` (from 0, kept within the pages there are) of what :func:`count` counted."""
    number = max(0, min(number, counted.pages - 1))
    if not counted.searched or counted.slow or counted.total == 0:
        return counted
    if counted.rows:
        return replace(counted, hits=counted.rows[number * PAGE_SIZE:(number + 1) * PAGE_SIZE])
    broad = _broad(counted.kind, term)
    assert broad is not None
    try:
        async with bounded(conn):
            rows = await conn.fetch(q(broad[0]), *broad[1], PAGE_SIZE, number * PAGE_SIZE)
    except Slow:
        return replace(counted, slow=True)
    return replace(counted, hits=made(counted.kind, rows))
