"""Analytics: series per day over a period, for charts, captions and CSV.

Each series is a few lines of numbers per UTC day, read from the kept
rollups (admin_hourly_counts, revenue_days, desk_tickets), so 90 days at a
million users is a few hundred rows (bench/desk.py measures it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import asyncpg

from core.platform.sql import q

PERIODS = (7, 30, 90)
MAX_DAYS = 366
#: First-purchase conversion counts a payment within this many days of signing up.
CONVERSION_DAYS = 7
#: First responses of the last days are counted live (a ticket may still be
#: answered); older days are kept once counted.
RESPONSE_LIVE_DAYS = 7
#: Currencies without minor units (Telegram Stars are whole).
WHOLE_CURRENCIES = frozenset({"XTR", "JPY", "KRW"})


class Kind(StrEnum):
    NEW_USERS = "new_users"
    ACTIVE_USERS = "active_users"
    MESSAGES = "messages"
    REVENUE = "revenue"
    REFUNDS = "refunds"
    CONVERSION = "conversion"
    RESPONSE = "response"
    PRODUCTS = "products"


TITLES = {
    Kind.NEW_USERS: ("New users", "users per day"),
    Kind.ACTIVE_USERS: ("Active users (wrote to operators)", "users per day"),
    Kind.MESSAGES: ("Messages relayed", "messages per day"),
    Kind.REVENUE: ("Revenue", "amount per day"),
    Kind.REFUNDS: ("Refunds", "amount per day"),
    Kind.CONVERSION: (f"First purchase within {CONVERSION_DAYS} days", "% of signups"),
    Kind.RESPONSE: ("First response time", "minutes"),
    Kind.PRODUCTS: ("Top products", "net revenue"),
}


class BadRange(ValueError):
    """A period that cannot be shown; the message says why."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def last_days(days: int, today: date | None = None) -> Period:
    today = today or datetime.now(UTC).date()
    return Period(today - timedelta(days=days - 1), today)


def parse_range(text: str, today: date | None = None) -> Period:
    """``2026-01-01 2026-03-31`` (or ``… to …``): a custom range, in order, at most a year."""
    parts = [p for p in text.replace(" to ", " ").replace("..", " ").split() if p]
    if len(parts) != 2:
        raise BadRange("Send two dates: the first and the last day, like 2026-01-01 2026-03-31.")
    try:
        start, end = (date.fromisoformat(p) for p in parts)
    except ValueError:
        raise BadRange("Dates are written YYYY-MM-DD, like 2026-01-01 2026-03-31.") from None
    if end < start:
        raise BadRange("The range is in the wrong order: the first day comes first.")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRange(f"The range is {(end - start).days + 1} days; at most {MAX_DAYS} (a year).")
    today = today or datetime.now(UTC).date()
    if start > today:
        raise BadRange("The range starts in the future.")
    return Period(start, min(end, today))


@dataclass(frozen=True)
class Series:
    kind: Kind
    period: Period
    #: Line label → one value per day of the period (major units for money).
    lines: dict[str, list[float]]
    #: Bars instead of days (top products): label → value.
    bars: tuple[tuple[str, float], ...] = ()

    @property
    def title(self) -> str:
        return TITLES[self.kind][0]

    @property
    def unit(self) -> str:
        return TITLES[self.kind][1]


def major(amount_minor: int, currency: str) -> float:
    return float(amount_minor) if currency.upper() in WHOLE_CURRENCIES else amount_minor / 100


def _by_day(period: Period, rows: list[asyncpg.Record], value: str = "value") -> list[float]:
    found = {r["day"]: float(r[value] or 0) for r in rows}
    return [found.get(d, 0.0) for d in period.dates()]


async def _counts(conn: asyncpg.Connection, period: Period, metric: str) -> list[float]:
    """Kept hours, plus the open ones counted live (one query each: the live one's
    range starts where the kept hours end, which only a query of its own can use)."""
    kept = {r["day"]: float(r["value"]) for r in await conn.fetch(q("analytics_counts"), period.start,
                                                                   period.end, metric)}
    since = await conn.fetchval(q("analytics_kept_until"), metric)
    for r in await conn.fetch(q(f"analytics_live_{metric}"), since):
        kept[r["day"]] = kept.get(r["day"], 0.0) + float(r["value"])
    return [kept.get(d, 0.0) for d in period.dates()]


async def _money(conn: asyncpg.Connection, period: Period, column: str) -> dict[str, list[float]]:
    lines: dict[str, dict[date, float]] = defaultdict(dict)
    for r in await conn.fetch(q("analytics_revenue"), period.start, period.end):
        label = f"{r['rail']} {r['currency'].upper()}"
        lines[label][r["day"]] = lines[label].get(r["day"], 0.0) + major(r[column], r["currency"])
    return {label: [days.get(d, 0.0) for d in period.dates()] for label, days in sorted(lines.items())}


async def series(conn: asyncpg.Connection, kind: Kind, period: Period) -> Series:
    async def new_users() -> Series:
        return Series(kind, period, {"new users": await _counts(conn, period, "users_joined")})

    async def messages() -> Series:
        return Series(kind, period, {"messages": await _counts(conn, period, "messages_relayed")})

    async def active() -> Series:
        missing = await conn.fetchrow(q("analytics_active_missing"), period.start, period.end)
        if missing is not None and missing["first"] is not None:
            await conn.execute(q("analytics_active_roll"), missing["first"], missing["last"])
        rows = await conn.fetch(q("analytics_active"), period.start, period.end)
        return Series(kind, period, {"active users": _by_day(period, rows)})

    async def revenue() -> Series:
        return Series(kind, period, await _money(conn, period, "gross"))

    async def refunds() -> Series:
        return Series(kind, period, await _money(conn, period, "refunds"))

    async def conversion() -> Series:
        rows = await conn.fetch(q("analytics_conversion"), period.start, period.end, CONVERSION_DAYS)
        found = {r["day"]: (100.0 * r["paid"] / r["joined"]) if r["joined"] else 0.0 for r in rows}
        return Series(kind, period, {"converted": [found.get(d, 0.0) for d in period.dates()]})

    async def response() -> Series:
        missing = await conn.fetchrow(q("analytics_response_missing"), period.start, period.end,
                                      RESPONSE_LIVE_DAYS)
        if missing is not None and missing["first"] is not None:
            await conn.execute(q("analytics_response_roll"), missing["first"], missing["last"])
        rows = await conn.fetch(q("analytics_response"), period.start, period.end, RESPONSE_LIVE_DAYS)
        return Series(kind, period, {"p50": _by_day(period, rows, "p50"),
                                     "p90": _by_day(period, rows, "p90")})

    async def products() -> Series:
        rows = await conn.fetch(q("analytics_top_products"), period.start, period.end)
        bars = tuple((f"{r['code']} ({r['currency'].upper()})", major(r["net"], r["currency"])) for r in rows)
        return Series(kind, period, {}, bars)

    loaders: dict[Kind, Callable[[], Awaitable[Series]]] = {
        Kind.NEW_USERS: new_users, Kind.MESSAGES: messages, Kind.ACTIVE_USERS: active,
               Kind.REVENUE: revenue, Kind.REFUNDS: refunds, Kind.CONVERSION: conversion,
               Kind.RESPONSE: response, Kind.PRODUCTS: products}
    if kind in (Kind.NEW_USERS, Kind.MESSAGES):
        await conn.execute(q("analytics_close_hours"))
    return await loaders[kind]()


def number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}"


def caption(s: Series) -> str:
    """The numbers behind a chart, for its caption (Telegram takes 1,024 characters)."""
    lines = [f"<b>{s.title}</b> · {s.period.label} ({s.period.days} days)"]
    if s.bars:
        lines += [f"{label}: {number(v)}" for label, v in s.bars[:10]]
    for label, values in s.lines.items():
        total = sum(values)
        if s.kind in (Kind.RESPONSE, Kind.CONVERSION):
            shown = [v for v in values if v]
            avg = sum(shown) / len(shown) if shown else 0.0
            lines.append(f"{label}: average {number(avg)} {s.unit}, latest {number(values[-1])}")
        else:
            lines.append(f"{label}: total {number(total)}, latest day {number(values[-1])}, "
                         f"best day {number(max(values))}")
    if not s.lines and not s.bars:
        lines.append("Nothing in this period.")
    text = "\n".join(lines)
    return text if len(text) <= 1000 else text[:997] + "…"


async def keep_past_days(conn: asyncpg.Connection, today: date | None = None) -> None:
    """Keep the day that just became past (active users) and the one a week old
    (first responses), so that no chart pays for counting them (the desk's sweep)."""
    today = today or datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    missing = await conn.fetchrow(q("analytics_active_missing"), yesterday, yesterday)
    if missing is not None and missing["first"] is not None:
        await conn.execute(q("analytics_active_roll"), yesterday, yesterday)
    settled = today - timedelta(days=RESPONSE_LIVE_DAYS)
    missing = await conn.fetchrow(q("analytics_response_missing"), settled, settled, RESPONSE_LIVE_DAYS)
    if missing is not None and missing["first"] is not None:
        await conn.execute(q("analytics_response_roll"), settled, settled)
