"""↩️ Refunds from Telegram, end to end: asked by an operator, made by a billing job at the provider.

Stripe (the fake, over HTTP, with an idempotency key) and Stars (Telegram's
refundStarPayment, answered by the fake Telegram), partial and full, after a
confirmation that says what is taken back. The provider's own report of the
refund (``charge.refunded``, ``refunded_payment``) converges on the same
record whichever comes first, and changes nothing a second time.
"""

from __future__ import annotations

from typing import Any

from core.accounts import ledger as accounts_ledger
from core.delivery.effects import Effects
from core.jobs.processed import Source
from core.jobs.queues import Queue
from tests import builders
from tests.acceptance.products_kit import (
    MARIA,
    buttons,
    fake,
    last,
    ledger,
    open_checkout,
    pay_checkout,
    pay_invoice,
    press,
    say,
    screen,
    texts,
    transaction,
    user,
)
from tests.builders import OWNER
from tests.harness import System
from workers import wiring
from workers.runtime import apply_once


async def _drain(system: System, queue: Queue) -> None:
    """Run the workers of one queue only, until nothing is left there to do now."""
    assert system.container is not None
    app = wiring.build_app(system.container, [queue], system.settings.database_url or "",
                           with_maintenance=False)
    async with app.open_async():
        await app.run_worker_async(queues=[queue.value], wait=False, concurrency=1,
                                   install_signal_handlers=False)


def _refund_messages(all_texts: list[str]) -> list[str]:
    return [t for t in all_texts if "refund" in t.lower()]


async def _bought_by_card(system: System, data: str = "pay:stripe:pack25") -> Any:
    await system.write(builders.private_text(MARIA, "/start"))
    t = await open_checkout(system, MARIA, data)
    await pay_checkout(system, t["external_id"])
    return await transaction(system, t["id"])


async def test_a_card_payment_refunded_partially_then_fully(system: System) -> None:
    t = await _bought_by_card(system)
    assert (await user(system))["credits"] == 28
    card = await say(system, OWNER, f"/payments {t['id']}")
    assert f"Payment #{t['id']}" in card["text"]
    assert "Amount: $9.99 · refunded $0.00 · net $9.99" in card["text"]
    options_at = card
    await press(system, OWNER, card, buttons(card)["↩️ Refund"])
    options = next(m for m in await system.sent(OWNER.id) if m["message_id"] == options_at["message_id"])
    assert "$9.99 is left to refund" in options["text"]
    await press(system, OWNER, options, buttons(options)["✂️ Partial…"])
    assert "At most $9.99" in (await last(system, OWNER))["text"]
    await say(system, OWNER, "4")
    proposal = await screen(system, OWNER, options)  # the answer's result is shown where it was asked
    asked_text = (f"Refund $4.00 of payment #{t['id']} (Maria Silva (@maria_s), 25 credits, paid $9.99) "
                  "partially: $5.99 stays paid?")
    assert asked_text in proposal["text"]
    assert "It takes back 10 credits (balance 28 → 18)." in proposal["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM refund_requests") == 0  # not before Confirm
    # Confirmed; the refund job's call reaches Stripe, but the job dies before recording it. Stripe's
    # charge.refunded is applied first; the job, run again, replays its call (same idempotency key)
    # and finds the refund applied.
    press_update = builders.press(OWNER, proposal, buttons(proposal)["✅ Refund"])
    await system.post_update(press_update)
    await _drain(system, Queue.ADMIN)
    asked = await system.pool.fetchrow("SELECT * FROM refund_requests")
    assert asked["status"] == "requested"
    assert system.container is not None
    assert system.container.stripe is not None
    await system.container.stripe.refunds.refund(
        payment_intent=t["stripe_payment_intent"], charge=None, amount=400,
        metadata={"transaction_id": str(t["id"]), "refund_request": str(asked["id"]),
                  "telegram_id": str(MARIA.id)}, idempotency_key=f"refund:{asked['id']}")
    await system.pool.execute("UPDATE procrastinate_jobs SET scheduled_at = now() + interval '1 hour' "
                              "WHERE task_name = 'billing.refund'")
    await system.drain()
    assert (await transaction(system, t["id"]))["amount_refunded"] == 400  # by the webhook
    assert (await system.pool.fetchrow("SELECT status FROM refund_requests"))["status"] == "requested"
    await system.pool.execute("UPDATE procrastinate_jobs SET scheduled_at = now() "
                              "WHERE task_name = 'billing.refund'")
    await system.drain_scheduled()
    answers = {a.query_id: a for a in await system.model.query_answers()}
    assert answers[press_update["callback_query"]["id"]].text == "Refund asked."
    after = await transaction(system, t["id"])
    assert (after["status"], after["amount_refunded"], after["credits_revoked"]) == (
        "partially_refunded", 400, 10)
    assert (await user(system))["credits"] == 18
    asked = await system.pool.fetchrow("SELECT * FROM refund_requests")
    assert (asked["status"], asked["amount"], asked["operator_id"]) == ("succeeded", 400, OWNER.id)
    assert asked["provider_refund_id"].startswith("re_")
    stripe_refund = await fake(system).get(asked["provider_refund_id"])
    assert stripe_refund is not None
    assert (stripe_refund["amount"], stripe_refund["payment_intent"]) == (400, t["stripe_payment_intent"])
    done = (await texts(system, OWNER))[-1]
    assert f"Refund done: $4.00 of payment #{t['id']} (partial)." in done
    assert "Taken back: 10 credits; balance now 18." in done
    assert len(_refund_messages(await texts(system, MARIA))) == 1
    assert await press(system, OWNER, proposal, buttons(proposal)["✅ Refund"]) == "Already done."
    assert await system.pool.fetchval("SELECT count(*) FROM refund_requests") == 1

    # The rest, by command with the provider's id; this time the job records it before the webhook.
    await fake(system).set_delivery(False)
    proposal = await say(system, OWNER, f"/refund {t['stripe_payment_intent']}")
    assert "Refund $5.99 of payment" in proposal["text"]
    assert "in full?" in proposal["text"]
    assert "It takes back 15 credits (balance 18 → 3)." in proposal["text"]
    await press(system, OWNER, proposal, buttons(proposal)["✅ Refund"])
    full = await transaction(system, t["id"])
    assert (full["status"], full["amount_refunded"], full["credits_revoked"]) == ("refunded", 999, 25)
    assert (await user(system))["credits"] == 3
    assert "Taken back: 15 credits; balance now 3." in (await texts(system, OWNER))[-1]
    before_webhook = (await ledger(system), await texts(system, MARIA))
    await fake(system).set_delivery(True)
    assert await fake(system).deliver_pending() >= 2
    await system.drain_scheduled()
    assert (await ledger(system), await texts(system, MARIA)) == before_webhook  # nothing a second time
    refunded = await system.pool.fetch("SELECT note FROM stripe_events WHERE type = 'charge.refunded' "
                                       "ORDER BY received_at")
    assert [r["note"] for r in refunded] == [None, "refund known already"]
    assert await system.pool.fetchval("SELECT count(*) FROM fake_stripe_objects WHERE object = 'refund'") == 2
    assert [r for r in await ledger(system) if r[0] == "refund"] == [("refund", -10), ("refund", -15)]
    assert len(_refund_messages(await texts(system, MARIA))) == 2

    # Nothing is left: refused, and nothing changes.
    refused = await say(system, OWNER, f"/refund {t['id']}")
    assert "is refunded in full already" in refused["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM refund_requests") == 2
    card = await say(system, OWNER, f"/payments #{t['id']}")
    assert "↩️ Refund" not in buttons(card)
    assert "refund of $4.00 asked by Olga Owner" in card["text"]
    assert "refunded $5.99" in card["text"]


async def test_a_stars_payment_is_refunded_in_full_once(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    await system.write(builders.callback(MARIA, "pay:stars:pack10"))
    charge = (await pay_invoice(system, MARIA))["telegram_payment_charge_id"]
    t = await transaction(system)
    assert (t["status"], t["external_id"], (await user(system))["credits"]) == ("succeeded", charge, 13)

    partial = await say(system, OWNER, f"/refund {t['id']} 100")
    assert "Telegram refunds Stars payments only in full: ⭐ 250." in partial["text"]
    card = await say(system, OWNER, f"/payments {charge}")
    await press(system, OWNER, card, buttons(card)["↩️ Refund"])
    options = next(m for m in await system.sent(OWNER.id) if m["message_id"] == card["message_id"])
    assert set(buttons(options)) == {"↩️ Full: ⭐ 250", "⬅️ Back", "🏠 Home"}
    await press(system, OWNER, options, buttons(options)["↩️ Full: ⭐ 250"])
    proposal = next(m for m in await system.sent(OWNER.id) if m["message_id"] == card["message_id"])
    assert "Refund ⭐ 250 of payment" in proposal["text"]
    assert "It takes back 10 credits (balance 13 → 3)." in proposal["text"]
    assert "through Telegram (Stars)" in proposal["text"]
    await press(system, OWNER, proposal, buttons(proposal)["✅ Refund"])

    refunded = await transaction(system, t["id"])
    assert (refunded["status"], refunded["amount_refunded"]) == ("refunded", 250)
    assert (await user(system))["credits"] == 3
    [made] = await system.model.star_charges()
    assert (made.charge_id, made.refunded_at is not None) == (charge, True)
    assert "Refund done: ⭐ 250 of payment" in (await texts(system, OWNER))[-1]
    assert len(_refund_messages(await texts(system, MARIA))) == 1

    # Telegram's own word of the refund arrives later: nothing changes a second time.
    update = builders.private_text(MARIA, "")
    message = update["message"]
    del message["text"]
    message["refunded_payment"] = {"currency": "XTR", "total_amount": 250, "invoice_payload": f"tx:{t['id']}",
                                   "telegram_payment_charge_id": charge}
    before = (await ledger(system), await texts(system, MARIA))
    await system.write(update)
    assert (await ledger(system), await texts(system, MARIA)) == before
    assert "is refunded in full already" in (await say(system, OWNER, f"/refund {charge}"))["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM refund_requests") == 1


async def test_telegram_refunding_on_its_own_takes_back_what_was_bought(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    await system.write(builders.callback(MARIA, "pay:stars:pack10"))
    charge = (await pay_invoice(system, MARIA))["telegram_payment_charge_id"]
    update = builders.private_text(MARIA, "")
    del update["message"]["text"]
    update["message"]["refunded_payment"] = {"currency": "XTR", "total_amount": 250, "invoice_payload": "x",
                                             "telegram_payment_charge_id": charge}
    await system.write(update, update)
    assert (await user(system))["credits"] == 3
    assert (await transaction(system))["status"] == "refunded"
    assert [r for r in await ledger(system) if r[0] == "refund"] == [("refund", -10)]


async def test_refunds_that_cannot_be_made_are_refused_with_the_reason(system: System) -> None:
    pending = await _bought_by_card(system, "pay:stripe:pack10")
    open_one = await open_checkout(system, MARIA, "pay:stripe:pack25")
    still = await say(system, OWNER, f"/refund {open_one['id']}")
    assert "is still pending: nothing has been paid yet" in still["text"]
    too_much = await say(system, OWNER, f"/refund {pending['id']} 5.00")
    assert "at most $4.99 of Payment" in too_much["text"]
    for typed, answer in ((f"/refund {pending['id']} 4.999", "not an amount"),
                          ("/refund 99999", "No payment is"), ("/refund", "Usage"),
                          (f"/refund {pending['id']} 0", "must be more than 0")):
        assert answer in (await say(system, OWNER, typed))["text"], typed
    session = await fake(system).get(pending["external_id"])
    assert session is not None
    intent = await fake(system).get(session["payment_intent"])
    assert intent is not None
    await fake(system).dispute(intent["latest_charge"])
    await system.drain_scheduled()
    assert "is disputed: the bank decides" in (await say(system, OWNER, f"/refund {pending['id']}"))["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM refund_requests") == 0
    assert (await user(system))["credits"] == 13


async def test_credits_spent_before_the_refund_are_recorded_as_its_shortfall(system: System) -> None:
    t = await _bought_by_card(system, "pay:stripe:pack10")
    user_id = (await user(system))["id"]

    async def spend(tx: Effects) -> None:
        await accounts_ledger.apply(tx.conn, user_id, -8, reason="message", key="spent:1")

    assert system.container is not None
    await apply_once(system.container, Source.INTERNAL, "spent:1", spend)
    proposal = await say(system, OWNER, f"/refund {t['id']}")
    assert "It takes back 5 credits (balance 5 → 0). 5 more were spent already" in proposal["text"]
    await press(system, OWNER, proposal, buttons(proposal)["✅ Refund"])
    after = await transaction(system, t["id"])
    assert (after["credits_revoked"], after["refund_shortfall"]) == (10, 5)
    assert (await user(system))["credits"] == 0
    done = (await texts(system, OWNER))[-1]
    assert "Taken back: 5 credits; balance now 0. 5 had been spent already" in done


async def test_a_subscription_payment_is_refunded_through_its_invoice(system: System) -> None:
    t = await _bought_by_card(system, "pay:stripe:pass_month")
    assert t["stripe_payment_intent"] is None
    assert t["stripe_invoice"].startswith("in_")
    proposal = await say(system, OWNER, f"/refund {t['id']}")
    assert "of pass: the pass would end" in proposal["text"]
    await press(system, OWNER, proposal, buttons(proposal)["✅ Refund"])
    after = await transaction(system, t["id"])
    assert (after["status"], after["amount_refunded"]) == ("refunded", 3999)
    assert after["stripe_payment_intent"].startswith("pi_")  # linked, so Stripe's events find it
    assert (await user(system))["pass_expires_at"] <= await system.pool.fetchval("SELECT now()")
    assert "The pass now ends" in (await texts(system, OWNER))[-1]
    outcomes = await system.pool.fetch("SELECT outcome FROM stripe_events WHERE type = 'charge.refunded'")
    assert [r["outcome"] for r in outcomes] == ["applied"]
