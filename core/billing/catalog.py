"""The products for sale: credit packs, time passes and custom packages, priced per rail."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from core.billing.rails import Rail
from core.platform.sql import q

#: ``/buy10`` and friends go straight to checkout for these packs.
QUICK_BUY = {"buy10": "pack10", "buy25": "pack25", "buy50": "pack50", "buy100": "pack100"}

#: Stripe bills subscriptions by interval; a pass's days name the interval.
_INTERVALS = {1: "day", 7: "week", 30: "month", 31: "month", 365: "year"}


class Kind(StrEnum):
    CREDITS = "credits"
    PASS = "pass"
    CUSTOM = "custom"


class Badge(StrEnum):
    POPULAR = "popular"
    BEST_VALUE = "best_value"


@dataclass(frozen=True)
class Product:
    id: int
    code: str
    name: str
    kind: Kind
    credits: int
    pass_days: int | None
    recurring: bool
    stripe_amount: int | None
    stripe_currency: str | None
    stars_amount: int | None
    active: bool
    hidden: bool
    badge: Badge | None
    sort: int

    def price(self, rail: Rail) -> int | None:
        return self.stripe_amount if rail is Rail.STRIPE else self.stars_amount

    def sold_on(self, rail: Rail) -> bool:
        if rail is Rail.STRIPE:
            return self.stripe_amount is not None and self.stripe_currency is not None
        return self.stars_amount is not None

    @property
    def subscription_interval(self) -> str | None:
        """A recurring pass is a Stripe subscription billed every ``pass_days``."""
        if not self.recurring or self.pass_days is None:
            return None
        return _INTERVALS.get(self.pass_days)


def _product(record: asyncpg.Record | None) -> Product | None:
    if record is None:
        return None
    values = dict(record)
    values["kind"] = Kind(values["kind"])
    badge = values["badge"]
    values["badge"] = Badge(badge) if badge in Badge._value2member_map_ else None
    return Product(**values)


async def for_sale(conn: asyncpg.Connection) -> list[Product]:
    """Active, visible products in the operator's order."""
    return [p for p in map(_product, await conn.fetch(q("catalog_for_sale"))) if p is not None]


async def by_code(conn: asyncpg.Connection, code: str) -> Product | None:
    """Any product by code, hidden ones too (custom packages are offered by link)."""
    return _product(await conn.fetchrow(q("catalog_by_code"), code))


async def by_id(conn: asyncpg.Connection, product_id: int) -> Product | None:
    return _product(await conn.fetchrow(q("catalog_by_id"), product_id))
