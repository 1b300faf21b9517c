"""The products for sale: credit packs, time passes and custom packages, priced per rail."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
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
    #: The Stripe Price Checkout uses while it charges what the product costs (see ``stripe_price``).
    stripe_product_id: str | None = None
    stripe_price_id: str | None = None
    stripe_price_amount: int | None = None
    stripe_price_currency: str | None = None
    stripe_price_interval: str | None = None
    #: Limits of a custom package sold by its link (None: no such limit).
    for_telegram_id: int | None = None
    max_uses: int | None = None
    expires_at: datetime | None = None

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

    @property
    def stripe_price(self) -> str | None:
        """The stored Stripe Price id, if it charges exactly the product's card price now."""
        if self.stripe_price_id is None or self.stripe_amount is None or self.stripe_currency is None:
            return None
        if (self.stripe_price_amount, self.stripe_price_currency, self.stripe_price_interval) != (
                self.stripe_amount, self.stripe_currency, self.subscription_interval):
            return None
        return self.stripe_price_id

    @property
    def limited(self) -> bool:
        """A package whose sales are held to a buyer, a number of uses or an expiry."""
        return self.for_telegram_id is not None or self.max_uses is not None or self.expires_at is not None


def _product(record: asyncpg.Record | None) -> Product | None:
    if record is None:
        return None
    names = {f.name for f in fields(Product)}
    values = {k: v for k, v in dict(record).items() if k in names}
    values["kind"] = Kind(values["kind"])
    badge = values["badge"]
    values["badge"] = Badge(badge) if badge in Badge._value2member_map_ else None
    return Product(**values)


def by_row(record: asyncpg.Record | None) -> Product:
    """A product from a row of ``products`` (that exists)."""
    found = _product(record)
    assert found is not None
    return found


async def for_sale(conn: asyncpg.Connection) -> list[Product]:
    """Active, visible products in the operator's order."""
    return [p for p in map(_product, await conn.fetch(q("catalog_for_sale"))) if p is not None]


async def by_code(conn: asyncpg.Connection, code: str) -> Product | None:
    """Any product by code, hidden ones too (custom packages are offered by link)."""
    return _product(await conn.fetchrow(q("catalog_by_code"), code))


async def by_id(conn: asyncpg.Connection, product_id: int, *, lock: bool = False) -> Product | None:
    """``lock``: hold the product's row (a custom package's uses are counted under it)."""
    return _product(await conn.fetchrow(q("catalog_lock" if lock else "catalog_by_id"), product_id))
