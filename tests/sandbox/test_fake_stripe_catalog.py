"""Products, Prices, refunds and invoice payments of the fake Stripe, through the real stripe library.

The fake answers what Stripe answers: a Price never changes what it charges,
a Product's default Price cannot be archived, Checkout takes active Prices of
active Products only, a disputed charge is not refunded, and objects keep the
fields of Stripe's samples.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import stripe
from aiohttp.test_utils import TestServer

from core.billing.stripe.gateway import StripeGateway, StripeRejected
from core.sandbox.stripe import FAKE_STRIPE, FakeStripe, StripeRefusal, build_fake_stripe_app

FIXTURES = json.loads((Path(__file__).parent.parent / "fixtures/stripe/objects.json").read_text())
META = {"telegram_id": "42", "product": "pack10"}


@dataclass
class Stack:
    fake: FakeStripe
    gateway: StripeGateway
    client: stripe.StripeClient


@pytest.fixture
async def stack(db_pool: asyncpg.Pool) -> AsyncIterator[Stack]:
    app = build_fake_stripe_app(db_pool, webhook_secret="whsec_test", webhook_url=None)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    gateway = StripeGateway("sk_test_fake", api_base=base, max_network_retries=0)
    http = stripe.AIOHTTPClient()
    client = stripe.StripeClient("sk_test_fake", base_addresses={"api": base}, http_client=http,
                                 max_network_retries=0)
    yield Stack(app[FAKE_STRIPE], gateway, client)
    await gateway.close()
    await http.close_async()  # type: ignore[no-untyped-call]
    await server.close()


def assert_shaped(obj: dict[str, Any], kind: str) -> None:
    assert set(obj) == set(FIXTURES[kind]), (kind, set(obj) ^ set(FIXTURES[kind]))


async def test_products_and_prices_are_made_once_and_read_back(stack: Stack) -> None:
    api = stack.gateway.catalog
    product = await api.create_product(name="25 credits", active=True, metadata={"code": "pack25"},
                                       idempotency_key="product:1:v1")
    again = await api.create_product(name="25 credits", active=True, metadata={"code": "pack25"},
                                     idempotency_key="product:1:v1")
    assert again == product
    assert product.id.startswith("prod_")
    price = await api.create_price(product_id=product.id, amount=999, currency="usd", interval=None,
                                   metadata={}, idempotency_key="price:1:v1")
    assert (price.unit_amount, price.currency, price.interval, price.active) == (999, "usd", None, True)
    monthly = await api.create_price(product_id=product.id, amount=3999, currency="usd", interval="month",
                                     metadata={}, idempotency_key="price:1:v2")
    assert monthly.interval == "month"
    stored_product, stored_price = await stack.fake.get(product.id), await stack.fake.get(price.id)
    assert stored_product is not None
    assert stored_price is not None
    assert_shaped(stored_product, "product")
    assert_shaped(stored_price, "price")
    assert {p.id for p in await api.active_prices(product.id)} == {price.id, monthly.id}
    assert await api.price("price_missing") is None
    assert await api.product("prod_missing") is None
    assert len(await stack.fake.events("price.created")) == 2


async def test_a_price_never_changes_what_it_charges_and_the_default_stays_active(stack: Stack) -> None:
    api = stack.gateway.catalog
    product = await api.create_product(name="Pack", active=True, metadata={}, idempotency_key="p")
    old = await api.create_price(product_id=product.id, amount=499, currency="usd", interval=None,
                                 metadata={}, idempotency_key="a")
    new = await api.create_price(product_id=product.id, amount=599, currency="usd", interval=None,
                                 metadata={}, idempotency_key="b")
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: unit_amount"):
        await stack.client.v1.prices.update_async(old.id, {"unit_amount": 599})  # type: ignore[typeddict-unknown-key]
    await api.update_product(product.id, default_price=old.id)
    with pytest.raises(StripeRejected, match="default price"):
        await api.archive_price(old.id)
    await api.update_product(product.id, default_price=new.id)
    await api.archive_price(old.id)
    assert [p.id for p in await api.active_prices(product.id)] == [new.id]
    with pytest.raises(StripeRejected, match="archived"):
        await api.update_product(product.id, default_price=old.id)
    other = await api.create_product(name="Other", active=True, metadata={}, idempotency_key="o")
    with pytest.raises(StripeRejected, match="does not belong"):
        await api.update_product(other.id, default_price=new.id)
    with pytest.raises(stripe.InvalidRequestError, match="prices"):
        await stack.client.v1.products.delete_async(product.id)


async def test_prices_are_checked_as_stripe_checks_them(stack: Stack) -> None:
    api = stack.gateway.catalog
    product = await api.create_product(name="Pack", active=True, metadata={}, idempotency_key="p")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"currency": "usd", "product": product.id}, "unit_amount"),
        ({"currency": "usd", "unit_amount": 100}, "product, product_data"),
        ({"currency": "dollars", "unit_amount": 100, "product": product.id}, "Invalid currency"),
        ({"currency": "usd", "unit_amount": 100_000_000, "product": product.id}, "less than or equal"),
        ({"currency": "usd", "unit_amount": -1, "product": product.id}, "greater than or equal"),
        ({"currency": "usd", "unit_amount": 100, "product": "prod_nope"}, "No such product"),
        ({"currency": "usd", "unit_amount": 100, "product": product.id,
          "recurring": {"interval": "year", "interval_count": 4}}, "three years"),
        ({"currency": "usd", "unit_amount": 100, "product": product.id,
          "recurring": {"interval": "fortnight"}}, "Invalid recurring"),
    ]
    for params, message in cases:
        with pytest.raises(stripe.InvalidRequestError, match=message):
            await stack.client.v1.prices.create_async(params)  # type: ignore[arg-type]
    with pytest.raises(stripe.InvalidRequestError, match="Missing required param: name"):
        await stack.client.v1.products.create_async({})  # type: ignore[typeddict-item]
    with pytest.raises(stripe.InvalidRequestError, match="cannot be unset"):
        await stack.client.v1.products.update_async(product.id, {"name": ""})


async def test_checkout_takes_active_prices_of_active_products(stack: Stack) -> None:
    api, gw = stack.gateway.catalog, stack.gateway
    product = await api.create_product(name="Pack", active=True, metadata={}, idempotency_key="p")
    price = await api.create_price(product_id=product.id, amount=999, currency="usd", interval=None,
                                   metadata={}, idempotency_key="a")
    customer = await gw.ensure_customer(42, "Ada", None)

    async def checkout(key: str, **extra: Any) -> str:
        link = await gw.create_checkout_session(
            customer_id=customer, mode="payment", amount=999, currency="usd", product_name="Pack",
            recurring_interval=None, metadata=META, success_url="https://t.me/bot", cancel_url="https://t.me/bot",
            idempotency_key=key, save_payment_method=False, **extra)
        return link.session_id

    session = await stack.fake.get(await checkout("k1", price_id=price.id))
    assert session is not None
    assert session["amount_total"] == 999
    inline = await stack.fake.get(await checkout("k2", stripe_product_id=product.id))
    assert inline is not None
    assert inline["amount_total"] == 999
    paid = await stack.fake.complete_session(session["id"])
    assert paid["payment_status"] == "paid"

    await api.update_product(product.id, active=False)
    with pytest.raises(StripeRejected, match="not active"):
        await checkout("k3", price_id=price.id)
    with pytest.raises(StripeRejected, match="not active"):
        await checkout("k4", stripe_product_id=product.id)
    await api.update_product(product.id, active=True)
    await api.archive_price(price.id)
    with pytest.raises(StripeRejected, match="inactive"):
        await checkout("k5", price_id=price.id)
    monthly = await api.create_price(product_id=product.id, amount=999, currency="usd", interval="month",
                                     metadata={}, idempotency_key="m")
    with pytest.raises(StripeRejected, match="recurring price"):
        await checkout("k6", price_id=monthly.id)


async def test_refunds_read_back_the_cumulative_amount_and_a_disputed_charge_is_not_refunded(
        stack: Stack) -> None:
    gw = stack.gateway
    customer = await gw.ensure_customer(42, "Ada", None)
    link = await gw.create_checkout_session(
        customer_id=customer, mode="payment", amount=999, currency="usd", product_name="Pack",
        recurring_interval=None, metadata=META, success_url="https://t.me/bot", cancel_url="https://t.me/bot",
        idempotency_key="k", save_payment_method=False)
    session = await stack.fake.complete_session(link.session_id)
    intent = session["payment_intent"]
    first = await gw.refunds.refund(payment_intent=intent, charge=None, amount=400, metadata={"r": "1"},
                                    idempotency_key="refund:1")
    again = await gw.refunds.refund(payment_intent=intent, charge=None, amount=400, metadata={"r": "1"},
                                    idempotency_key="refund:1")
    assert again.refund_id == first.refund_id  # a retried job refunds once
    assert (first.charge_refunded, first.payment_intent) == (400, intent)
    second = await gw.refunds.refund(payment_intent=intent, charge=None, amount=500, metadata={},
                                     idempotency_key="refund:2")
    assert second.charge_refunded == 900
    with pytest.raises(StripeRejected, match="greater than unrefunded"):
        await gw.refunds.refund(payment_intent=intent, charge=None, amount=100, metadata={},
                                idempotency_key="refund:3")
    refund = await stack.fake.get(first.refund_id)
    assert refund is not None
    assert_shaped(refund, "refund")

    other = await gw.create_checkout_session(
        customer_id=customer, mode="payment", amount=999, currency="usd", product_name="Pack",
        recurring_interval=None, metadata=META, success_url="https://t.me/bot", cancel_url="https://t.me/bot",
        idempotency_key="k2", save_payment_method=False)
    paid = await stack.fake.complete_session(other.session_id)
    charge = (await stack.fake.get(paid["payment_intent"]) or {})["latest_charge"]
    await stack.fake.dispute(charge)
    with pytest.raises(StripeRejected, match="charged back"):
        await gw.refunds.refund(payment_intent=paid["payment_intent"], charge=None, amount=100, metadata={},
                                idempotency_key="refund:4")


async def test_an_invoice_names_the_intent_that_paid_it(stack: Stack) -> None:
    gw = stack.gateway
    customer = await gw.ensure_customer(42, "Ada", None)
    link = await gw.create_checkout_session(
        customer_id=customer, mode="subscription", amount=3999, currency="usd", product_name="Month pass",
        recurring_interval="month", metadata=META, success_url="https://t.me/bot",
        cancel_url="https://t.me/bot", idempotency_key="k", save_payment_method=True)
    session = await stack.fake.complete_session(link.session_id)
    intent = await gw.refunds.intent_of_invoice(session["invoice"])
    assert intent is not None
    assert intent.startswith("pi_")
    refunded = await gw.refunds.refund(payment_intent=intent, charge=None, amount=3999, metadata={},
                                       idempotency_key="refund:sub")
    assert refunded.charge_refunded == 3999
    with pytest.raises(StripeRejected, match="No such invoice"):
        await gw.refunds.intent_of_invoice("in_missing")


async def test_controls_refuse_what_stripe_refuses(stack: Stack) -> None:
    with pytest.raises(StripeRefusal, match="No such charge"):
        await stack.fake.refund("ch_missing")
