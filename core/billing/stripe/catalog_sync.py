"""The catalog's mirror at Stripe: each product a Stripe Product, its card price a Price.

Run by a billing job, never inside a database transaction: read the
products, bring Stripe in line one product at a time, record each outcome.
Idempotent end to end: creations carry keys derived from the product, its
``stripe_version`` and what they replace; a Price charging the wrong amount
is replaced by a new one (Prices are immutable) made the Product's default,
then every other active Price of the Product is archived. Running it again
finds nothing to do, and reports what it found ("up to date").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from core.billing import catalog
from core.billing.catalog import Product
from core.billing.rails import Rail
from core.billing.stripe.catalog_calls import StripeCatalog, StripePrice, StripeProduct
from core.billing.texts import money
from core.platform.database import connection
from core.platform.sql import q


@dataclass(frozen=True)
class Target:
    """A product as the sync read it, with the version of its edits."""

    product: Product
    version: int


@dataclass(frozen=True)
class Outcome:
    target: Target
    changes: tuple[str, ...] = ()
    error: str | None = None
    stripe_product: StripeProduct | None = None
    price: StripePrice | None = None

    @property
    def code(self) -> str:
        return self.target.product.code


async def targets(pool: asyncpg.Pool, product_ids: Sequence[int] | None) -> list[Target]:
    async with connection(pool) as conn:
        ids = list(product_ids) if product_ids is not None else None
        rows = await conn.fetch(q("catalog_sync_products"), ids)
    return [Target(catalog.by_row(r), int(r["stripe_version"])) for r in rows]


def _wanted(p: Product) -> tuple[int, str, str | None] | None:
    if not p.sold_on(Rail.STRIPE):
        return None
    assert p.stripe_amount is not None
    assert p.stripe_currency is not None
    return p.stripe_amount, p.stripe_currency, p.subscription_interval


def _charges(price: StripePrice) -> tuple[int | None, str, str | None]:
    return price.unit_amount, price.currency, price.interval


def _label(price: StripePrice) -> str:
    per = f"/{price.interval}" if price.interval else ""
    return f"{price.id} ({money(price.unit_amount or 0, price.currency)}{per})"


async def _product(api: StripeCatalog, t: Target, changes: list[str]) -> StripeProduct:
    p = t.product
    found = await api.product(p.stripe_product_id) if p.stripe_product_id else None
    if found is None:
        again = f":after:{p.stripe_product_id}" if p.stripe_product_id else ""
        found = await api.create_product(
            name=p.name, active=True, metadata={"product_id": str(p.id), "code": p.code},
            idempotency_key=f"product:{p.id}:v{t.version}{again}")
        changes.append(f"created Product {found.id}" if not again
                       else f"Product {p.stripe_product_id} was gone at Stripe: created {found.id}")
    elif found.name != p.name:
        found = await api.update_product(found.id, name=p.name)
        changes.append(f"renamed to “{p.name}”")
    return found


async def _price(api: StripeCatalog, t: Target, prod: StripeProduct, changes: list[str]
                 ) -> StripePrice | None:
    p, wanted = t.product, _wanted(t.product)
    current = await api.price(p.stripe_price_id) if p.stripe_price_id else None
    if wanted is None:
        return None
    if current is not None and current.active and current.product == prod.id and _charges(current) == wanted:
        return current
    amount, currency, interval = wanted
    replaced = current.id if current is not None else "new"
    price = await api.create_price(
        product_id=prod.id, amount=amount, currency=currency, interval=interval,
        metadata={"product_id": str(p.id), "code": p.code},
        idempotency_key=f"price:{p.id}:v{t.version}:{replaced}:{prod.id}")
    changes.append(f"new Price {_label(price)}")
    return price


async def sync_one(api: StripeCatalog, t: Target) -> Outcome:
    """Bring Stripe in line with one product; what changed there."""
    changes: list[str] = []
    prod = await _product(api, t, changes)
    price = await _price(api, t, prod, changes)
    wanted_default = price.id if price is not None else None
    if prod.default_price != wanted_default:
        # Before archiving: Stripe refuses to archive a Product's default Price.
        prod = await api.update_product(prod.id, default_price=wanted_default or "")
    for other in await api.active_prices(prod.id):
        if other.id != wanted_default:
            await api.archive_price(other.id)
            changes.append(f"archived Price {_label(other)}")
    if prod.active != t.product.active:
        prod = await api.update_product(prod.id, active=t.product.active)
        changes.append("Product reactivated" if t.product.active else "Product archived (disabled)")
    return Outcome(t, tuple(changes), None, prod, price)


async def record(conn: asyncpg.Connection, outcome: Outcome) -> None:
    """Remember what Stripe holds for the product now (or why it could not be synced)."""
    p = outcome.target.product
    if outcome.error is not None or outcome.stripe_product is None:
        await conn.execute(q("catalog_sync_failed"), p.id, outcome.error or "not synced")
        return
    price = outcome.price
    await conn.execute(
        q("catalog_sync_recorded"), p.id, outcome.stripe_product.id, price.id if price else None,
        price.unit_amount if price else None, price.currency if price else None,
        price.interval if price else None, outcome.target.version,
    )


def report(outcomes: Sequence[Outcome]) -> str:
    """For the operator who asked: each product and what changed at Stripe."""
    changed = sum(1 for o in outcomes if o.changes)
    failed = sum(1 for o in outcomes if o.error)
    plural = "s" if len(outcomes) != 1 else ""
    head = f"🔄 <b>Stripe sync</b>: {len(outcomes)} product{plural}, {changed} changed"
    lines = [head + (f", {failed} failed" if failed else "") + "."]
    for o in outcomes:
        if o.error:
            what = f"❌ {_esc(o.error)}"
        elif o.changes:
            what = "; ".join(_esc(c) for c in o.changes)
        else:
            what = "up to date"
        lines.append(f"• <code>{o.code}</code>: {what}")
    text = "\n".join(lines)
    return text if len(text) <= 3900 else text[:3890] + "\n…"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
