"""The fake Stripe's HTTP API: the ``/v1`` endpoints the stripe library calls.

What every endpoint shares lives here: the API key check, form decoding,
``Idempotency-Key`` replay, refusal of unknown parameters, Stripe's error JSON
and ``Request-Id``. The endpoints themselves are small functions over a
:class:`~core.sandbox.stripe.store.Tx`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from aiohttp import web

from core.sandbox.stripe import checkout, event_list, payments, products, subscriptions
from core.sandbox.stripe.forms import Params, decode
from core.sandbox.stripe.objects import new_id
from core.sandbox.stripe.rows import StripeRefusal
from core.sandbox.stripe.state import FakeStripe
from core.sandbox.stripe.store import Tx

FAKE_STRIPE = web.AppKey("fake_stripe", FakeStripe)


@dataclass(frozen=True)
class Call:
    """One API request as an endpoint sees it."""

    tx: Tx
    params: Params
    path: dict[str, str]
    base_url: str


#: An endpoint answers an object, or an object and the refusal it ends in (a card decline).
Result: TypeAlias = dict[str, Any] | tuple[dict[str, Any], StripeRefusal | None]
Endpoint: TypeAlias = Callable[[Call], Awaitable[Result]]


def base_url(request: web.Request) -> str:
    """Where the fake's pages are reached: configured, or this request's origin and mount point."""
    configured = request.app[FAKE_STRIPE].public_base_url
    if configured:
        return configured
    # url_for knows the prefix the app is mounted under (e.g. /fake-stripe).
    probe = str(request.app.router["pay"].url_for(session_id="x"))
    return str(request.url.origin()) + probe.removesuffix("/pay/x")


def _answer(status: int, body: dict[str, Any], request_id: str, *, replayed: bool = False) -> web.Response:
    headers = {"Request-Id": request_id}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return web.Response(status=status, text=json.dumps(body, sort_keys=True, indent=2),
                        content_type="application/json", headers=headers)


async def _down(request: web.Request, request_id: str, mode: str, hold_ms: int) -> web.Response:
    """Stripe having a bad minute: a 500 as Stripe words it, or a request that never returns."""
    await asyncio.sleep(hold_ms / 1000)
    if mode == "timeout":
        # The client sees the connection end without an answer, as when its timeout fires.
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=504)  # never reaches the client: the connection is gone
    return _answer(500, {"error": {"type": "api_error", "message": "An unknown error occurred"}},
                   request_id)


def _check_key(request: web.Request) -> None:
    auth = request.headers.get("Authorization", "")
    scheme, _, key = auth.partition(" ")
    if scheme != "Bearer" or not key:
        raise StripeRefusal(401, "You did not provide an API key. You need to provide your API key in "
                            "the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                            "YOUR_SECRET_KEY').")
    if not key.startswith(("sk_", "rk_")):
        raise StripeRefusal(401, f"Invalid API Key provided: {key[:8]}***", code="api_key_invalid")


async def _run(request: web.Request, endpoint: Endpoint, request_id: str) -> web.Response:
    fake = request.app[FAKE_STRIPE]
    _check_key(request)
    form = await request.post() if request.method == "POST" else request.query
    raw = decode((key, str(value)) for key, value in form.items())
    params = Params(raw)
    key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
    async with fake.unit(request_id=request_id, idempotency_key=key) as tx:
        if key:
            earlier = await tx.claim_key(key, f"{request.method} {request.path}", raw)
            if earlier is not None:
                return _answer(earlier[0], earlier[1], request_id, replayed=True)
        result = await endpoint(Call(tx, params, dict(request.match_info), base_url(request)))
        obj, refusal = result if isinstance(result, tuple) else (result, None)
        # Refusals raised above roll everything back; a decline is an outcome that stays.
        status, body = (refusal.status, refusal.body()) if refusal else (200, obj)
        if key:
            await tx.save_key(key, status, body)
    return _answer(status, body, request_id)


def endpoint(fn: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        request_id = new_id("req", 14)
        outage = await request.app[FAKE_STRIPE].take_outage()
        if outage is not None:
            return await _down(request, request_id, *outage)
        try:
            return await _run(request, fn, request_id)
        except StripeRefusal as refusal:
            return _answer(refusal.status, refusal.body(), request_id)

    return handler


# --- endpoints ---

async def create_customer(c: Call) -> dict[str, Any]:
    return await payments.create_customer(c.tx, c.params)


async def get_object(kind: str, c: Call, key: str = "id") -> dict[str, Any]:
    c.params.ignore("expand")
    c.params.refuse_unknown()
    return (await c.tx.need(c.path[key], kind)).data


async def get_customer(c: Call) -> dict[str, Any]:
    return await get_object("customer", c)


async def delete_customer(c: Call) -> dict[str, Any]:
    c.params.refuse_unknown()
    return await payments.delete_customer(c.tx, c.path["id"])


async def customer_payment_methods(c: Call) -> dict[str, Any]:
    return await payments.customer_cards(c.tx, c.path["id"], c.params)


async def create_checkout_session(c: Call) -> dict[str, Any]:
    return await checkout.create_session(c.tx, c.params, base_url=c.base_url)


async def get_checkout_session(c: Call) -> dict[str, Any]:
    return await get_object("checkout.session", c)


async def expire_checkout_session(c: Call) -> dict[str, Any]:
    c.params.refuse_unknown()
    return await checkout.expire(c.tx, c.path["id"])


async def create_portal_session(c: Call) -> dict[str, Any]:
    return await checkout.create_portal(c.tx, c.params, base_url=c.base_url)


async def create_payment_intent(c: Call) -> tuple[dict[str, Any], StripeRefusal | None]:
    return await payments.create_payment_intent(c.tx, c.params)


async def get_payment_intent(c: Call) -> dict[str, Any]:
    return await get_object("payment_intent", c)


async def get_charge(c: Call) -> dict[str, Any]:
    return await get_object("charge", c)


async def create_refund(c: Call) -> dict[str, Any]:
    return await payments.create_refund(c.tx, c.params)


async def get_subscription(c: Call) -> dict[str, Any]:
    return await get_object("subscription", c)


async def cancel_subscription(c: Call) -> dict[str, Any]:
    details = c.params.sub("cancellation_details")
    comment, feedback = details.text("comment"), details.text("feedback")
    c.params.ignore("expand", "invoice_now", "prorate")
    c.params.refuse_unknown()
    return await subscriptions.cancel(c.tx, c.path["id"], comment=comment, feedback=feedback)


async def get_invoice(c: Call) -> dict[str, Any]:
    return await get_object("invoice", c)


async def create_product(c: Call) -> dict[str, Any]:
    return await products.create_product(c.tx, c.params)


async def get_product(c: Call) -> dict[str, Any]:
    c.params.ignore("expand")
    c.params.refuse_unknown()
    return await products.get_product(c.tx, c.path["id"])


async def update_product(c: Call) -> dict[str, Any]:
    return await products.update_product(c.tx, c.path["id"], c.params)


async def delete_product(c: Call) -> dict[str, Any]:
    c.params.refuse_unknown()
    return await products.delete_product(c.tx, c.path["id"])


async def create_price(c: Call) -> dict[str, Any]:
    return await products.create_price(c.tx, c.params)


async def get_price(c: Call) -> dict[str, Any]:
    c.params.ignore("expand")
    c.params.refuse_unknown()
    return await products.get_price(c.tx, c.path["id"])


async def update_price(c: Call) -> dict[str, Any]:
    return await products.update_price(c.tx, c.path["id"], c.params)


async def list_prices(c: Call) -> dict[str, Any]:
    return await products.list_prices(c.tx, c.params)


async def get_refund(c: Call) -> dict[str, Any]:
    return await get_object("refund", c)


async def list_events(c: Call) -> dict[str, Any]:
    return await event_list.list_events(c.tx, c.params)


async def list_invoice_payments(c: Call) -> dict[str, Any]:
    return await subscriptions.invoice_payments(c.tx, c.params)


ROUTES: list[tuple[str, str, Endpoint]] = [
    ("POST", "/v1/customers", create_customer),
    ("GET", "/v1/customers/{id}", get_customer),
    ("DELETE", "/v1/customers/{id}", delete_customer),
    ("GET", "/v1/customers/{id}/payment_methods", customer_payment_methods),
    ("POST", "/v1/checkout/sessions", create_checkout_session),
    ("GET", "/v1/checkout/sessions/{id}", get_checkout_session),
    ("POST", "/v1/checkout/sessions/{id}/expire", expire_checkout_session),
    ("POST", "/v1/billing_portal/sessions", create_portal_session),
    ("POST", "/v1/payment_intents", create_payment_intent),
    ("GET", "/v1/payment_intents/{id}", get_payment_intent),
    ("GET", "/v1/charges/{id}", get_charge),
    ("POST", "/v1/refunds", create_refund),
    ("GET", "/v1/refunds/{id}", get_refund),
    ("POST", "/v1/products", create_product),
    ("GET", "/v1/products/{id}", get_product),
    ("POST", "/v1/products/{id}", update_product),
    ("DELETE", "/v1/products/{id}", delete_product),
    ("POST", "/v1/prices", create_price),
    ("GET", "/v1/prices", list_prices),
    ("GET", "/v1/prices/{id}", get_price),
    ("POST", "/v1/prices/{id}", update_price),
    ("GET", "/v1/invoice_payments", list_invoice_payments),
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/subscriptions/{id}", get_subscription),
    ("DELETE", "/v1/subscriptions/{id}", cancel_subscription),
    ("GET", "/v1/invoices/{id}", get_invoice),
]


async def unknown_endpoint(request: web.Request) -> web.Response:
    """Stripe's answer to a URL it does not serve (the fake answers it for what it does not model)."""
    refusal = StripeRefusal(
        404, f"Unrecognized request URL ({request.method}: {request.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
    )
    return _answer(404, refusal.body(), new_id("req", 14))
