"""Changing the catalog: new products and edits, checked, saved, and passed on to Stripe.

Operators create and edit products from the control center; every change is
checked against the rules of :mod:`core.billing.product_rules` as a whole
product before it is saved. A change Stripe must learn of (name, card price,
recurrence, enabled) bumps the product's ``stripe_version`` and queues the
sync job (core.billing.stripe.catalog_sync) in the same transaction. What a
purchase grants and costs was fixed when it was opened: an edit never
changes a checkout already open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from core.billing import catalog, product_rules
from core.billing.catalog import Badge, Kind, Product
from core.billing.product_rules import Invalid, Shape
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.sql import q

#: One sync at a time: two jobs creating a product's Price at once could make two.
SYNC_LOCK = "stripe:catalog"


class Field(StrEnum):
    NAME = "name"
    CREDITS = "credits"
    DAYS = "days"
    RECURRING = "recurring"
    PRICE = "price"
    STARS = "stars"
    BADGE = "badge"
    SORT = "sort"
    ACTIVE = "active"
    HIDDEN = "hidden"
    #: A custom package's limits: its one buyer, its number of uses, its expiry.
    USER = "user"
    USES = "uses"
    EXPIRES = "expires"


#: Fields Stripe's Product or Price shows.
STRIPE_FIELDS = frozenset({Field.NAME, Field.DAYS, Field.RECURRING, Field.PRICE, Field.ACTIVE})
#: Fields whose change moves money: shown before and after, and confirmed.
MONEY_FIELDS = frozenset({Field.PRICE, Field.STARS, Field.CREDITS, Field.DAYS})


@dataclass(frozen=True)
class Values:
    """A product's editable columns, as saved."""

    name: str
    kind: Kind
    credits: int
    pass_days: int | None
    recurring: bool
    stripe_amount: int | None
    stripe_currency: str | None
    stars_amount: int | None
    badge: Badge | None
    sort: int
    active: bool
    hidden: bool
    for_telegram_id: int | None
    max_uses: int | None
    expires_at: datetime | None

    @classmethod
    def of(cls, p: Product) -> Values:
        return cls(p.name, p.kind, p.credits, p.pass_days, p.recurring, p.stripe_amount, p.stripe_currency,
                   p.stars_amount, p.badge, p.sort, p.active, p.hidden, p.for_telegram_id, p.max_uses,
                   p.expires_at)

    def check(self) -> None:
        product_rules.check_shape(Shape(self.kind, self.credits, self.pass_days, self.recurring,
                                        self.stripe_amount, self.stripe_currency, self.stars_amount))

    def shown(self, field: Field) -> Any:
        """The field's value as the audit log and the screens show it (JSON)."""
        if field is Field.PRICE:
            if self.stripe_amount is None or self.stripe_currency is None:
                return None
            return str(product_rules.CardPrice(self.stripe_amount, self.stripe_currency))
        value = getattr(self, _COLUMNS[field])
        if isinstance(value, datetime):
            return value.isoformat()
        return value.value if isinstance(value, Badge) else value


_COLUMNS = {
    Field.NAME: "name", Field.CREDITS: "credits", Field.DAYS: "pass_days", Field.RECURRING: "recurring",
    Field.PRICE: "stripe_amount", Field.STARS: "stars_amount", Field.BADGE: "badge", Field.SORT: "sort",
    Field.ACTIVE: "active", Field.HIDDEN: "hidden", Field.USER: "for_telegram_id", Field.USES: "max_uses",
    Field.EXPIRES: "expires_at",
}


def parse_field(text: str) -> Field:
    try:
        return Field(text.strip().lower())
    except ValueError:
        raise Invalid(f"“{text[:20]}” is not a field: {', '.join(f.value for f in Field)}.") from None


def parse_value(field: Field, text: str, now: datetime) -> object:
    """What was typed for ``field``; ``None`` clears an optional one (``none``).

    ``user`` takes a numeric Telegram id here (the control center resolves
    @usernames before).
    """
    r = product_rules
    clearable = {Field.PRICE, Field.STARS, Field.USER, Field.USES, Field.EXPIRES, Field.DAYS}
    if field in clearable and r.is_none(text):
        return None
    parsers: dict[Field, Any] = {
        Field.NAME: r.parse_name,
        Field.CREDITS: lambda x: r.parse_whole(x, what="credits", maximum=r.MAX_CREDITS, allow_zero=True),
        Field.DAYS: lambda x: r.parse_whole(x, what="days", maximum=r.MAX_DAYS),
        Field.RECURRING: r.parse_switch, Field.ACTIVE: r.parse_switch, Field.HIDDEN: r.parse_switch,
        Field.PRICE: r.parse_price, Field.STARS: r.parse_stars, Field.BADGE: r.parse_badge,
        Field.SORT: r.parse_sort,
        Field.USER: lambda x: r.parse_whole(x, what="digits of a Telegram id", maximum=10**15),
        Field.USES: lambda x: r.parse_whole(x, what="uses", maximum=r.MAX_USES),
        Field.EXPIRES: lambda x: r.parse_expiry(x, now),
    }
    return parsers[field](text)


def changed(values: Values, field: Field, value: object) -> Values:
    """``values`` with ``field`` set; a card price sets its currency too."""
    if field is Field.PRICE:
        price = value if isinstance(value, product_rules.CardPrice) else None
        return replace(values, stripe_amount=price.amount if price else None,
                       stripe_currency=price.currency if price else None)
    fields: dict[str, Any] = dict(vars(values))
    fields[_COLUMNS[field]] = value
    return Values(**fields)


@dataclass(frozen=True)
class Edited:
    product: Product
    before: Mapping[str, Any]
    after: Mapping[str, Any]


def preview(product: Product, field: Field, value: object
            ) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """(before, after) of the field if it were set, checked with the rest; None: no change."""
    before = Values.of(product)
    after = changed(before, field, value)
    if after == before:
        return None
    after.check()
    return {field.value: before.shown(field)}, {field.value: after.shown(field)}


async def save(conn: asyncpg.Connection, product: Product, field: Field, value: object) -> Edited | None:
    """Set one field, checked with the rest of the product; None when it already had that value.

    The row is read again under its lock: two operators editing two fields at
    once both keep their change.
    """
    fresh = await catalog.by_id(conn, product.id, lock=True)
    if fresh is None:
        raise Invalid("That product no longer exists.")
    product = fresh
    before = Values.of(product)
    after = changed(before, field, value)
    if after == before:
        return None
    after.check()
    stripe = field in STRIPE_FIELDS
    row = await conn.fetchrow(
        q("catalog_edits_update"), product.id, after.name, after.credits, after.pass_days, after.recurring,
        after.stripe_amount, after.stripe_currency, after.stars_amount,
        after.badge.value if after.badge else None, after.sort, after.active, after.hidden,
        after.for_telegram_id, after.max_uses, after.expires_at, stripe,
    )
    saved = catalog.by_row(row)
    if stripe:
        await request_sync(conn, [product.id])
    return Edited(saved, {field.value: before.shown(field)}, {field.value: after.shown(field)})


async def create(conn: asyncpg.Connection, code: str, values: Values, *, by: int) -> Product:
    """A new product (its code unique), then its Stripe mirror; raises :class:`Invalid`."""
    product_rules.parse_code(code)
    values.check()
    row = await conn.fetchrow(
        q("catalog_edits_create"), code, values.name, values.kind.value, values.credits, values.pass_days,
        values.recurring, values.stripe_amount, values.stripe_currency, values.stars_amount,
        values.badge.value if values.badge else None, values.sort, values.active, values.hidden,
        values.for_telegram_id, values.max_uses, values.expires_at, by,
    )
    if row is None:
        raise Invalid(f"A product with the code {code} exists already: choose another code.")
    product = catalog.by_row(row)
    await request_sync(conn, [product.id])
    return product


async def code_taken(conn: asyncpg.Connection, code: str) -> bool:
    return bool(await conn.fetchval(q("catalog_edits_code_taken"), code))


async def next_sort(conn: asyncpg.Connection) -> int:
    """Where a new product goes: after the others."""
    return int(await conn.fetchval(q("catalog_edits_next_sort")))


@dataclass(frozen=True)
class ReportTo:
    """Where the sync's report goes: the operator's chat (and topic)."""

    chat_id: int
    thread_id: int | None
    #: Outbox priority there (the control center's, lowest in an admin group).
    priority: int = 0


async def request_sync(conn: asyncpg.Connection, product_ids: Sequence[int] | None, *,
                       report: ReportTo | None = None, cause: str = "") -> None:
    """Queue the Stripe sync of these products (None: all, reconciled), after this transaction."""
    args: dict[str, Any] = {"product_ids": list(product_ids) if product_ids is not None else None,
                            "cause": cause}
    if report is not None:
        args["report"] = {"chat_id": report.chat_id, "thread_id": report.thread_id,
                          "priority": report.priority}
    await queues.defer(conn, [JobRequest(Queue.BILLING, Task.BILLING_SYNC_PRODUCTS, SYNC_LOCK, args)])
