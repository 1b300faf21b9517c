"""💰 Billing's screens, the revenue report and its CSV, the Stripe sync report, and who may do what.

Analysts read Products and Billing; agents see neither; neither changes a
product, the Stripe mirror or a payment, whatever they type or press (a
refused action changes nothing).
"""

from __future__ import annotations

from typing import Any

from tests import builders
from tests.acceptance.products_kit import (
    AGENT,
    ANALYST,
    MARIA,
    buttons,
    fake,
    last,
    open_checkout,
    pay_checkout,
    pay_invoice,
    press,
    say,
    screen,
    texts,
    transaction,
)
from tests.builders import OWNER
from tests.harness import System


async def _payments(system: System) -> dict[str, Any]:
    """A paid card purchase, a paid Stars purchase, a declined card, a disputed payment."""
    await system.write(builders.private_text(MARIA, "/start"))
    paid = await open_checkout(system, MARIA, "pay:stripe:pack25")
    await pay_checkout(system, paid["external_id"])
    await system.write(builders.callback(MARIA, "pay:stars:pack10"))
    await pay_invoice(system, MARIA)
    stars = await transaction(system)
    declined = await open_checkout(system, MARIA, "pay:stripe:pack50")
    await fake(system).decline_session(declined["external_id"], "insufficient_funds")
    await system.drain_scheduled()
    disputed = await open_checkout(system, MARIA, "pay:stripe:pack10")
    await pay_checkout(system, disputed["external_id"])
    session = await fake(system).get(disputed["external_id"])
    assert session is not None
    intent = await fake(system).get(session["payment_intent"])
    assert intent is not None
    await fake(system).dispute(intent["latest_charge"])
    await system.drain_scheduled()
    return {"paid": await transaction(system, paid["id"]), "stars": stars,
            "declined": await transaction(system, declined["id"]),
            "disputed": await transaction(system, disputed["id"])}


async def test_payments_lists_cards_and_the_problems_that_need_attention(system: System) -> None:
    p = await _payments(system)
    assert (p["declined"]["status"], p["disputed"]["status"]) == ("failed", "disputed")
    home = await say(system, OWNER, "/payments")
    assert "Last 30 days: $14.98 net from 2 payments; ⭐ 250 net from 1 payment." in home["text"]
    assert "❌ 1 failed (30 days) · ⚠️ 1 open dispute" in home["text"]

    listed = await say(system, OWNER, "/payments rail:stars")
    assert "Payments · Stars · 1" in listed["text"]
    assert f"#{p['stars']['id']}" in listed["text"]
    mine = await say(system, OWNER, "/payments status:succeeded product:pack25 user:@maria_s from:2000-01-01")
    assert f"#{p['paid']['id']} ✅ succeeded · 💳 $9.99 · 25 credits · Maria Silva (@maria_s)" in mine["text"]
    assert f"#{p['stars']['id']}" not in mine["text"]
    # The status buttons filter the list in place, keeping the rest of the filter.
    await press(system, OWNER, listed, buttons(listed)["✅"])
    assert "Payments · succeeded · Stars · 1" in (await screen(system, OWNER, listed))["text"]
    for typed, answer in (("/payments status:lost", "is not a status"), ("/payments rail:cash", "not a rail"),
                          ("/payments product:nope", "No product has the code"),
                          ("/payments user:@nobody_here", "No user"),
                          ("/payments from:2025-13-01", "is not a date"),
                          ("/payments from:2025-02-01 to:2025-01-01", "ends before it starts"),
                          ("/payments pi_unknown", "No payment is")):
        assert answer in (await say(system, OWNER, typed))["text"], typed

    failed = await press(system, OWNER, home, buttons(home)["❌ Failed"])
    assert failed is None
    shown = await screen(system, OWNER, home)
    assert "Failed payments · 1" in shown["text"]
    assert "Your card has insufficient funds." in shown["text"]
    assert f"/user {MARIA.id}" in shown["text"]
    assert buttons(shown)[f"#{p['declined']['id']} card"] == f"adm:pay:c:{p['declined']['id']}"
    disputes = await say(system, OWNER, "/payments disputes")
    assert f"#{p['disputed']['id']} ⚠️ disputed" in disputes["text"]

    card = await say(system, OWNER, f"/payments {p['paid']['stripe_payment_intent']}")
    intent = p["paid"]["stripe_payment_intent"]
    assert f"Payment #{p['paid']['id']} · 💳 stripe · ✅ succeeded · purchase" in card["text"]
    assert "User: Maria Silva (@maria_s)" in card["text"]
    written = await system.pool.fetchval(
        "SELECT params ->> 'text' FROM outbox WHERE chat_id = $1 AND method = 'sendMessage' "
        "ORDER BY id DESC LIMIT 1", OWNER.id)
    assert f'<a href="https://dashboard.stripe.com/test/payments/{intent}">{intent}</a>' in written
    assert "Stripe checkout.session.completed: applied" in card["text"]
    assert "+25 credits (purchase)" in card["text"]
    assert "↩️ Refund" in buttons(card)
    disputed = await say(system, OWNER, f"/payments {p['disputed']['id']}")
    assert "↩️ Refund" not in buttons(disputed)


async def test_revenue_per_period_product_and_rail_with_a_csv(system: System) -> None:
    p = await _payments(system)
    report = await say(system, OWNER, "/payments revenue")
    assert "Revenue · per day" in report["text"]
    assert "USD: 2 payments · gross $14.98 · refunds $0.00 · net $14.98" in report["text"]
    assert "XTR: 1 payments · gross ⭐ 250 · refunds ⭐ 0 · net ⭐ 250" in report["text"]
    assert "25 credits · 💳 $9.99 · 1 · refunds $0.00" in report["text"]
    await press(system, OWNER, report, buttons(report)["Month"])
    assert "Revenue · per month" in (await screen(system, OWNER, report))["text"]
    notice = await press(system, OWNER, report, buttons(await screen(system, OWNER, report))["📄 CSV"])
    assert notice == "📄 The CSV is on its way."
    document = await last(system, OWNER)
    assert document["kind"] == "document"
    assert "Revenue per month" in document["text"]
    csv = await system.pool.fetchval(
        "SELECT params ->> 'document_text' FROM outbox WHERE method = 'sendDocument' "
        "ORDER BY id DESC LIMIT 1")
    lines = csv.splitlines()
    assert lines[0] == "period_start,currency,rail,product_code,product_name,payments,gross,refunds,net"
    month = await system.pool.fetchval("SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date")
    month = month.isoformat()
    assert f"{month},USD,stripe,pack25,25 credits,1,999,0,999" in lines
    assert f"{month},XTR,stars,pack10,10 credits,1,250,0,250" in lines
    assert p["paid"]["paid_at"] is not None


async def test_stripe_sync_reconciles_and_reports_what_changed(system: System) -> None:
    await say(system, OWNER, "/product sync")
    said, report = (await texts(system, OWNER))[-2:]
    assert "Syncing every product with Stripe; the report follows here." in said
    assert "Stripe sync: 7 products, 7 changed." in report
    assert "• pack10: created Product prod_" in report
    assert "new Price price_" in report
    assert await system.pool.fetchval("SELECT count(*) FROM products WHERE stripe_price_id IS NULL") == 0
    await say(system, OWNER, "/product sync")
    assert "Stripe sync: 7 products, 0 changed." in (await texts(system, OWNER))[-1]
    assert "• pack25: up to date" in (await texts(system, OWNER))[-1]
    # Archived in the Stripe Dashboard by mistake: the next sync puts it back and says so.
    pack = await system.pool.fetchrow("SELECT * FROM products WHERE code = 'pack25'")
    assert system.container is not None
    assert system.container.stripe is not None
    await system.container.stripe.catalog.update_product(pack["stripe_product_id"], active=False)
    card = await say(system, OWNER, "/product pack25")
    await press(system, OWNER, card, buttons(card)["🔄 Sync with Stripe"])
    assert "• pack25: Product reactivated" in (await texts(system, OWNER))[-1]
    assert (await fake(system).get(pack["stripe_product_id"]) or {})["active"] is True


async def test_the_products_list_shows_prices_status_and_sales(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    paid = await open_checkout(system, MARIA, "pay:stripe:pack25")
    await pay_checkout(system, paid["external_id"])
    listed = await say(system, OWNER, "/products")
    assert "Products · 7 (7 on sale, 0 hidden, 0 disabled)" in listed["text"]
    assert "2. 25 credits pack25 · credits · 25 credits" in listed["text"]
    assert "💳 $9.99 · ⭐ 500 · ✅ on sale · popular · sort 20" in listed["text"]
    assert "30 days: 💳 1 sold, $9.99" in listed["text"]
    assert "7. Month pass pass_month · pass · 30 days of unlimited messages · monthly subscription" in \
        listed["text"]
    assert "💳 $39.99/month" in listed["text"]
    assert {"➕ New product", "🔄 Sync with Stripe", "🏠 Home"} <= set(buttons(listed))


async def _as(system: System, person: Any, role: str) -> None:
    await system.write(builders.private_text(person, "/start"))
    await say(system, OWNER, f"/operator add {person.id} {role}")


async def test_analysts_and_agents_are_refused_every_write_and_nothing_changes(system: System) -> None:
    p = await _payments(system)
    await _as(system, ANALYST, "analyst")
    await _as(system, AGENT, "agent")
    pack = await system.pool.fetchrow("SELECT id FROM products WHERE code = 'pack25'")
    tid = p["paid"]["id"]
    owner_card = await say(system, OWNER, "/product pack25")
    proposal = await say(system, OWNER, f"/refund {tid} 1")
    snapshot = ("SELECT (SELECT json_agg(p ORDER BY id) FROM products p)::text, "
                "(SELECT count(*) FROM refund_requests), (SELECT count(*) FROM admin_pending), "
                "(SELECT json_agg(t ORDER BY id) FROM transactions t)::text, "
                "(SELECT count(*) FROM procrastinate_jobs WHERE task_name IN "
                "('billing.sync_products', 'billing.refund')), "
                "(SELECT count(*) FROM admin_audit)")
    before = await system.pool.fetchrow(snapshot)

    writes = ["/product new", "/product edit pack25 price 1.00usd", "/product sync", f"/refund {tid}",
              f"/refund {tid} 1.00"]
    for person, role in ((ANALYST, "analyst"), (AGENT, "agent")):
        for command in writes:
            refused = await say(system, person, command)
            assert refused["text"] == f"🚫 Not allowed for your role ({role}).", (role, command)
        sent = await last(system, person)
        forged = [f"adm:prd:t:{pack['id']}:active:0", f"adm:prd:a:{pack['id']}:price", "adm:prd:s:0",
                  "adm:prd:n", "adm:prd:wk:credits", f"adm:ref:s:{tid}", f"adm:ref:f:{tid}",
                  f"adm:ref:p:{tid}"]
        for data in forged:
            assert await press(system, person, sent, data) == f"🚫 Not allowed for your role ({role}).", data
        # A Confirm someone else was shown works only for them (and the role is checked again).
        assert await press(system, person, proposal, buttons(proposal)["✅ Refund"]) == (
            "Only the operator who asked can confirm this.")
        assert await press(system, person, owner_card, buttons(owner_card)["⛔ Disable"]) == (
            f"🚫 Not allowed for your role ({role}).")
    assert await system.pool.fetchrow(snapshot) == before

    # Analysts read both screens, the revenue report and its CSV; agents see neither.
    assert "Products · 7" in (await say(system, ANALYST, "/products"))["text"]
    card = await say(system, ANALYST, "/product pack25")
    assert set(buttons(card)) == {"⬅️ Back", "🏠 Home"}
    assert "Billing" in (await say(system, ANALYST, "/payments"))["text"]
    analyst_card = await say(system, ANALYST, f"/payments {tid}")
    assert "↩️ Refund" not in buttons(analyst_card)
    report = await say(system, ANALYST, "/payments revenue")
    assert await press(system, ANALYST, report, buttons(report)["📄 CSV"]) == "📄 The CSV is on its way."
    for command in ("/products", "/payments"):
        assert (await say(system, AGENT, command))["text"] == "🚫 Not allowed for your role (agent)."
