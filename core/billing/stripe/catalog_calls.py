"""Stripe's Products and Prices, as the catalog's mirror uses them.

A Price is immutable at Stripe: a new price is a new Price, and the old one
is archived (``active=false``). Creations carry idempotency keys from the
caller, so a retried sync never makes two. "No such product/price" is an
answer here (None), not an error: the sync then makes a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import stripe
from stripe.params import PriceCreateParams, ProductCreateParams, ProductUpdateParams

from core.billing.stripe.boundary import expanded_id, translated


@dataclass(frozen=True)
class StripeProduct:
    id: str
    name: str
    active: bool
    default_price: str | None


@dataclass(frozen=True)
class StripePrice:
    id: str
    product: str
    unit_amount: int | None
    currency: str
    interval: str | None
    active: bool


def _product(p: stripe.Product) -> StripeProduct:
    return StripeProduct(p.id, p.name, bool(p.active), expanded_id(p.default_price))


def _price(p: stripe.Price) -> StripePrice:
    recurring = p.recurring
    return StripePrice(p.id, expanded_id(p.product) or "", p.unit_amount, p.currency,
                       recurring.interval if recurring is not None else None, bool(p.active))


def _missing(exc: stripe.InvalidRequestError) -> bool:
    return exc.code == "resource_missing"


class StripeCatalog:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    async def create_product(self, *, name: str, active: bool, metadata: Mapping[str, str],
                             idempotency_key: str) -> StripeProduct:
        params: ProductCreateParams = {"name": name, "active": active, "metadata": dict(metadata)}
        with translated():
            created = await self._client.v1.products.create_async(
                params, {"idempotency_key": idempotency_key})
        return _product(created)

    async def product(self, product_id: str) -> StripeProduct | None:
        """The Product, or None when Stripe has no such product (deleted in the Dashboard)."""
        with translated():
            try:
                found = await self._client.v1.products.retrieve_async(product_id)
            except stripe.InvalidRequestError as exc:
                if _missing(exc):
                    return None
                raise
        return _product(found)

    async def update_product(self, product_id: str, *, name: str | None = None, active: bool | None = None,
                             default_price: str | None = None) -> StripeProduct:
        """Change what is given; ``default_price=""`` clears it."""
        params: ProductUpdateParams = {}
        if name is not None:
            params["name"] = name
        if active is not None:
            params["active"] = active
        if default_price is not None:
            params["default_price"] = default_price
        with translated():
            updated = await self._client.v1.products.update_async(product_id, params)
        return _product(updated)

    async def create_price(self, *, product_id: str, amount: int, currency: str, interval: str | None,
                           metadata: Mapping[str, str], idempotency_key: str) -> StripePrice:
        params: PriceCreateParams = {"product": product_id, "unit_amount": amount,
                                     "currency": currency.lower(), "metadata": dict(metadata)}
        if interval is not None:
            params["recurring"] = {"interval": interval}
        with translated():
            created = await self._client.v1.prices.create_async(
                params, {"idempotency_key": idempotency_key})
        return _price(created)

    async def price(self, price_id: str) -> StripePrice | None:
        with translated():
            try:
                found = await self._client.v1.prices.retrieve_async(price_id)
            except stripe.InvalidRequestError as exc:
                if _missing(exc):
                    return None
                raise
        return _price(found)

    async def archive_price(self, price_id: str) -> None:
        with translated():
            await self._client.v1.prices.update_async(price_id, {"active": False})

    async def active_prices(self, product_id: str) -> list[StripePrice]:
        """The Product's active Prices (a product has a handful; the first hundred)."""
        with translated():
            listed = await self._client.v1.prices.list_async({"product": product_id, "active": True,
                                                               "limit": 100})
        return [_price(p) for p in listed.data]
