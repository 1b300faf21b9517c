"""Products and Prices of the fake Stripe, with the checks Stripe applies to them.

A Price is immutable: only ``active``, ``metadata``, ``nickname``,
``lookup_key`` and ``tax_behavior`` change (anything else is an unknown
parameter, as at Stripe); a Product's default Price cannot be archived while
it is the default; a default Price must be one of the Product's own, active
Prices; a Product with Prices cannot be deleted. Checkout takes active
Prices of active Products only (:func:`line_price`).
"""

from __future__ import annotations

from typing import Any

from core.platform.sql import q
from core.sandbox.stripe import billing_objects as bo
from core.sandbox.stripe import objects
from core.sandbox.stripe.forms import Params
from core.sandbox.stripe.rows import StripeRefusal
from core.sandbox.stripe.store import Tx

INTERVALS = ("day", "week", "month", "year")
#: Stripe bills at most every three years.
_MAX_INTERVAL_DAYS = 3 * 365
_INTERVAL_DAYS = {"day": 1, "week": 7, "month": 31, "year": 365}
#: Amounts have at most eight digits in minor units.
MAX_UNIT_AMOUNT = 99_999_999
_CURRENCY_FORMAT = "abcdefghijklmnopqrstuvwxyz"


def _currency(p: Params, key: str = "currency") -> str:
    currency = (p.text(key, required=True) or "").lower()
    if len(currency) != 3 or any(ch not in _CURRENCY_FORMAT for ch in currency):
        raise StripeRefusal.invalid(f"Invalid currency: {currency}. Stripe currently supports these "
                                    "currencies: "
                                    "usd, eur, gbp, ... (three-letter ISO codes).", param=p.name(key))
    return currency


def _name(p: Params, *, required: bool) -> str | None:
    raw = p.raw.get("name")
    if raw == "" and not required:
        raise StripeRefusal.invalid("You passed an empty string for 'name'. We assume empty values are an "
                                    "attempt to unset a parameter; however 'name' cannot be unset.",
                                    param=p.name("name"))
    return p.text("name", required=required)


async def _live_product(tx: Tx, product_id: str, *, param: str = "product", lock: bool = False
                        ) -> dict[str, Any]:
    stored = await tx.need(product_id, "product", lock=lock, param=param)
    if stored.data.get("deleted"):
        raise StripeRefusal.missing("product", product_id, param=param)
    return stored.data


# --- products ---

async def create_product(tx: Tx, p: Params) -> dict[str, Any]:
    custom_id = p.text("id")
    name = _name(p, required=True)
    active = p.flag("active") if "active" in p.raw else True
    description, metadata = p.text("description"), p.metadata()
    p.ignore("expand")
    p.refuse_unknown()
    assert name is not None
    product_id = custom_id or objects.new_id("prod", 14)
    if custom_id is not None and await tx.get(custom_id) is not None:
        raise StripeRefusal(400, f"Product already exists: {custom_id}", code="resource_already_exists",
                            param="id")
    product = bo.product(product_id, created=tx.now, name=name)
    product.update(active=active, description=description, metadata=metadata)
    await tx.insert(product)
    await tx.emit("product.created", product)
    return product


async def get_product(tx: Tx, product_id: str) -> dict[str, Any]:
    return await _live_product(tx, product_id, param="id")


async def update_product(tx: Tx, product_id: str, p: Params) -> dict[str, Any]:
    product = await _live_product(tx, product_id, param="id", lock=True)
    previous: dict[str, Any] = {}
    name = _name(p, required=False)
    default = p.raw.get("default_price")
    p.text("default_price")
    active = p.flag("active") if "active" in p.raw else None
    description, metadata = p.text("description"), p.metadata()
    p.ignore("expand")
    p.refuse_unknown()
    if default is not None:
        if default != "":
            price = (await tx.need(default, "price", param="default_price")).data
            if price["product"] != product_id:
                raise StripeRefusal.invalid(f"The price `{default}` does not belong to the product "
                                            f"`{product_id}`.", param="default_price")
            if not price["active"]:
                raise StripeRefusal.invalid(f"The price `{default}` is archived: a default price must be "
                                            "active.", param="default_price")
        previous["default_price"] = product["default_price"]
        product["default_price"] = default or None
    for key, value in (("name", name), ("active", active), ("description", description)):
        if value is not None and product[key] != value:
            previous[key] = product[key]
            product[key] = value
    if "metadata" in p.raw:
        previous["metadata"] = dict(product["metadata"])
        merged = {**product["metadata"], **metadata}
        product["metadata"] = {k: v for k, v in merged.items() if p.raw["metadata"].get(k) != ""}
    product["updated"] = tx.now
    await tx.save(product)
    await tx.emit("product.updated", product, previous_attributes=previous)
    return product


async def delete_product(tx: Tx, product_id: str) -> dict[str, Any]:
    product = await _live_product(tx, product_id, param="id", lock=True)
    if await tx.conn.fetchval(q("products_price_count"), product_id):
        raise StripeRefusal.invalid("This product cannot be deleted because it has one or more user-created "
                                    "prices.", code="product_has_prices")
    deleted = {"id": product_id, "object": "product", "deleted": True}
    await tx.save(deleted)
    await tx.emit("product.deleted", product)
    return deleted


# --- prices ---

def _recurring(p: Params) -> tuple[str | None, int]:
    recurring = p.sub("recurring")
    interval = recurring.choice("interval", INTERVALS, required=bool(recurring.raw))
    count = recurring.integer("interval_count", minimum=1) or 1
    recurring.choice("usage_type", ("licensed", "metered"))
    if interval is not None and _INTERVAL_DAYS[interval] * count > _MAX_INTERVAL_DAYS:
        raise StripeRefusal.invalid("The maximum billing frequency is three years.",
                                    param="recurring[interval_count]")
    return interval, count


async def create_price(tx: Tx, p: Params) -> dict[str, Any]:
    currency = _currency(p)
    product_id = p.text("product")
    product_data = p.sub("product_data")
    data_name = product_data.text("name", required=bool(product_data.raw))
    product_data.metadata()
    unit_amount = p.integer("unit_amount", minimum=0)
    interval, count = _recurring(p)
    active = p.flag("active") if "active" in p.raw else True
    metadata, nickname, lookup_key = p.metadata(), p.text("nickname"), p.text("lookup_key")
    p.choice("tax_behavior", ("exclusive", "inclusive", "unspecified"))
    p.ignore("expand")
    p.refuse_unknown()
    if (product_id is None) == (not product_data.raw):
        raise StripeRefusal.invalid("You must specify exactly one of these parameters: product, "
                                    "product_data.",
                                    param="product")
    if unit_amount is None:
        raise StripeRefusal.invalid("Missing required param: unit_amount.", param="unit_amount",
                                    code="parameter_missing")
    if unit_amount > MAX_UNIT_AMOUNT:
        raise StripeRefusal.invalid(f"This value must be less than or equal to {MAX_UNIT_AMOUNT}.",
                                    param="unit_amount")
    if product_id is not None:
        await _live_product(tx, product_id)
    else:
        assert data_name is not None
        made = bo.product(objects.new_id("prod", 14), created=tx.now, name=data_name)
        made["active"] = True
        await tx.insert(made)
        await tx.emit("product.created", made)
        product_id = made["id"]
    price = bo.price(objects.new_id("price"), created=tx.now, product=product_id, currency=currency,
                     unit_amount=unit_amount, interval=interval, interval_count=count)
    price.update(active=active, metadata=metadata, nickname=nickname, lookup_key=lookup_key)
    await tx.insert(price)
    await tx.emit("price.created", price)
    return price


async def get_price(tx: Tx, price_id: str) -> dict[str, Any]:
    return (await tx.need(price_id, "price", param="id")).data


async def update_price(tx: Tx, price_id: str, p: Params) -> dict[str, Any]:
    price = (await tx.need(price_id, "price", param="id", lock=True)).data
    active = p.flag("active") if "active" in p.raw else None
    metadata, nickname, lookup_key = p.metadata(), p.text("nickname"), p.text("lookup_key")
    p.choice("tax_behavior", ("exclusive", "inclusive", "unspecified"))
    p.ignore("expand", "transfer_lookup_key")
    # unit_amount, currency, recurring, product...: a Price never changes what it charges.
    p.refuse_unknown()
    previous: dict[str, Any] = {}
    if active is False and price["active"]:
        product = await tx.get(price["product"], "product")
        if product is not None and product.data.get("default_price") == price_id:
            raise StripeRefusal.invalid("This price cannot be archived because it is the default price "
                                        "of its "
                                        "product. Set another default price on the product first.",
                                        param="active")
    if active is not None and active != price["active"]:
        previous["active"] = price["active"]
        price["active"] = active
    if "metadata" in p.raw:
        previous["metadata"] = dict(price["metadata"])
        merged = {**price["metadata"], **metadata}
        price["metadata"] = {k: v for k, v in merged.items() if p.raw["metadata"].get(k) != ""}
    if nickname is not None:
        price["nickname"] = nickname
    if lookup_key is not None:
        price["lookup_key"] = lookup_key
    await tx.save(price)
    await tx.emit("price.updated", price, previous_attributes=previous)
    return price


async def list_prices(tx: Tx, p: Params) -> dict[str, Any]:
    product_id = p.text("product")
    active = p.flag("active") if "active" in p.raw else None
    kind = p.choice("type", ("one_time", "recurring"))
    currency = p.text("currency")
    limit = p.integer("limit", minimum=1) or 10
    p.ignore("expand")
    p.refuse_unknown()
    if limit > 100:
        raise StripeRefusal.invalid("This value must be less than or equal to 100.", param="limit")
    rows = await tx.conn.fetch(q("products_list_prices"), product_id, active, kind, currency, limit + 1)
    found = [r["data"] for r in rows]
    return objects.list_object("/v1/prices", found[:limit], has_more=len(found) > limit)


async def line_price(tx: Tx, price_id: str, param: str) -> dict[str, Any]:
    """A Price a Checkout line names: it must be active, of an active Product."""
    price = (await tx.need(price_id, "price", param=param)).data
    if not price["active"]:
        raise StripeRefusal.invalid("The price specified is inactive. This field only accepts active prices.",
                                    param=param)
    product = await _live_product(tx, price["product"], param=param)
    if not product["active"]:
        raise StripeRefusal.invalid("The price specified belongs to a product that is not active.",
                                    param=param)
    return price


async def line_product(tx: Tx, product_id: str, param: str) -> dict[str, Any]:
    """A Product an inline price (``price_data[product]``) names: it must be active."""
    product = await _live_product(tx, product_id, param=param)
    if not product["active"]:
        raise StripeRefusal.invalid(f"The product `{product_id}` is not active.", param=param)
    return product
