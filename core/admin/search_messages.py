"""Messages for a term's words, newest first, a page at a time.

Two costs decide how: reading a word's entries in the text index (all of
them, whatever the LIMIT: a word in 1% of ten million messages is 100,000
entries), and walking back from the newest message testing each one (a page
of a word in 1% of them is 800 messages, of a rare word the whole table).
The planner's own estimate of the matches (admin_messages_estimate: its
statistics know the share of every common word, and combine them for
several) picks between them:

- common words (COMMON estimated matches or more) are not counted: the
  screen says "≈120,000" from the estimate, and pages walk back from the
  previous page's last message (keyset, the same cost at any depth);
- anything else is counted from the text index, up to COUNT_CAP. Up to that
  many, the count fetched every id and pages are cut from the list; more,
  and each page reads its matches from the text index, older than the last.

What a count found is kept with the search (core.admin.search) as
:meth:`Counted.kept`, so turning a page does not count again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from core.admin.navigation import PAGE_SIZE
from core.admin.search_hits import COUNT_CAP, Found, Kind, Slow, bounded, made
from core.admin.search_terms import Term
from core.platform.sql import q

#: Above every message id: "older than NEWEST" is the newest page.
NEWEST = 2**63 - 1
#: Estimated matches from which a word is common: not counted, pages walked.
#: A walk reads about PAGE_SIZE / share messages: 4,000 at this share of 10M.
COMMON = 20_000


@dataclass(frozen=True)
class Edge:
    """Where a page starts: the messages older than ``id``, or newer than it."""

    older: bool
    id: int


FIRST = Edge(True, NEWEST)


def _estimated(estimate: int) -> int:
    """Three significant digits: an estimate is not a count."""
    digits = max(len(str(estimate)) - 3, 0)
    return round(estimate, -digits)


def known(kept: Mapping[str, Any]) -> Found:
    """A count kept with its search."""
    ids = sorted(kept.get("ids") or (), reverse=True)
    return Found(Kind.MESSAGES, int(kept["total"]), capped=bool(kept["capped"]),
                 estimated=bool(kept["estimated"]), common=bool(kept["common"]), ids=ids)


def kept(found: Found) -> dict[str, Any]:
    """What to keep of a count (:func:`known` reads it back)."""
    return {"total": found.total, "capped": found.capped, "estimated": found.estimated,
            "common": found.common, "ids": list(found.ids)}


async def count(conn: asyncpg.Connection, term: Term) -> Found:
    shape = await conn.fetchrow(q("search_messages_shape"), term.text)
    assert shape is not None
    if not shape["searchable"]:
        return Found(Kind.MESSAGES, searched=False)
    if shape["estimate"] >= COMMON:
        return Found(Kind.MESSAGES, _estimated(shape["estimate"]), capped=True, estimated=True, common=True)
    try:
        async with bounded(conn):
            ids = [r["id"] for r in await conn.fetch(q("search_messages_ids"), term.text, COUNT_CAP + 1)]
    except Slow:
        return Found(Kind.MESSAGES, slow=True)
    if len(ids) > COUNT_CAP:
        return Found(Kind.MESSAGES, COUNT_CAP, capped=True)
    return Found(Kind.MESSAGES, len(ids), ids=sorted(ids, reverse=True))


def _cut(ids: list[int], edge: Edge) -> list[int]:
    """A page of a list of ids (newest first) from ``edge``."""
    if edge.older:
        return [i for i in ids if i < edge.id][:PAGE_SIZE]
    return [i for i in ids if i > edge.id][-PAGE_SIZE:]


def _statement(counted: Found, edge: Edge) -> str:
    """Walking back (a common word), or the text index (a rarer one); older or newer than the edge."""
    if counted.common:
        return q("search_messages_older") if edge.older else q("search_messages_newer")
    return q("search_messages_indexed_older") if edge.older else q("search_messages_indexed_newer")


async def page(conn: asyncpg.Connection, counted: Found, term: Term, edge: Edge = FIRST) -> Found:
    if not counted.searched or counted.slow or counted.total == 0:
        return counted
    try:
        async with bounded(conn):
            if not counted.capped:
                ids = _cut(list(counted.ids), edge)
            else:
                found = await conn.fetch(_statement(counted, edge), term.text, edge.id, PAGE_SIZE)
                ids = [r["id"] for r in found]
            rows = await conn.fetch(q("search_messages_show"), ids, term.text) if ids else []
    except Slow:
        return replace(counted, slow=True)
    return replace(counted, hits=made(Kind.MESSAGES, rows))

