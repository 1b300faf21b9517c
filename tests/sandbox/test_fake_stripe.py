"""The Stripe gateway against the fake Stripe over HTTP: the real stripe library on both ends.

The fake runs in aiohttp's TestServer; a second small server stands in for the
ingress and collects the webhook posts, which are verified with the real
``stripe.Webhook.construct_event``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import stripe
from aiohttp import web
from aiohttp.test_utils import TestServer

from core.billing.stripe.gateway import (
    IntentStatus,
    NoSavedCard,
    PaymentDeclined,
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)
from core.sandbox.stripe import FAKE_STRIPE, FakeStripe, StripeRefusal, build_fake_stripe_app

SECRET = "whsec_test_fake"
FIXTURES = json.loads((Path(__file__).parent.parent / "fixtures/stripe/objects.json").read_text())
META = {"telegram_id": "42", "product": "pack10"}


@dataclass
class Receiver:
    """The ingress's stand-in: verifies and keeps every webhook post."""

    url: str
    events: list[stripe.Event] = field(default_factory=list)

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def of(self, event_type: str) -> list[dict[str, Any]]:
        return [e.data.object.to_dict() for e in self.events if e.type == event_type]


@dataclass
class Stack:
    fake: FakeStripe
    gateway: StripeGateway
    base: str
    http: aiohttp.ClientSession
    receiver: Receiver

    async def checkout(self, key: str, *, save: bool = True, mode: str = "payment",
                       customer: str | None = None) -> tuple[str, str, str]:
        customer = customer or await self.gateway.ensure_customer(42, "Ada", None)
        link = await self.gateway.create_checkout_session(
            customer_id=customer, mode=mode, amount=499, currency="usd", product_name="10 credits",
            recurring_interval="month" if mode == "subscription" else None, metadata=META,
            success_url="https://t.me/bot?start=paid_{CHECKOUT_SESSION_ID}",
            cancel_url="https://t.me/bot?start=cancel", idempotency_key=key, save_payment_method=save,
        )
        return customer, link.session_id, link.url

    async def press(self, url: str, action: str) -> aiohttp.ClientResponse:
        async with self.http.post(url, data={"action": action}, allow_redirects=False) as response:
            await response.read()
            return response


@pytest.fixture
async def stack(db_pool: asyncpg.Pool) -> AsyncIterator[Stack]:
    received: list[stripe.Event] = []

    async def receive(request: web.Request) -> web.Response:
        payload = (await request.read()).decode()
        received.append(stripe.Webhook.construct_event(payload, request.headers["Stripe-Signature"], SECRET))
        return web.json_response({"ok": True})

    ingress = web.Application()
    ingress.router.add_post("/webhooks/stripe", receive)
    ingress_server = TestServer(ingress, host="127.0.0.1")
    await ingress_server.start_server()
    receiver = Receiver(str(ingress_server.make_url("/webhooks/stripe")), received)

    app = build_fake_stripe_app(db_pool, webhook_secret=SECRET, webhook_url=receiver.url)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    gateway = StripeGateway("sk_test_fake", api_base=base, max_network_retries=0)
    async with aiohttp.ClientSession() as http:
        yield Stack(app[FAKE_STRIPE], gateway, base, http, receiver)
    await gateway.close()
    await server.close()
    await ingress_server.close()


def assert_shaped(obj: dict[str, Any], kind: str) -> None:
    """Same fields as Stripe's sample of that object (tests/fixtures/stripe/objects.json)."""
    assert set(obj) == set(FIXTURES[kind]), (kind, set(obj) ^ set(FIXTURES[kind]))


async def test_customer_is_created_once_and_replaced_when_deleted(stack: Stack) -> None:
    first = await stack.gateway.ensure_customer(42, "Ada", None)
    again = await stack.gateway.ensure_customer(42, "Ada", None)  # a retried first purchase
    kept = await stack.gateway.ensure_customer(42, "Ada", first)
    assert first == again == kept
    assert first.startswith("cus_")
    customer = await stack.fake.get(first)
    assert customer is not None
    assert_shaped(customer, "customer")
    assert customer["metadata"] == {"telegram_id": "42"}
    assert customer["livemode"] is False
    assert len(await stack.fake.events("customer.created")) == 1

    await stack.fake.delete_customer(first)
    replaced = await stack.gateway.ensure_customer(42, "Ada", first)
    assert replaced != first
    assert replaced.startswith("cus_")
    missing = await stack.gateway.ensure_customer(42, "Ada", "cus_unknown")
    assert missing.startswith("cus_")


async def test_checkout_session_honours_the_idempotency_key(stack: Stack) -> None:
    customer, session_id, url = await stack.checkout("buy-1")
    _, same_id, same_url = await stack.checkout("buy-1", customer=customer)
    _, other_id, _ = await stack.checkout("buy-2", customer=customer)
    assert (same_id, same_url) == (session_id, url)
    assert other_id != session_id
    assert session_id.startswith("cs_test_")
    assert url == f"{stack.base}/pay/{session_id}"

    session = await stack.fake.get(session_id)
    assert session is not None
    assert_shaped(session, "checkout.session")
    assert (session["status"], session["payment_status"], session["mode"]) == ("open", "unpaid", "payment")
    assert session["metadata"] == META
    assert session["amount_total"] == 499

    with pytest.raises(StripeRejected, match="same parameters"):
        await stack.checkout("buy-1", customer=customer, save=False)

    # Concurrent requests with one key (a job retried while the first still runs) get one session.
    racing = await asyncio.gather(*(stack.checkout("buy-3", customer=customer) for _ in range(5)))
    assert len({session_id for _, session_id, _ in racing}) == 1


async def test_pay_page_completes_the_session_with_a_signed_event(stack: Stack) -> None:
    customer, session_id, url = await stack.checkout("buy-1")
    async with stack.http.get(url) as page:
        html = await page.text()
    assert page.status == 200
    assert "10 credits" in html
    assert "4.99 USD" in html
    assert "value='pay'" in html
    assert "value='decline'" in html

    paid = await stack.press(url, "pay")
    assert paid.status == 303
    assert paid.headers["Location"] == f"https://t.me/bot?start=paid_{session_id}"
    assert "checkout.session.completed" in stack.receiver.types()
    (session,) = stack.receiver.of("checkout.session.completed")
    assert (session["id"], session["status"], session["payment_status"]) == (session_id, "complete", "paid")
    assert session["metadata"] == META
    assert session["customer"] == customer

    intent = (await stack.fake.events("payment_intent.succeeded"))[-1].object
    assert intent["id"] == session["payment_intent"]
    assert intent["metadata"] == META
    assert intent["setup_future_usage"] == "off_session"
    charge = await stack.fake.get(intent["latest_charge"])
    assert charge is not None
    assert charge["paid"]
    assert charge["metadata"] == META
    event = (await stack.fake.events("checkout.session.completed"))[0]
    for obj, kind in [(intent, "payment_intent"), (charge, "charge"), (event.event, "event")]:
        assert_shaped(obj, kind)
    method = (await stack.fake.events("payment_method.attached"))[0].object
    assert_shaped(method, "payment_method")
    assert method["customer"] == customer

    # A second press (double click) pays nothing twice; a wrong secret fails verification.
    await stack.press(url, "pay")
    assert stack.receiver.types().count("checkout.session.completed") == 1
    body, headers = stack.fake.signed(event)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.decode(), headers["Stripe-Signature"], "whsec_other")


async def test_decline_keeps_the_session_open_and_reports_the_failure(stack: Stack) -> None:
    _, session_id, url = await stack.checkout("buy-1")
    declined = await stack.press(url, "decline")
    async with stack.http.get(url) as page:
        assert "value='pay'" in await page.text()
    assert declined.status == 200
    (failed,) = stack.receiver.of("payment_intent.payment_failed")
    assert failed["metadata"] == META
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["message"] == "Your card was declined."
    assert "checkout.session.completed" not in stack.receiver.types()
    session = await stack.fake.get(session_id)
    assert session is not None
    assert session["status"] == "open"

    # Paying afterwards succeeds on the same intent, as Checkout retries do.
    assert (await stack.press(url, "pay")).status == 303
    (completed,) = stack.receiver.of("checkout.session.completed")
    assert completed["payment_intent"] == failed["id"]


async def test_off_session_charges_succeed_then_decline(stack: Stack) -> None:
    customer, session_id, _ = await stack.checkout("buy-1")
    with pytest.raises(NoSavedCard):
        await stack.gateway.charge_off_session(customer_id=customer, amount=999, currency="usd",
                                               metadata=META, idempotency_key="recharge-0")
    await stack.fake.complete_session(session_id)

    payment = await stack.gateway.charge_off_session(customer_id=customer, amount=999, currency="USD",
                                                     metadata=META, idempotency_key="recharge-1")
    assert payment.status is IntentStatus.SUCCEEDED
    assert payment.amount == 999
    assert payment.charge_id
    assert payment.charge_id.startswith("ch_")
    assert stack.receiver.of("payment_intent.succeeded")[-1]["id"] == payment.id

    await stack.fake.set_card_declines(customer, decline_code="insufficient_funds")
    with pytest.raises(PaymentDeclined, match="insufficient funds") as declined:
        await stack.gateway.charge_off_session(customer_id=customer, amount=999, currency="usd",
                                               metadata=META, idempotency_key="recharge-2")
    assert declined.value.decline_code == "insufficient_funds"
    assert declined.value.code == "card_declined"
    (failed,) = stack.receiver.of("payment_intent.payment_failed")
    assert failed["id"] == declined.value.payment_intent_id
    assert failed["metadata"] == META

    # A retried job replays the answer of its key: declined again, nothing charged or sent twice.
    with pytest.raises(PaymentDeclined):
        await stack.gateway.charge_off_session(customer_id=customer, amount=999, currency="usd",
                                               metadata=META, idempotency_key="recharge-2")
    assert len(stack.receiver.of("payment_intent.payment_failed")) == 1

    await stack.fake.set_card_declines(customer, False)
    again = await stack.gateway.charge_off_session(customer_id=customer, amount=999, currency="usd",
                                                   metadata=META, idempotency_key="recharge-3")
    assert again.status is IntentStatus.SUCCEEDED


async def test_refunds_and_disputes_send_their_events(stack: Stack) -> None:
    _, session_id, _ = await stack.checkout("buy-1")
    session = await stack.fake.complete_session(session_id)
    intent = await stack.fake.get(session["payment_intent"])
    assert intent is not None
    charge_id = intent["latest_charge"]

    refund = await stack.fake.refund(charge_id, 100)
    assert_shaped(refund, "refund")
    (partial,) = stack.receiver.of("charge.refunded")
    assert (partial["amount_refunded"], partial["refunded"], partial["metadata"]) == (100, False, META)
    await stack.fake.refund(charge_id)
    assert stack.receiver.of("charge.refunded")[-1]["refunded"] is True
    with pytest.raises(StripeRefusal, match="already been refunded"):
        await stack.fake.refund(charge_id)

    _, other_id, _ = await stack.checkout("buy-2")
    other = await stack.fake.complete_session(other_id)
    other_intent = await stack.fake.get(other["payment_intent"])
    assert other_intent is not None
    dispute = await stack.fake.dispute(other_intent["latest_charge"])
    assert_shaped(dispute, "dispute")
    (created,) = stack.receiver.of("charge.dispute.created")
    assert created["charge"] == other_intent["latest_charge"]
    assert created["status"] == "needs_response"


async def test_subscription_starts_renews_and_cancels(stack: Stack) -> None:
    customer, session_id, _ = await stack.checkout("sub-1", mode="subscription")
    session = await stack.fake.complete_session(session_id)
    assert stack.receiver.types()[-1] == "checkout.session.completed"
    (sub,) = stack.receiver.of("customer.subscription.created")
    assert session["subscription"] == sub["id"]
    assert sub["metadata"] == META
    assert sub["status"] == "active"
    (first,) = stack.receiver.of("invoice.paid")
    assert first["billing_reason"] == "subscription_create"
    assert first["amount_paid"] == 499
    assert first["parent"]["subscription_details"] == {"metadata": META, "subscription": sub["id"]}
    for obj, kind in [(sub, "subscription"), (first, "invoice"),
                      (sub["items"]["data"][0]["price"], "price")]:
        assert_shaped(obj, kind)
    product = await stack.fake.get(sub["items"]["data"][0]["price"]["product"])
    assert product is not None
    assert_shaped(product, "product")

    renewal = await stack.fake.renew_subscription(sub["id"])
    assert stack.receiver.of("invoice.paid")[-1]["id"] == renewal["id"]
    assert renewal["billing_reason"] == "subscription_cycle"
    assert renewal["status"] == "paid"
    assert renewal["period_start"] == sub["items"]["data"][0]["current_period_end"]

    await stack.fake.set_card_declines(customer)
    failed = await stack.fake.renew_subscription(sub["id"])
    assert stack.receiver.of("invoice.payment_failed")[-1]["id"] == failed["id"]
    assert stack.receiver.of("customer.subscription.updated")[-1]["status"] == "past_due"

    canceled = await stack.gateway.cancel_subscription(sub["id"])
    assert canceled.status == "canceled"
    assert canceled.canceled_at
    (deleted,) = stack.receiver.of("customer.subscription.deleted")
    assert deleted["id"] == sub["id"]
    assert deleted["status"] == "canceled"
    # Canceling again (a retried job) changes nothing and sends nothing.
    assert (await stack.gateway.cancel_subscription(sub["id"])).status == "canceled"
    assert len(stack.receiver.of("customer.subscription.deleted")) == 1


async def test_portal_session_opens_a_page_that_cancels(stack: Stack) -> None:
    customer, session_id, _ = await stack.checkout("sub-1", mode="subscription")
    await stack.fake.complete_session(session_id)
    url = await stack.gateway.create_portal_session(customer, "https://t.me/bot")
    assert url.startswith(f"{stack.base}/portal/bps_")
    portal_id = url.rsplit("/", 1)[1]
    portal = await stack.fake.get(portal_id)
    assert portal is not None
    assert_shaped(portal, "billing_portal.session")
    async with stack.http.get(url) as page:
        html = await page.text()
    assert "Cancel" in html
    assert "https://t.me/bot" in html
    sub_id = stack.receiver.of("customer.subscription.created")[0]["id"]
    async with stack.http.post(url, data={"subscription": sub_id}) as done:
        assert done.status == 200
        assert "canceled" in await done.text()
    assert stack.receiver.of("customer.subscription.deleted")[0]["id"] == sub_id


async def test_collect_only_lets_tests_post_events_themselves(stack: Stack) -> None:
    await stack.fake.set_delivery(False)
    _, session_id, _ = await stack.checkout("buy-1")
    await stack.fake.complete_session(session_id)
    assert stack.receiver.events == []
    (completed,) = await stack.fake.events("checkout.session.completed")
    assert completed.delivered_at is None
    assert completed.object["id"] == session_id

    body, headers = stack.fake.signed(completed)
    for _ in range(2):  # a duplicate delivery, as Stripe may send
        async with stack.http.post(stack.receiver.url, data=body, headers=headers) as posted:
            assert posted.status == 200
    assert [e.id for e in stack.receiver.events] == [completed.id, completed.id]

    await stack.fake.set_delivery(True)
    assert await stack.fake.deliver_pending() == len(await stack.fake.events())
    assert all(e.delivered_at is not None for e in await stack.fake.events())


async def test_unknown_endpoints_parameters_and_keys_are_refused(stack: Stack) -> None:
    auth = {"Authorization": "Bearer sk_test_fake"}
    async with stack.http.get(f"{stack.base}/v1/nothing_here", headers=auth) as response:
        body = await response.json()
    assert response.status == 404
    assert body["error"]["type"] == "invalid_request_error"
    assert "Unrecognized request URL" in body["error"]["message"]
    async with stack.http.post(f"{stack.base}/v1/customers", data={"nmae": "Ada"}, headers=auth) as response:
        body = await response.json()
    assert response.status == 400
    assert body["error"]["param"] == "nmae"

    lost = StripeGateway("sk_test_fake", api_base=f"{stack.base}/elsewhere", max_network_retries=0)
    unauthorized = StripeGateway("pk_test_public", api_base=stack.base, max_network_retries=0)
    down = StripeGateway("sk_test_fake", api_base="http://127.0.0.1:9", max_network_retries=0)
    try:
        with pytest.raises(StripeRejected) as rejected:
            await lost.ensure_customer(42, "Ada", None)
        assert rejected.value.http_status == 404
        with pytest.raises(StripeRejected):
            await unauthorized.ensure_customer(42, "Ada", None)
        with pytest.raises(StripeUnavailable):
            await down.ensure_customer(42, "Ada", None)
    finally:
        for gateway in (lost, unauthorized, down):
            await gateway.close()


async def test_mounted_under_a_prefix_its_urls_carry_the_prefix(db_pool: asyncpg.Pool) -> None:
    web_app = web.Application()  # as the web process mounts it in sandbox mode
    web_app.add_subapp("/fake-stripe", build_fake_stripe_app(db_pool, webhook_secret=SECRET,
                                                              webhook_url=None))
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("/fake-stripe"))
    gateway = StripeGateway("sk_test_fake", api_base=base, max_network_retries=0)
    try:
        customer = await gateway.ensure_customer(7, "Bo", None)
        link = await gateway.create_checkout_session(
            customer_id=customer, mode="payment", amount=999, currency="usd", product_name="25 credits",
            recurring_interval=None, metadata={}, success_url="https://t.me/bot", cancel_url="https://t.me/bot",
            idempotency_key="k", save_payment_method=False,
        )
        assert link.url == f"{base}/pay/{link.session_id}"
        async with aiohttp.ClientSession() as http:
            async with http.post(link.url, data={"action": "pay"}, allow_redirects=False) as paid:
                assert paid.status == 303
                assert paid.headers["Location"] == "https://t.me/bot"
            async with http.get(f"{base}/v1/nope", headers={"Authorization": "Bearer sk_x"}) as nope:
                assert nope.status == 404
                assert (await nope.json())["error"]["type"] == "invalid_request_error"
        # Paid without keeping the card: nothing to charge later.
        with pytest.raises(NoSavedCard):
            await gateway.charge_off_session(customer_id=customer, amount=999, currency="usd", metadata={},
                                             idempotency_key="k2")
    finally:
        await gateway.close()
        await server.close()


async def test_events_are_listed_newest_first_by_type_and_time_and_paged(stack: Stack) -> None:
    for telegram_id in (7, 8, 9):
        await stack.gateway.ensure_customer(telegram_id, f"Ada {telegram_id}", None)
    everything = await stack.fake.events()
    customers = [e.id for e in everything if e.type == "customer.created"]
    assert len(customers) == 3
    pages = [page async for page in stack.gateway.events.pages(["customer.created"], created_gte=0,
                                                               created_lte=2**40)]
    assert [e["id"] for page in pages for e in page] == list(reversed(customers))
    # The webhook's own shape: what the billing job is given either way.
    assert pages[0][0]["type"] == "customer.created"
    assert pages[0][0]["data"]["object"]["object"] == "customer"
    # A window that excludes them.
    future = [page async for page in stack.gateway.events.pages(["customer.created"], created_gte=2**39,
                                                                created_lte=2**40)]
    assert future == []
    # Paged by one, newest first.
    auth = {"Authorization": "Bearer sk_test_fake"}
    newest, older = everything[-1].id, everything[-2].id
    async with stack.http.get(f"{stack.base}/v1/events?limit=1", headers=auth) as r:
        page = await r.json()
    assert ([e["id"] for e in page["data"]], page["has_more"]) == ([newest], True)
    async with stack.http.get(f"{stack.base}/v1/events?limit=1&starting_after={newest}", headers=auth) as r:
        assert [e["id"] for e in (await r.json())["data"]] == [older]
    for bad in ("limit=101", "starting_after=evt_unknown", "created[gte]=soon", "types[0]=", "colour=red"):
        async with stack.http.get(f"{stack.base}/v1/events?{bad}", headers=auth) as r:
            assert r.status == 400, bad
