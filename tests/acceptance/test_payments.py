"""Payments end to end: Stripe (the fake, over HTTP) and Telegram Stars into one credit ledger.

Updates go through the ingress, Stripe's events are posted to it signed by the
fake Stripe, real workers drain the queues, and the checks read the database
and what the fake Telegram received.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.accounts import language, ledger
from core.billing import auto_recharge, texts
from core.delivery.effects import Effects
from core.jobs.processed import Source
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as ADMIN
from core.sandbox.stripe import FakeStripe, SentEvent
from tests import builders
from tests.builders import Person
from tests.harness import System
from workers import billing
from workers.runtime import apply_once

#: Maria with an English Telegram: these tests read the payments texts in English.
MARIA = dataclasses.replace(builders.MARIA, language_code="en")
_charge_ids = itertools.count(1)


# --- helpers ---

def _stripe(system: System) -> FakeStripe:
    assert system.fake_stripe is not None
    return system.fake_stripe


async def _user(system: System, person: Person = MARIA) -> Any:
    return await system.pool.fetchrow("SELECT * FROM users WHERE telegram_id = $1", person.id)


async def _setting(system: System, key: str, value: object) -> None:
    await system.pool.execute(
        "INSERT INTO bot_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
        key, value)


async def _ledger(system: System) -> list[tuple[str, int]]:
    rows = await system.pool.fetch("SELECT reason, delta FROM credit_ledger ORDER BY id")
    return [(r["reason"], r["delta"]) for r in rows]


async def _texts(system: System, chat_id: int = MARIA.id) -> list[str]:
    return [m["text"] or "" for m in await system.sent(chat_id)]


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in (message["reply_markup"] or {}).get("inline_keyboard", []) for b in row]


async def _checkout(system: System, command: str = "/buy25") -> tuple[str, Any]:
    """Ask for a card payment; (session id, transaction row) once the link was sent."""
    await system.write(builders.private_text(MARIA, command))
    t = await system.pool.fetchrow("SELECT * FROM transactions ORDER BY id DESC LIMIT 1")
    assert t["status"] == "pending"
    assert t["external_id"].startswith("cs_test_")
    link = (await system.sent(MARIA.id))[-1]
    [button] = _buttons(link)
    assert button["url"].endswith(f"/fake-stripe/pay/{t['external_id']}")
    return str(t["external_id"]), t


async def _pay(system: System, session_id: str) -> None:
    await _stripe(system).complete_session(session_id)
    await system.drain_scheduled()


async def _charge_of(system: System, session_id: str) -> str:
    session = await _stripe(system).get(session_id)
    assert session is not None
    intent = await _stripe(system).get(session["payment_intent"])
    assert intent is not None
    return str(intent["latest_charge"])


async def _post_event(system: System, event: SentEvent | dict[str, Any], *, timestamp: int | None = None,
                      fake: FakeStripe | None = None) -> int:
    body, headers = (fake or _stripe(system)).signed(event, timestamp=timestamp)
    async with system.http.post(f"{system.base_url}/webhooks/stripe", data=body, headers=headers) as r:
        return r.status


async def _one_event(system: System, event_type: str) -> SentEvent:
    [event] = await _stripe(system).events(event_type)
    return event


def _pre_checkout(
    person: Person, payload: str, amount: int, *, query_id: str | None = None,
) -> dict[str, Any]:
    return {"update_id": builders.next_update_id(), "pre_checkout_query": {
        "id": query_id or str(1763900400123456789 + next(_charge_ids)), "from": person.as_user(),
        "currency": "XTR", "total_amount": amount, "invoice_payload": payload}}


def _successful_payment(person: Person, payload: str, amount: int, charge_id: str) -> dict[str, Any]:
    update = builders.private_text(person, "")
    message = update["message"]
    del message["text"]
    message["successful_payment"] = {
        "currency": "XTR", "total_amount": amount, "invoice_payload": payload,
        "telegram_payment_charge_id": charge_id, "provider_payment_charge_id": ""}
    return update


async def _started(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))


# --- Stripe: the purchase ---

async def test_card_purchase_grants_confirms_and_releases_held_messages(system: System) -> None:
    await _setting(system, "message_cost", 2)
    await _started(system)
    await system.write(builders.private_text(MARIA, "first"), builders.private_text(MARIA, "second"))
    assert (await _user(system))["credits"] == 1  # "second" is held
    session_id, t = await _checkout(system)
    assert "Pay for <b>25 credits</b>" not in (await system.sent(MARIA.id))[-1]["text"]  # HTML is rendered
    assert "Pay for 25 credits: $9.99" in (await system.sent(MARIA.id))[-1]["text"]

    await _pay(system, session_id)

    user = await _user(system)
    assert (user["credits"], user["tier"]) == (24, "paying")
    assert user["stripe_customer_id"] is not None
    assert await _ledger(system) == [("signup_bonus", 3), ("message", -2), ("purchase", 25), ("message", -2)]
    grant = await system.pool.fetchrow("SELECT * FROM credit_ledger WHERE reason = 'purchase'")
    assert (grant["idempotency_key"], grant["transaction_id"]) == (f"stripe:{session_id}", t["id"])
    paid = await system.pool.fetchrow("SELECT * FROM transactions WHERE id = $1", t["id"])
    assert (paid["status"], paid["rail"]) == ("succeeded", "stripe")
    assert (paid["amount"], paid["currency"]) == (999, "usd")
    assert paid["stripe_payment_intent"].startswith("pi_")
    texts = await _texts(system)
    assert any("Payment received: +25 credits. Balance: 26 credits." in x for x in texts)
    topic = [m["text"] for m in await system.sent(ADMIN) if m["thread_id"] and m["kind"] == "text"]
    assert topic[-2:] == ["first", "second"]
    outcome = await system.pool.fetchval(
        "SELECT outcome FROM stripe_events WHERE type = 'checkout.session.completed'")
    assert outcome == "applied"


async def test_catalog_marks_popular_and_best_value_and_offers_both_rails(system: System) -> None:
    await _started(system)
    await system.write(builders.private_text(MARIA, "/buy"))
    catalog = (await system.sent(MARIA.id))[-1]
    assert "• 25 credits — $9.99 · ⭐ 500 · 🔥 Most popular" in catalog["text"]
    assert "• 100 credits — $29.99 · ⭐ 1500 · 💎 Best value" in catalog["text"]
    assert "$39.99/month" in catalog["text"]
    data = [b["callback_data"] for b in _buttons(catalog)]
    assert data[:4] == ["pay:stripe:pack10", "pay:stars:pack10", "pay:stripe:pack25", "pay:stars:pack25"]
    labels = [b["text"] for b in _buttons(catalog)]
    assert "🔥 25 credits · $9.99" in labels
    assert "💎 100 credits · $29.99" in labels

    # A buy button without a rail asks which one.
    await system.write(builders.callback(MARIA, "buy:pack50"))
    choice = (await system.sent(MARIA.id))[-1]
    assert [b["callback_data"] for b in _buttons(choice)] == ["pay:stripe:pack50", "pay:stars:pack50"]


async def test_main_menu_payment_buttons(system: System) -> None:
    await _started(system)
    await system.write(builders.callback(MARIA, "menu:buy"))
    assert (await _texts(system))[-1].startswith("Top up")
    await system.write(builders.callback(MARIA, "menu:history"))
    assert (await _texts(system))[-1].startswith("Your history")
    await system.write(builders.callback(MARIA, "menu:billing"))
    assert "billing portal" in (await _texts(system))[-1]
    answered = [a for a in await system.model.query_answers() if a.kind == "callback_query"]
    assert len(answered) == 3


async def test_terms_and_paysupport(system: System) -> None:
    await _started(system)
    await system.write(builders.private_text(MARIA, "/terms"), builders.private_text(MARIA, "/paysupport"))
    texts = await _texts(system)
    assert texts[-2].startswith("Terms")
    assert texts[-1].startswith("Payment support")
    await _setting(system, "terms_text", "Our <rules>")
    await system.write(builders.private_text(MARIA, "/terms"))
    assert (await _texts(system))[-1] == "Our <rules>"
    assert await system.pool.fetchval("SELECT count(*) FROM messages") == 0  # commands are free


async def test_same_event_delivered_three_times_grants_once(system: System) -> None:
    await _started(system)
    session_id, _ = await _checkout(system)
    await _stripe(system).set_delivery(False)
    await _stripe(system).complete_session(session_id)
    completed = await _one_event(system, "checkout.session.completed")
    for _ in range(3):
        assert await _post_event(system, completed) == 200
    await system.drain_scheduled()

    assert (await _user(system))["credits"] == 28
    assert await _ledger(system) == [("signup_bonus", 3), ("purchase", 25)]
    assert sum("Payment received" in t for t in await _texts(system)) == 1
    assert await system.pool.fetchval(
        "SELECT count(*) FROM stripe_events WHERE type = 'checkout.session.completed'") == 1


async def test_async_payment_succeeded_after_completed_grants_once(system: System) -> None:
    await _started(system)
    session_id, _ = await _checkout(system)
    await _pay(system, session_id)
    completed = await _one_event(system, "checkout.session.completed")
    # The same session reported again by the delayed-payment event: no second grant.
    again = dict(completed.event, id="evt_async_1", type="checkout.session.async_payment_succeeded")
    assert await _post_event(system, again) == 200
    await system.drain_scheduled()
    assert (await _user(system))["credits"] == 28


async def test_forged_and_stale_signatures_are_rejected_and_change_nothing(system: System) -> None:
    await _started(system)
    session_id, t = await _checkout(system)
    await _stripe(system).set_delivery(False)
    await _stripe(system).complete_session(session_id)
    completed = await _one_event(system, "checkout.session.completed")
    forger = FakeStripe(system.pool, webhook_secret="whsec_forged", webhook_url=None)
    events_before = await system.pool.fetchval("SELECT count(*) FROM stripe_events")

    assert await _post_event(system, completed, fake=forger) == 400
    assert await _post_event(system, completed, timestamp=int(time.time()) - 3600) == 400
    await system.drain_scheduled()

    assert (await _user(system))["credits"] == 3
    assert await system.pool.fetchval("SELECT status FROM transactions WHERE id = $1", t["id"]) == "pending"
    assert await system.pool.fetchval("SELECT count(*) FROM stripe_events") == events_before
    assert await system.pool.fetchval(
        "SELECT count(*) FROM processed_updates WHERE source = 'stripe' AND key = $1", completed.id) == 0


async def test_refund_arriving_before_its_completion_is_applied_when_it_completes(system: System) -> None:
    await _started(system)
    session_id, t = await _checkout(system)
    await _stripe(system).set_delivery(False)
    await _stripe(system).complete_session(session_id)
    await _stripe(system).refund(await _charge_of(system, session_id))

    assert await _post_event(system, await _one_event(system, "charge.refunded")) == 200
    await system.drain_scheduled()
    row = await system.pool.fetchrow("SELECT * FROM transactions WHERE id = $1", t["id"])
    assert (row["status"], row["amount_refunded"]) == ("pending", 999)
    assert (await _user(system))["credits"] == 3

    assert await _post_event(system, await _one_event(system, "checkout.session.completed")) == 200
    await system.drain_scheduled()
    row = await system.pool.fetchrow("SELECT * FROM transactions WHERE id = $1", t["id"])
    assert (row["status"], row["credits_revoked"], row["refund_shortfall"]) == ("refunded", 25, 0)
    assert (await _user(system))["credits"] == 3
    assert await _ledger(system) == [("signup_bonus", 3), ("purchase", 25), ("refund", -25)]
    assert "A refund of $9.99 was made: 25 credits removed. Balance: 3 credits." in (await _texts(system))[-1]

    # The refund once more, late: nothing changes.
    assert await _post_event(system, await _one_event(system, "charge.refunded")) == 200
    await system.drain_scheduled()
    assert len(await _ledger(system)) == 3


async def test_refund_of_a_payment_not_known_yet_is_applied_once_it_is(system: System) -> None:
    await _started(system)
    session_id, t = await _checkout(system)
    await _stripe(system).set_delivery(False)
    await _stripe(system).complete_session(session_id)
    await _stripe(system).refund(await _charge_of(system, session_id))
    refunded = (await _one_event(system, "charge.refunded")).event
    # Without metadata, the charge names only its payment intent, unknown until the completion.
    charge = dict(refunded["data"]["object"], metadata={})
    bare = dict(refunded, id="evt_bare_refund", data={"object": charge})
    assert await _post_event(system, bare) == 200
    await system.drain_scheduled()
    assert await system.pool.fetchval("SELECT outcome FROM stripe_events WHERE id = 'evt_bare_refund'") == (
        "unmatched")

    assert await _post_event(system, await _one_event(system, "checkout.session.completed")) == 200
    await system.drain_scheduled()
    assert await _ledger(system) == [("signup_bonus", 3), ("purchase", 25), ("refund", -25)]
    assert await system.pool.fetchval("SELECT status FROM transactions WHERE id = $1", t["id"]) == "refunded"
    assert await system.pool.fetchval("SELECT outcome FROM stripe_events WHERE id = 'evt_bare_refund'") == (
        "applied")


async def test_refund_after_the_credits_were_spent_stops_at_zero_and_records_the_shortfall(
    system: System,
) -> None:
    await _started(system)
    session_id, t = await _checkout(system, "/buy10")
    await _pay(system, session_id)
    await _setting(system, "message_cost", 4)
    await system.write(*(builders.private_text(MARIA, f"m{i}") for i in range(3)))
    assert (await _user(system))["credits"] == 1

    await _stripe(system).refund(await _charge_of(system, session_id))
    await system.drain_scheduled()

    assert (await _user(system))["credits"] == 0
    row = await system.pool.fetchrow("SELECT * FROM transactions WHERE id = $1", t["id"])
    assert (row["status"], row["credits_revoked"], row["refund_shortfall"]) == ("refunded", 10, 9)
    assert (await _ledger(system))[-1] == ("refund", -1)
    alerts = [m["text"] for m in await system.sent(ADMIN) if m["thread_id"] is None and m["kind"] == "text"]
    assert any("Refund shortfall" in a and "9 credits" in a for a in alerts)


async def test_partial_refund_takes_back_its_share(system: System) -> None:
    await _started(system)
    session_id, t = await _checkout(system, "/buy100")
    await _pay(system, session_id)
    charge = await _charge_of(system, session_id)
    await _stripe(system).refund(charge, amount=1000)  # a third of $29.99
    await system.drain_scheduled()
    assert (await _user(system))["credits"] == 103 - 33
    assert await system.pool.fetchval("SELECT status FROM transactions WHERE id = $1", t["id"]) == (
        "partially_refunded")
    await _stripe(system).refund(charge)  # the rest
    await system.drain_scheduled()
    assert (await _user(system))["credits"] == 3


async def test_dispute_alerts_operators_and_flags_the_user(system: System) -> None:
    await _started(system)
    session_id, t = await _checkout(system)
    await _pay(system, session_id)
    await _stripe(system).dispute(await _charge_of(system, session_id))
    await system.drain_scheduled()

    assert (await _user(system))["flagged_at"] is not None
    assert await system.pool.fetchval("SELECT status FROM transactions WHERE id = $1", t["id"]) == "disputed"
    alerts = [m["text"] for m in await system.sent(ADMIN) if m["thread_id"] is None and m["kind"] == "text"]
    assert any("Dispute opened" in a and "$9.99" in a and "fraudulent" in a for a in alerts)


async def test_declined_card_tells_the_user_with_a_retry_button(system: System) -> None:
    await _started(system)
    session_id, t = await _checkout(system)
    await _stripe(system).decline_session(session_id, "insufficient_funds")
    await system.drain_scheduled()

    notice = (await system.sent(MARIA.id))[-1]
    assert "did not go through: Your card has insufficient funds." in notice["text"]
    assert [b["callback_data"] for b in _buttons(notice)] == ["buy:pack25"]
    row = await system.pool.fetchrow("SELECT * FROM transactions WHERE id = $1", t["id"])
    assert (row["status"], row["failure"]) == ("failed", "Your card has insufficient funds.")

    # Paying on the same page afterwards still grants.
    await _pay(system, session_id)
    assert (await _user(system))["credits"] == 28


async def test_event_for_an_unknown_user_is_recorded_and_surfaced(system: System) -> None:
    await _started(system)
    event = {"id": "evt_stranger", "object": "event", "type": "checkout.session.completed", "created": 1,
             "data": {"object": {"id": "cs_test_stranger", "object": "checkout.session", "mode": "payment",
                                 "payment_status": "paid",
                                 "metadata": {"telegram_id": "999", "transaction_id": "77"}}}}
    assert await _post_event(system, event) == 200
    await system.drain_scheduled()
    row = await system.pool.fetchrow("SELECT * FROM stripe_events WHERE id = 'evt_stranger'")
    assert row["outcome"] == "unmatched"
    assert row["object"]["id"] == "cs_test_stranger"
    alerts = [m["text"] for m in await system.sent(ADMIN)]
    assert any("Unmatched payment event" in a and "evt_stranger" in a for a in alerts)
    assert (await _user(system))["credits"] == 3


# --- Stars ---

async def _stars_invoice(system: System) -> tuple[str, int]:
    invoice = (await system.sent(MARIA.id))[-1]
    assert invoice["kind"] == "invoice"
    t = await system.pool.fetchrow("SELECT * FROM transactions WHERE rail = 'stars' ORDER BY id DESC LIMIT 1")
    assert (t["status"], t["currency"]) == ("pending", "XTR")
    return f"tx:{t['id']}", int(t["amount"])


async def test_stars_purchase_from_the_catalog(system: System) -> None:
    await _setting(system, "stripe_enabled", False)
    await _started(system)
    await system.write(builders.private_text(MARIA, "/buy"))
    catalog = (await system.sent(MARIA.id))[-1]
    assert all(b["callback_data"].startswith("pay:stars:") for b in _buttons(catalog))
    await system.write(builders.callback(MARIA, "buy:pack25"))
    payload, amount = await _stars_invoice(system)
    assert amount == 500

    await system.write(_pre_checkout(MARIA, payload, amount, query_id="9001"))
    answers = {a.query_id: a for a in await system.model.query_answers()}
    assert answers["9001"].ok

    await system.write(_successful_payment(MARIA, payload, amount, "stxPaid1"))
    user = await _user(system)
    assert (user["credits"], user["tier"]) == (28, "paying")
    grant = await system.pool.fetchrow("SELECT * FROM credit_ledger WHERE reason = 'purchase'")
    assert grant["idempotency_key"] == "stars:stxPaid1"
    t = await system.pool.fetchrow("SELECT * FROM transactions WHERE id = $1", grant["transaction_id"])
    assert (t["status"], t["external_id"], t["rail"]) == ("succeeded", "stxPaid1", "stars")
    assert "Payment received: +25 credits. Balance: 28 credits." in (await _texts(system))[-1]

    # The invoice cannot be paid a second time.
    await system.write(_pre_checkout(MARIA, payload, amount, query_id="9002"))
    answers = {a.query_id: a for a in await system.model.query_answers()}
    assert not answers["9002"].ok


async def test_stars_pre_checkout_refuses_a_changed_price_or_a_banned_user(system: System) -> None:
    await _started(system)
    await system.write(builders.callback(MARIA, "pay:stars:pack10"))
    payload, amount = await _stars_invoice(system)
    await system.pool.execute("UPDATE products SET stars_amount = 300 WHERE code = 'pack10'")
    await system.write(_pre_checkout(MARIA, payload, amount, query_id="9101"))
    await system.pool.execute("UPDATE products SET stars_amount = 250 WHERE code = 'pack10'")
    await system.pool.execute("UPDATE users SET is_banned = true")
    await system.write(_pre_checkout(MARIA, payload, amount, query_id="9102"))
    await system.pool.execute("UPDATE users SET is_banned = false")
    await system.pool.execute("UPDATE products SET active = false WHERE code = 'pack10'")
    await system.write(_pre_checkout(MARIA, payload, amount, query_id="9103"))
    answers = {a.query_id: a for a in await system.model.query_answers()}
    assert not answers["9101"].ok
    assert "price has changed" in (answers["9101"].text or "")
    assert "not available for your account" in (answers["9102"].text or "")
    assert "no longer available" in (answers["9103"].text or "")
    assert (await _user(system))["credits"] == 3


async def test_stars_payment_delivered_twice_grants_once(system: System) -> None:
    await _started(system)
    await system.write(builders.callback(MARIA, "pay:stars:pack10"))
    payload, amount = await _stars_invoice(system)
    paid = _successful_payment(MARIA, payload, amount, "stxTwice")
    await system.write(paid, paid)
    assert (await _user(system))["credits"] == 13


# --- auto-recharge ---

async def _debit(system: System, credits: int, key: str) -> None:
    """A debit as the relay makes it, followed by its auto-recharge hook."""
    user_id = (await _user(system))["id"]

    async def debit(tx: Effects) -> None:
        change = await ledger.apply(tx.conn, user_id, -credits, reason="message", key=key)
        assert change.balance is not None
        await auto_recharge.after_debit(tx, user_id, change.balance)
        await auto_recharge.after_debit(tx, user_id, change.balance)  # at most one in flight

    assert system.container is not None
    await apply_once(system.container, Source.INTERNAL, key, debit)
    await system.drain_scheduled()


async def _card_customer(system: System) -> str:
    await _started(system)
    session_id, _ = await _checkout(system, "/buy10")
    await _pay(system, session_id)
    await system.write(builders.private_text(MARIA, "/autorecharge pack10 5"))
    user = await _user(system)
    assert user["auto_recharge_enabled"]
    assert (user["auto_recharge_threshold"], user["credits"]) == (5, 13)
    return str(user["stripe_customer_id"])


async def test_auto_recharge_charges_the_saved_card_when_the_balance_drops(system: System) -> None:
    await _card_customer(system)
    await _debit(system, 9, "debit:1")

    recharges = await system.pool.fetch("SELECT * FROM transactions WHERE kind = 'auto_recharge'")
    assert len(recharges) == 1
    assert recharges[0]["status"] == "succeeded"
    assert recharges[0]["idempotency_key"] == f"auto_recharge:{(await _user(system))['id']}:internal:debit:1"
    assert (await _user(system))["credits"] == 14
    assert (await _ledger(system))[-1] == ("auto_recharge", 10)
    key = await system.pool.fetchval("SELECT idempotency_key FROM credit_ledger ORDER BY id DESC LIMIT 1")
    assert key == f"stripe:{recharges[0]['external_id']}"
    assert "Auto-recharge: +10 credits for $4.99" in (await _texts(system))[-1]

    # Above the threshold again: the next debit does not recharge.
    await _debit(system, 1, "debit:2")
    assert await system.pool.fetchval("SELECT count(*) FROM transactions WHERE kind = 'auto_recharge'") == 1


async def test_auto_recharge_failure_turns_it_off_and_says_why(system: System) -> None:
    customer = await _card_customer(system)
    await _stripe(system).set_card_declines(customer, decline_code="insufficient_funds")
    await _debit(system, 9, "debit:1")

    user = await _user(system)
    assert (user["credits"], user["auto_recharge_enabled"]) == (4, False)
    t = await system.pool.fetchrow("SELECT * FROM transactions WHERE kind = 'auto_recharge'")
    assert (t["status"], t["failure"]) == ("failed", "Your card has insufficient funds.")
    assert t["stripe_payment_intent"].startswith("pi_")
    texts = await _texts(system)
    assert sum("Auto-recharge failed" in x for x in texts) == 1
    assert "Your card has insufficient funds." in texts[-1]
    await _debit(system, 1, "debit:2")
    assert await system.pool.fetchval("SELECT count(*) FROM transactions WHERE kind = 'auto_recharge'") == 1


async def test_auto_recharge_needs_a_card_payment_first(system: System) -> None:
    await _started(system)
    await system.write(builders.private_text(MARIA, "/autorecharge pack10 5"))
    assert "Buy a pack by card first" in (await _texts(system))[-1]
    assert not (await _user(system))["auto_recharge_enabled"]


async def test_auto_recharge_menu_buttons(system: System) -> None:
    await _card_customer(system)
    await system.write(builders.callback(MARIA, "ar:off"))
    assert not (await _user(system))["auto_recharge_enabled"]
    await system.write(builders.private_text(MARIA, "/autorecharge"))
    menu = (await system.sent(MARIA.id))[-1]
    assert "ar:p:pack25" in [b["callback_data"] for b in _buttons(menu)]
    await system.write(builders.callback(MARIA, "ar:p:pack25"))
    thresholds = [b["callback_data"] for b in _buttons((await system.sent(MARIA.id))[-1])]
    assert "ar:on:pack25:10" in thresholds
    await system.write(builders.callback(MARIA, "ar:on:pack25:10"))
    user = await _user(system)
    assert (user["auto_recharge_enabled"], user["auto_recharge_threshold"]) == (True, 10)


# --- subscriptions ---

async def test_subscription_renewal_and_cancellation(system: System) -> None:
    await _started(system)
    await system.write(builders.callback(MARIA, "pay:stripe:pass_month"))
    t = await system.pool.fetchrow("SELECT * FROM transactions ORDER BY id DESC LIMIT 1")
    assert (t["kind"], t["amount"]) == ("subscription", 3999)
    assert "Subscribe to" in (await _texts(system))[-1]
    await _pay(system, str(t["external_id"]))

    t = await system.pool.fetchrow("SELECT * FROM transactions WHERE id = $1", t["id"])
    assert t["status"] == "succeeded"
    sub_id = t["stripe_subscription"]
    sub = await system.pool.fetchrow("SELECT * FROM subscriptions WHERE id = $1", sub_id)
    assert sub["status"] == "active"
    user = await _user(system)
    assert user["pass_expires_at"] == sub["current_period_end"] + timedelta(days=1)
    assert user["credits"] == 3  # a pass, not credits
    assert "Payment received: Month pass active until" in (await _texts(system))[-1]

    await _stripe(system).renew_subscription(sub_id)
    await system.drain_scheduled()
    sub = await system.pool.fetchrow("SELECT * FROM subscriptions WHERE id = $1", sub_id)
    renewed = await _user(system)
    assert renewed["pass_expires_at"] == sub["current_period_end"] + timedelta(days=1)
    assert renewed["pass_expires_at"] > user["pass_expires_at"] + timedelta(days=27)
    renewal = await system.pool.fetchrow("SELECT * FROM transactions WHERE kind = 'renewal'")
    assert (renewal["status"], renewal["amount"]) == ("succeeded", 3999)
    assert renewal["stripe_subscription"] == sub_id
    assert "renewed" in (await _texts(system))[-1]
    grants = await system.pool.fetch("SELECT reason, idempotency_key FROM pass_grants ORDER BY id")
    assert [g["reason"] for g in grants] == ["purchase", "renewal"]

    await _stripe(system).cancel_subscription(sub_id)
    await system.drain_scheduled()
    sub = await system.pool.fetchrow("SELECT * FROM subscriptions WHERE id = $1", sub_id)
    assert sub["status"] == "canceled"
    canceled = await _user(system)
    assert canceled["pass_expires_at"] == sub["current_period_end"]  # the paid period, no grace
    assert "subscription was canceled" in (await _texts(system))[-1]

    # A late "updated" event does not revive it.
    updated = (await _stripe(system).events("customer.subscription.updated"))[-1]
    assert await _post_event(system, dict(updated.event, id="evt_late_update")) == 200
    await system.drain_scheduled()
    assert await system.pool.fetchval("SELECT status FROM subscriptions") == "canceled"


async def test_refunded_pass_loses_its_time(system: System) -> None:
    await _started(system)
    await system.write(builders.callback(MARIA, "pay:stripe:pass_week"))
    t = await system.pool.fetchrow("SELECT * FROM transactions ORDER BY id DESC LIMIT 1")
    assert (t["kind"], t["pass_days"], t["credits"]) == ("purchase", 7, 0)
    session_id = str(t["external_id"])
    await _pay(system, session_id)
    bought = (await _user(system))["pass_expires_at"]
    charge = await _charge_of(system, session_id)

    await _stripe(system).refund(charge, amount=750)  # half of $14.99
    await system.drain_scheduled()
    half = (await _user(system))["pass_expires_at"]
    assert bought - half == timedelta(seconds=7 * 86400 * 750 // 1499)  # its share: about 3.5 days

    await _stripe(system).refund(charge)
    await system.drain_scheduled()
    user = await _user(system)
    assert user["pass_expires_at"] <= await system.pool.fetchval("SELECT now()")
    assert user["credits"] == 3
    reasons = [r["reason"] for r in await system.pool.fetch("SELECT reason FROM pass_grants ORDER BY id")]
    assert reasons == ["purchase", "refund", "refund"]
    assert await system.pool.fetchval("SELECT status FROM transactions WHERE id = $1", t["id"]) == "refunded"
    assert "A refund of $14.99 was made" in (await _texts(system))[-1]


async def test_pass_bought_once_with_stars(system: System) -> None:
    await _started(system)
    await system.write(builders.callback(MARIA, "pay:stars:pass_week"))
    payload, amount = await _stars_invoice(system)
    await system.write(_successful_payment(MARIA, payload, amount, "stxWeek"))
    user = await _user(system)
    row = await system.pool.fetchrow("SELECT * FROM pass_grants")
    assert row["seconds"] == 7 * 86400
    assert user["pass_expires_at"] == row["expires_after"]
    assert user["credits"] == 3


# --- /billing and /history ---

async def test_billing_portal_link_with_one_customer(system: System) -> None:
    await _started(system)
    await system.write(builders.private_text(MARIA, "/billing"))
    first = (await system.sent(MARIA.id))[-1]
    [button] = _buttons(first)
    assert "/fake-stripe/portal/bps_" in button["url"]
    customer = (await _user(system))["stripe_customer_id"]
    assert customer.startswith("cus_")
    await system.write(builders.private_text(MARIA, "/billing"))
    assert (await _user(system))["stripe_customer_id"] == customer
    assert len([m for m in await system.sent(MARIA.id) if "billing portal" in (m["text"] or "")]) == 2
    session_id, _ = await _checkout(system)
    session = await _stripe(system).get(session_id)
    assert session is not None
    assert session["customer"] == customer


async def test_history_pages_totals_and_csv(system: System) -> None:
    await _started(system)
    session_id, _ = await _checkout(system, "/buy10")
    await _pay(system, session_id)
    await system.write(*(builders.private_text(MARIA, f"m{i}") for i in range(9)))
    await system.write(builders.private_text(MARIA, "/history"))
    await system.drain_scheduled(within=15)  # nine confirmations wait for the chat's 1/s
    [page] = [m for m in await system.sent(MARIA.id) if (m["text"] or "").startswith("Your history")]
    assert "Credits bought: 10 · spent: 9" in page["text"]
    assert "Paid: $4.99" in page["text"]
    assert "Messages sent: 9 · 9.0 a day" in page["text"]
    assert page["text"].count("message sent") == 8  # a page holds 8 entries
    assert [b["callback_data"] for b in _buttons(page)] == ["hist:1", "hist:csv"]

    older_page = builders.callback(MARIA, "hist:1")
    older_page["callback_query"]["message"]["message_id"] = page["message_id"]
    await system.write(older_page)
    older = await system.model.message(MARIA.id, page["message_id"])
    assert older is not None
    assert older.text is not None
    assert "bought ($4.99)" in older.text
    assert "welcome bonus" in older.text

    await system.write(builders.callback(MARIA, "hist:csv"))
    await system.drain_scheduled(within=15)
    # Sent through the outbox, as everything else: one row, delivered.
    [row] = await system.pool.fetch("SELECT * FROM outbox WHERE method = 'sendDocument'")
    assert (row["chat_id"], row["status"]) == (MARIA.id, "sent")
    csv_text = row["params"]["document_text"]
    assert csv_text.startswith("date_utc,type,change,balance_after,")
    assert csv_text.count("\n") == 1 + 11  # the header; the bonus, the pack, nine messages
    [document] = [m for m in await system.sent(MARIA.id) if m["kind"] == "document"]
    async with system.pool.acquire() as conn:
        lang = await language.of_telegram_id(conn, MARIA.id)
    assert document["text"] == texts.history_export_caption(lang=lang)  # in the user's language
    stored = await system.model.message(MARIA.id, document["message_id"])
    assert stored is not None
    assert stored.extra["document"]["file_name"] == "history.csv"
    assert stored.extra["document"]["file_size"] == len(csv_text.encode("utf-8"))
    assert row["result"] == {"message_id": document["message_id"]}

    # Exactly once: the same request run again (a retried job) sends nothing more.
    [job] = await system.pool.fetch(
        "SELECT args FROM procrastinate_jobs WHERE task_name = 'billing.export_history'")
    assert system.container is not None
    await billing.run_export(system.container, job["args"]["user_id"], job["args"]["cause"])
    await system.drain_scheduled()
    assert await system.pool.fetchval("SELECT count(*) FROM outbox WHERE method = 'sendDocument'") == 1
    assert len([m for m in await system.sent(MARIA.id) if m["kind"] == "document"]) == 1


async def test_buying_is_refused_to_a_banned_user(system: System) -> None:
    await _started(system)
    await system.pool.execute("UPDATE users SET is_banned = true")
    await system.write(builders.private_text(MARIA, "/buy25"))
    assert (await _texts(system))[-1] == "Purchases are not available for your account."
    assert await system.pool.fetchval("SELECT count(*) FROM transactions") == 0


async def test_buying_in_the_users_language(system: System) -> None:
    """Her Telegram language (pt-br) picks the texts; a language chosen with /language wins over it."""
    ana = builders.MARIA
    await system.write(builders.private_text(ana, "/start"), builders.private_text(ana, "/buy"))
    catalog = (await system.sent(ana.id))[-1]
    assert catalog["text"].startswith("Recarregar\nSaldo: 3 créditos · cada mensagem custa 1 crédito.")
    assert "• 25 credits — $9.99 · ⭐ 500 · 🔥 Mais popular\n  25 créditos para mensagens" in catalog["text"]
    assert "$39.99/mês" in catalog["text"]
    assert "🔥 25 credits · $9.99" in [b["text"] for b in _buttons(catalog)]

    await system.write(builders.callback(ana, "pay:stripe:pack25"))
    link = (await system.sent(ana.id))[-1]
    assert link["text"].startswith("💳 Pagar 25 credits: $9.99\nToque no botão")
    assert [b["text"] for b in _buttons(link)] == ["Pagar $9.99"]
    session_id = await system.pool.fetchval("SELECT external_id FROM transactions WHERE rail = 'stripe'")
    await _pay(system, session_id)
    assert "✅ Pagamento recebido: +25 créditos. Saldo: 28 créditos." in await _texts(system, ana.id)

    await system.pool.execute("UPDATE users SET language = 'uk' WHERE telegram_id = $1", ana.id)
    await system.write(builders.callback(ana, "pay:stars:pack10"))
    invoice = (await system.sent(ana.id))[-1]
    stored = await system.model.message(ana.id, invoice["message_id"])
    assert stored is not None
    assert stored.extra["invoice"]["description"] == "10 credits: 10 кредитів на повідомлення."
    payload, amount = await _stars_invoice(system)
    await system.pool.execute("UPDATE products SET stars_amount = 300 WHERE code = 'pack10'")
    await system.write(_pre_checkout(ana, payload, amount, query_id="9201"))
    answers = {a.query_id: a for a in await system.model.query_answers()}
    # Plain text, as Telegram shows it: no markup to parse.
    assert answers["9201"].text == "Ціна змінилася після надсилання цього рахунку. Виберіть ще раз у /buy."


#: Fields the Bot API leaves out when they are empty or false.
_OPTIONAL = frozenset({"last_name", "username", "language_code", "is_premium", "shipping_option_id",
                       "order_info", "subscription_expiration_date", "is_recurring", "is_first_recurring"})


def _fits(built: object, telegram: object, path: str = "") -> list[str]:
    """Where ``built`` departs from the shape Telegram sends: every key it has, Telegram
    has with a value of the same type, and it has every key Telegram always sends."""
    if isinstance(telegram, dict) and isinstance(built, dict):
        problems = [f"{path}.{k} is not sent by Telegram" for k in built if k not in telegram]
        problems += [f"{path}.{k} is missing" for k in telegram if k not in built and k not in _OPTIONAL]
        for k in built.keys() & telegram.keys():
            problems += _fits(built[k], telegram[k], f"{path}.{k}")
        return problems
    return [] if type(built) is type(telegram) else [f"{path} is {type(built).__name__}"]


def test_built_payment_updates_have_the_shapes_telegram_sends() -> None:
    """The builders above must produce what the shared fixtures show Telegram sending."""
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "telegram"
    telegram = json.loads((fixtures / "pre_checkout_query_stars.json").read_text())
    assert _fits(json.loads(json.dumps(_pre_checkout(MARIA, "tx:1", 250))), telegram) == []
    paid = json.loads(json.dumps(_successful_payment(MARIA, "tx:1", 250, "stx1")))
    telegram_paid = json.loads((fixtures / "successful_payment_stars.json").read_text())
    assert _fits(paid, telegram_paid) == []
    assert _fits({"update_id": 1, "pre_checkout_query": {"id": 7}}, telegram) != []  # it can fail


async def test_wired_relay_debit_triggers_auto_recharge(system: System) -> None:
    await _card_customer(system)
    await _setting(system, "message_cost", 5)
    await system.write(builders.private_text(MARIA, "one"), builders.private_text(MARIA, "two"))
    t = await system.pool.fetchrow("SELECT * FROM transactions WHERE kind = 'auto_recharge'")
    assert t["status"] == "succeeded"
    assert (await _user(system))["credits"] == 13


async def test_sandbox_pays_a_stars_invoice_as_telegram_would(system: System) -> None:
    await _started(system)
    await system.write(builders.callback(MARIA, "pay:stars:pack10"))
    invoice = next(m for m in reversed(await system.sent(MARIA.id)) if m["kind"] == "invoice")

    async def pay() -> tuple[int, dict[str, Any]]:
        async with system.http.post(f"{system.base_url}/sandbox/pay-invoice",
                                    json={"chat_id": MARIA.id, "message_id": invoice["message_id"]}) as r:
            return r.status, await r.json()

    paying = asyncio.create_task(pay())
    while not paying.done():  # Telegram waits for the bot's answer: keep the workers going
        await system.drain()
        await asyncio.sleep(0.05)
    status, body = paying.result()
    assert (status, body["paid"]) == (200, True)
    await system.drain()
    assert (await _user(system))["credits"] == 13
    key = f"stars:{body['telegram_payment_charge_id']}"
    grants = await system.pool.fetchval(
        "SELECT count(*) FROM credit_ledger WHERE idempotency_key = $1", key)
    assert grants == 1

    # Paying the same invoice again is refused by the bot's pre-checkout answer.
    paying = asyncio.create_task(pay())
    while not paying.done():
        await system.drain()
        await asyncio.sleep(0.05)
    status, body = paying.result()
    assert (status, body["paid"]) == (200, False)
    assert body["error_message"]
    assert (await _user(system))["credits"] == 13


async def test_sandbox_pay_invoice_refuses_what_is_not_an_invoice(system: System) -> None:
    await _started(system)
    welcome = (await system.sent(MARIA.id))[0]
    for body in ({"chat_id": MARIA.id, "message_id": welcome["message_id"]}, {"chat_id": "x"}, {}):
        async with system.http.post(f"{system.base_url}/sandbox/pay-invoice", json=body) as r:
            assert r.status in (400, 404)
    assert (await _user(system))["credits"] == 3
