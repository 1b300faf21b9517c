"""Which payments a list shows: by status, rail, product, user and date range.

Typed after ``/payments`` (``status:refunded rail:stars product:pack25
user:@maria from:2025-11-01 to:2025-11-30``) or set by the list's buttons,
which carry the filter packed into their 64 bytes (``sref.rstars.p3.u45.
f20393.t20422``: dates as days since 1970). A word that reads as nothing is
refused with what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import asyncpg

from core import billing
from core.admin import fmt, refs
from core.billing import PaymentStatus, Rail

_EPOCH = date(1970, 1, 1)
#: The statuses operators type and the buttons carry (short forms pack into 64 bytes).
STATUS_WORDS = {
    "succeeded": PaymentStatus.SUCCEEDED, "paid": PaymentStatus.SUCCEEDED,
    "failed": PaymentStatus.FAILED, "refunded": PaymentStatus.REFUNDED,
    "partial": PaymentStatus.PARTIALLY_REFUNDED, "partially_refunded": PaymentStatus.PARTIALLY_REFUNDED,
    "disputed": PaymentStatus.DISPUTED, "pending": PaymentStatus.PENDING, "canceled": PaymentStatus.CANCELED,
}
_SHORT = {PaymentStatus.SUCCEEDED: "ok", PaymentStatus.FAILED: "fail", PaymentStatus.REFUNDED: "ref",
          PaymentStatus.PARTIALLY_REFUNDED: "part", PaymentStatus.DISPUTED: "disp",
          PaymentStatus.PENDING: "pend", PaymentStatus.CANCELED: "canc"}
_FROM_SHORT = {v: k for k, v in _SHORT.items()}
RAIL_WORDS = {"stripe": Rail.STRIPE, "card": Rail.STRIPE, "stars": Rail.STARS, "xtr": Rail.STARS}

FILTER_HELP = ("Filters: <code>status:</code>succeeded|failed|refunded|partial|disputed|pending · "
               "<code>rail:</code>card|stars · <code>product:</code>code · <code>user:</code>@name|id · "
               "<code>from:</code>2025-11-01 · <code>to:</code>2025-11-30")


class BadFilter(ValueError):
    """A filter word reads as nothing; the message says what was expected."""


@dataclass(frozen=True)
class Filter:
    status: PaymentStatus | None = None
    rail: Rail | None = None
    product_id: int | None = None
    user_id: int | None = None  # users.id
    since: date | None = None
    until: date | None = None  # included

    def with_status(self, status: PaymentStatus | None) -> Filter:
        return replace(self, status=status)

    def with_rail(self, rail: Rail | None) -> Filter:
        return replace(self, rail=rail)

    @property
    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC for the SQL."""
        start = None
        if self.since is not None:
            start = datetime(self.since.year, self.since.month, self.since.day, tzinfo=UTC)
        end = None
        if self.until is not None:
            after = self.until + timedelta(days=1)
            end = datetime(after.year, after.month, after.day, tzinfo=UTC)
        return start, end

    def pack(self) -> str:
        parts = []
        if self.status is not None:
            parts.append("s" + _SHORT[self.status])
        if self.rail is not None:
            parts.append("r" + self.rail.value)
        if self.product_id is not None:
            parts.append(f"p{self.product_id}")
        if self.user_id is not None:
            parts.append(f"u{self.user_id}")
        if self.since is not None:
            parts.append(f"f{(self.since - _EPOCH).days}")
        if self.until is not None:
            parts.append(f"t{(self.until - _EPOCH).days}")
        return ".".join(parts) or "-"

    @classmethod
    def unpack(cls, text: str) -> Filter:
        """A packed filter; anything unreadable is dropped (an old button shows more, never less)."""
        found = cls()
        for part in text.split("."):
            key, value = part[:1], part[1:]
            if key == "s" and value in _FROM_SHORT:
                found = replace(found, status=_FROM_SHORT[value])
            elif key == "r" and value in ("stripe", "stars"):
                found = replace(found, rail=Rail(value))
            elif key == "p" and value.isdigit() and len(value) < 19:
                found = replace(found, product_id=int(value))
            elif key == "u" and value.isdigit() and len(value) < 19:
                found = replace(found, user_id=int(value))
            elif key == "f" and value.isdigit() and len(value) < 7:
                found = replace(found, since=_EPOCH + timedelta(days=int(value)))
            elif key == "t" and value.isdigit() and len(value) < 7:
                found = replace(found, until=_EPOCH + timedelta(days=int(value)))
        return found


def _day(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise BadFilter(f"“{text[:20]}” is not a date: write it as 2025-11-30.") from None


async def parse(conn: asyncpg.Connection, text: str) -> Filter:
    """A filter from what was typed after ``/payments``; raises :class:`BadFilter`."""
    found = Filter()
    for word in text.split():
        key, sep, value = word.partition(":")
        key = key.lower()
        if not sep or not value:
            raise BadFilter(f"“{fmt.esc(word[:30])}” is not a filter. {FILTER_HELP}")
        if key == "status":
            if value.lower() not in STATUS_WORDS:
                raise BadFilter(f"“{fmt.esc(value[:20])}” is not a status. {FILTER_HELP}")
            found = replace(found, status=STATUS_WORDS[value.lower()])
        elif key == "rail":
            if value.lower() not in RAIL_WORDS:
                raise BadFilter(f"“{fmt.esc(value[:20])}” is not a rail: card or stars.")
            found = replace(found, rail=RAIL_WORDS[value.lower()])
        elif key == "product":
            product = await billing.product_by_code(conn, value.lower())
            if product is None:
                raise BadFilter(f"No product has the code “{fmt.esc(value[:40])}”.")
            found = replace(found, product_id=product.id)
        elif key == "user":
            try:
                target = await refs.find_user(conn, refs.parse_ref(value))
            except refs.Unreadable as exc:
                raise BadFilter(fmt.esc(exc)) from None
            if target is None:
                raise BadFilter(f"No user “{fmt.esc(value[:40])}” is known to the bot.")
            found = replace(found, user_id=target.id)
        elif key in ("from", "since"):
            found = replace(found, since=_day(value))
        elif key in ("to", "until"):
            found = replace(found, until=_day(value))
        else:
            raise BadFilter(f"“{fmt.esc(key[:20])}” is not a filter. {FILTER_HELP}")
    if found.since and found.until and found.since > found.until:
        raise BadFilter("The range ends before it starts: from must come before to.")
    return found


def describe(f: Filter, product: str | None, user: str | None) -> str:
    """The filter in words for the list's title."""
    parts = []
    if f.status is not None:
        parts.append(f.status.value.replace("_", " "))
    if f.rail is not None:
        parts.append("card" if f.rail is Rail.STRIPE else "Stars")
    if product is not None:
        parts.append(f"product {product}")
    if user is not None:
        parts.append(f"user {user}")
    if f.since is not None or f.until is not None:
        parts.append(f"{f.since or '…'} to {f.until or 'now'}")
    return " · ".join(parts) or "all"

