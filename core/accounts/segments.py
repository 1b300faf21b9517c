"""Segments: who a broadcast or a mass gift reaches, as operators type it.

``all``, ``active:<days>``, ``tier:<name>``, ``lang:<code>``, ``paid``,
``unpaid``, ``pass``, ``nopass``, ``balance<N``, ``balance>N``,
``joined:<from>..<to>`` (dates, either end may be left out),
``ids:<id,id,...>`` (Telegram ids) and ``file:<n>`` (the users of a list of
ids uploaded as a document: ``campaign_id_lists``), joined with ``+`` (all
must match).
A segment parses into a filter (JSON) that the SQL function ``segment_has``
reads (migration 0023): the preview's count and the campaign's selection
apply the one definition. Users who blocked the bot or are banned are never
in a segment; those who turned announcements off only in a service one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg

from core import i18n
from core.platform.errors import BadInput
from core.platform.sql import q

#: More ids than this belong in a document, not a command.
MAX_IDS = 1000
MAX_DAYS = 3650
_TIER = re.compile(r"[a-z0-9_]{1,32}")
_LANG = re.compile(r"[a-z]{2,3}")
_BALANCE = re.compile(r"balance([<>])(\d{1,9})")


class BadSegment(BadInput):
    """The segment cannot be read."""


@dataclass(frozen=True)
class Segment:
    #: The canonical text (what history shows and a template keeps).
    text: str
    #: What ``segment_has`` reads.
    filter: Mapping[str, Any] = field(default_factory=dict)


def _days(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise BadSegment(f"active:<days> needs a number of days from 1 to {MAX_DAYS}, not {value!r}")
    return int(value)


def _date(value: str, what: str) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise BadSegment(
            f"joined:<from>..<to> needs dates like 2026-01-31; {what} {value!r} is not one") from None


def _ids(value: str) -> list[int]:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts:
        raise BadSegment("ids: needs at least one Telegram id, e.g. ids:42,43")
    bad = [p for p in parts if not p.isdigit() or not 0 < int(p) < 2**53]
    if bad:
        raise BadSegment(f"ids: takes Telegram ids (digits), not {bad[0]!r}")
    if len(parts) > MAX_IDS:
        raise BadSegment(f"ids: takes at most {MAX_IDS} ids")
    return sorted(set(int(p) for p in parts))


def _term(word: str) -> tuple[str, dict[str, Any]]:
    """One term: its canonical text and the conditions it adds."""
    name, _, value = word.partition(":")
    balance = _BALANCE.fullmatch(word)
    if word == "all":
        return "all", {}
    if word in ("paid", "unpaid"):
        return word, {"paid": word == "paid"}
    if word in ("pass", "nopass"):
        return word, {"pass": word == "pass"}
    if balance is not None:
        return word, {"balance_under" if balance[1] == "<" else "balance_over": int(balance[2])}
    if name == "active" and value:
        days = _days(value)
        return f"active:{days}", {"active_days": days}
    if name == "tier" and value:
        if not _TIER.fullmatch(value):
            raise BadSegment(f"tier:<name> takes a tier's name, not {value!r}")
        return word, {"tier": value}
    if name == "lang" and value:
        if not _LANG.fullmatch(value) or value not in i18n.LANGUAGES:
            raise BadSegment(f"lang:<code> takes one of {', '.join(i18n.LANGUAGES)}, not {value!r}")
        return word, {"lang": value}
    if name == "ids":
        ids = _ids(value)
        return "ids:" + ",".join(str(i) for i in ids), {"ids": ids}
    if name == "file" and value:
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise BadSegment(f"file:<n> names an uploaded list of ids by its number, not {value!r}")
        return f"file:{int(value)}", {"list": int(value)}
    if name == "joined":
        start, dots, end = value.partition("..")
        first, last = _date(start, "from"), _date(end, "to")
        if not dots or (first is None and last is None):
            raise BadSegment("joined: takes a range of dates, e.g. joined:2026-01-01..2026-01-31")
        if first is not None and last is not None and first > last:
            raise BadSegment("joined: the range ends before it starts")
        found = {k: v for k, v in (("joined_from", first), ("joined_to", last)) if v is not None}
        return f"joined:{first or ''}..{last or ''}", found
    raise BadSegment(f"unknown segment {word!r}: use all, active:<days>, tier:<name>, lang:<code>, paid,"
                     " unpaid, pass, nopass, balance<N, balance>N, joined:<from>..<to> or ids:<id,...>,"
                     " joined with +")


def parse(text: str) -> Segment:
    """The segment ``text`` names; :class:`BadSegment` says what is wrong."""
    words = [w.strip().lower() for w in text.strip().split("+")]
    if not text.strip() or any(not w for w in words):
        raise BadSegment("name a segment: all, active:<days>, tier:<name>, lang:<code>, paid, unpaid,"
                         " ids:<id,...> (join several with +)")
    conditions: dict[str, Any] = {}
    canonical: list[str] = []
    for word in words:
        term, adds = _term(word)
        if adds.keys() & conditions.keys():
            raise BadSegment(f"{word!r} repeats or contradicts a condition given before it")
        conditions.update(adds)
        if term not in canonical:
            canonical.append(term)
    if len(canonical) > 1 and "all" in canonical:
        canonical.remove("all")
    return Segment("+".join(canonical), conditions)


async def count(conn: asyncpg.Connection, segment: Segment, *, service: bool = False) -> tuple[int, int]:
    """(users in the segment now, the newest user's id): a campaign previewed now
    reaches those up to that id."""
    row = await conn.fetchrow(q("segments_count"), dict(segment.filter), service, list(i18n.LANGUAGES))
    assert row is not None
    return int(row["n"]), int(row["last_id"])
