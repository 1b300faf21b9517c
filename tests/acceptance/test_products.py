"""🛒 Products end to end: an admin creates, sells, reprices and disables a pack; custom packages.

Everything goes through the ingress: operators type and press, users buy on
both rails (the fake Stripe over HTTP, Stars through the sandbox's
pay-invoice), real workers drain the queues. The ledger invariant is checked
after each test by the ``system`` fixture.
"""

from __future__ import annotations

from typing import Any

from tests import builders
from tests.acceptance.products_kit import (
    BOB,
    MARIA,
    audit,
    buttons,
    fake,
    last,
    open_checkout,
    pay_checkout,
    pay_invoice,
    press,
    product,
    say,
    screen,
    session_price,
    started,
    texts,
    transaction,
    user,
)
from tests.builders import OWNER
from tests.harness import System


async def _create(system: System, kind: str, answers: list[str]) -> Any:
    """``/product new`` answered step by step, then Create; the product's row."""
    question = await say(system, OWNER, "/product new")
    assert "Which kind of product?" in question["text"]
    await press(system, OWNER, question, buttons(question)[kind])
    for answer in answers:
        await say(system, OWNER, answer)
    ask = await last(system, OWNER)
    assert ask["text"] == "Create it?"
    assert await press(system, OWNER, ask, buttons(ask)["✅ Create"]) is None
    row = await product(system, answers[0])
    assert row is not None
    return row


async def _buy_buttons(system: System) -> list[str]:
    await system.write(builders.private_text(MARIA, "/buy"))
    return list(buttons(await last(system, MARIA)).values())


async def test_a_pack_is_created_sold_on_both_rails_repriced_and_disabled(system: System) -> None:
    await started(system, MARIA)
    pack = await _create(system, "credits", ["pack200", "200 credits", "200", "19.99usd", "900"])
    summary = (await texts(system, OWNER))[-2]
    assert "New product pack200: 200 credits · credits · 200 credits" in summary
    assert "💳 $19.99 · ⭐ 900" in summary
    assert (pack["credits"], pack["stripe_amount"], pack["stripe_currency"], pack["stars_amount"]) == (
        200, 1999, "usd", 900)
    assert (pack["active"], pack["hidden"], pack["created_by"]) == (True, False, OWNER.id)
    # Mirrored at Stripe by the sync job: a Product and its Price.
    assert pack["stripe_product_id"].startswith("prod_")
    assert (pack["stripe_price_amount"], pack["stripe_synced_version"]) == (1999, pack["stripe_version"])
    stripe_product = await fake(system).get(pack["stripe_product_id"])
    first_price = await fake(system).get(pack["stripe_price_id"])
    assert stripe_product is not None
    assert first_price is not None
    assert (stripe_product["name"], stripe_product["default_price"]) == ("200 credits", first_price["id"])
    assert (first_price["unit_amount"], first_price["currency"], first_price["active"]) == (1999, "usd", True)
    card = await last(system, OWNER)
    assert "✅ Created" in card["text"]
    assert "Price: 💳 $19.99 · ⭐ 900" in card["text"]

    # Sold by card (Checkout uses the stored Price) and with Stars.
    assert {"pay:stripe:pack200", "pay:stars:pack200"} <= set(await _buy_buttons(system))
    paid = await open_checkout(system, MARIA, "pay:stripe:pack200")
    assert await session_price(system, paid["external_id"]) == first_price["id"]
    await pay_checkout(system, paid["external_id"])
    await system.write(builders.callback(MARIA, "pay:stars:pack200"))
    assert (await pay_invoice(system, MARIA))["paid"] is True
    assert (await user(system))["credits"] == 403

    # A checkout opened at $19.99, then the admin raises the price (confirmed, audited).
    open_before = await open_checkout(system, MARIA, "pay:stripe:pack200")
    proposal = await say(system, OWNER, "/product edit pack200 price 24.99usd")
    assert "price 19.99usd → price 24.99usd?" in proposal["text"]
    assert (await product(system, "pack200"))["stripe_amount"] == 1999  # nothing until confirmed
    await press(system, OWNER, proposal, buttons(proposal)["✅ Confirm"])
    raised = await product(system, "pack200")
    assert raised["stripe_amount"] == 2499
    assert raised["stripe_price_id"] != first_price["id"]
    new_price = await fake(system).get(raised["stripe_price_id"])
    assert new_price is not None
    assert (new_price["unit_amount"], new_price["active"]) == (2499, True)
    assert (await fake(system).get(first_price["id"]) or {})["active"] is False  # archived, immutable
    assert (await fake(system).get(pack["stripe_product_id"]) or {})["default_price"] == new_price["id"]
    assert ("product.price", "pack200", {"price": "19.99usd"}, {"price": "24.99usd"}) in await audit(system)

    # The open checkout completes at the price the user saw and grants what it promised.
    await pay_checkout(system, open_before["external_id"])
    done = await transaction(system, open_before["id"])
    assert (done["status"], done["amount"], done["credits"]) == ("succeeded", 1999, 200)
    assert (await user(system))["credits"] == 603
    fresh = await open_checkout(system, MARIA, "pay:stripe:pack200")
    assert fresh["amount"] == 2499
    assert await session_price(system, fresh["external_id"]) == new_price["id"]

    # Disabled: gone from /buy and refused by its buttons at once; the checkout already open completes.
    card = await say(system, OWNER, "/product pack200")
    await press(system, OWNER, card, buttons(card)["⛔ Disable"])
    assert "active True → active False" in (await screen(system, OWNER, card))["text"]
    assert (await product(system, "pack200"))["active"] is False
    assert (await fake(system).get(pack["stripe_product_id"]) or {})["active"] is False
    assert not [d for d in await _buy_buttons(system) if d.endswith(":pack200")]
    before = await system.pool.fetchval("SELECT count(*) FROM transactions")
    for data in ("pay:stripe:pack200", "pay:stars:pack200", "buy:pack200"):
        await system.write(builders.callback(MARIA, data))
        assert "not available" in (await last(system, MARIA))["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM transactions") == before
    await pay_checkout(system, fresh["external_id"])
    assert (await transaction(system, fresh["id"]))["status"] == "succeeded"
    assert (await user(system))["credits"] == 803
    assert ("product.active", "pack200", {"active": True}, {"active": False}) in await audit(system)
    sales = await system.pool.fetch("SELECT rail, units, gross FROM product_sales WHERE product_id = $1 "
                                    "ORDER BY rail", pack["id"])
    assert [(r["rail"], r["units"], r["gross"]) for r in sales] == [("stars", 1, 900), ("stripe", 3, 6497)]


async def test_a_disabled_quick_buy_pack_is_refused_at_once(system: System) -> None:
    await started(system, MARIA)
    card = await say(system, OWNER, "/product pack25")
    await press(system, OWNER, card, buttons(card)["⛔ Disable"])
    await system.write(builders.private_text(MARIA, "/buy25"))
    assert "not available" in (await last(system, MARIA))["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM transactions") == 0


async def test_a_custom_package_is_sold_once_through_its_deep_link(system: System) -> None:
    await started(system, MARIA, BOB)
    vip = await _create(system, "custom", ["vip_maria", "VIP for Maria", "50", "none", "300"])
    assert (vip["kind"], vip["hidden"], vip["credits"], vip["stripe_amount"]) == ("custom", True, 50, None)
    link = "https://t.me/paid_desk_bot?start=buy_vip_maria"
    card = await say(system, OWNER, "/product edit vip_maria uses 1")
    assert "uses none → uses 1" in card["text"]
    assert f"🔗 Link: {link}" in card["text"]
    assert buttons(card)["📋 Copy link"] == link
    assert "0 of 1 uses taken" in card["text"]

    # Hidden: not in /buy, and not sold by the ordinary buttons (they would skip its limits).
    assert not [d for d in await _buy_buttons(system) if "vip_maria" in d]
    await system.write(builders.callback(MARIA, "pay:stars:vip_maria"))
    assert "not available" in (await last(system, MARIA))["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM transactions") == 0

    offer = await say(system, MARIA, "/start buy_vip_maria")
    assert "VIP for Maria: 50 credits for messages." in offer["text"]
    assert list(buttons(offer).values()) == ["pkg:stars:vip_maria"]
    await press(system, MARIA, offer, "pkg:stars:vip_maria")
    held = await transaction(system)
    assert held["hold_until"] is not None  # the one use is held while the invoice is open
    refused = await say(system, BOB, "/start buy_vip_maria")
    assert "has been used up" in refused["text"]
    assert (await pay_invoice(system, MARIA))["paid"] is True
    assert (await user(system))["credits"] == 53
    assert (await transaction(system, held["id"]))["status"] == "succeeded"
    for person in (BOB, MARIA):
        assert "has been used up" in (await say(system, person, "/start buy_vip_maria"))["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM transactions") == 1
    assert "1 of 1 uses taken" in (await say(system, OWNER, "/product vip_maria"))["text"]


async def test_the_last_use_goes_to_one_payer(system: System) -> None:
    await started(system, MARIA, BOB)
    await _create(system, "custom", ["last_one", "Last one", "10", "none", "100"])
    await say(system, OWNER, "/product edit last_one uses 1")
    await press(system, MARIA, await say(system, MARIA, "/start buy_last_one"), "pkg:stars:last_one")
    maria_invoice = await transaction(system)
    # Maria's hold lapses unpaid; Bob takes the use; Telegram asks before charging Maria: refused.
    await system.pool.execute("UPDATE transactions SET hold_until = now() - interval '1 second' "
                              "WHERE id = $1", maria_invoice["id"])
    await press(system, BOB, await say(system, BOB, "/start buy_last_one"), "pkg:stars:last_one")
    refused = await pay_invoice(system, MARIA)
    assert refused["paid"] is False
    assert "used up" in refused["error_message"]
    assert (await pay_invoice(system, BOB))["paid"] is True
    assert (await user(system, BOB))["credits"] == 13
    assert (await user(system, MARIA))["credits"] == 3


async def test_package_links_refused_with_the_reason_and_nothing_changes(system: System) -> None:
    await started(system, MARIA, BOB)
    await _create(system, "custom", ["for_maria", "For Maria", "20", "2.99usd", "none"])
    await say(system, OWNER, "/product edit for_maria user @maria_s")
    assert "only for Maria Silva (@maria_s)" in (await say(system, OWNER, "/product for_maria"))["text"]
    assert "reserved for someone else" in (await say(system, BOB, "/start buy_for_maria"))["text"]
    offer = await say(system, MARIA, "/start buy_for_maria")
    assert list(buttons(offer).values()) == ["pkg:stripe:for_maria"]
    # A button kept from before the limit changed is checked again when pressed.
    await say(system, OWNER, "/product edit for_maria user none")
    await say(system, OWNER, "/product edit for_maria expires 7d")
    await system.pool.execute("UPDATE products SET expires_at = now() - interval '1 minute' "
                              "WHERE code = 'for_maria'")
    assert "has expired" in (await say(system, MARIA, "/start buy_for_maria"))["text"]
    await system.write(builders.callback(MARIA, "pkg:stripe:for_maria"))
    assert "has expired" in (await last(system, MARIA))["text"]
    await say(system, OWNER, "/product edit for_maria expires none")
    await say(system, OWNER, "/product edit for_maria active off")
    assert "no longer available" in (await say(system, MARIA, "/start buy_for_maria"))["text"]
    assert "does not lead to anything" in (await say(system, MARIA, "/start buy_nothing_here"))["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM transactions") == 0
    assert (await user(system))["credits"] == 3


async def test_bad_product_input_gets_the_rule_and_changes_nothing(system: System) -> None:
    before = await system.pool.fetch("SELECT * FROM products ORDER BY id")
    cases = [
        ("/product edit pack10 price 0usd", "must be more than 0"),
        ("/product edit pack10 price -1usd", "is not a price"),
        ("/product edit pack10 price 4.999usd", "no amounts smaller than 0.01"),
        ("/product edit pack10 price 5xyz", "not a currency prices can be set in"),
        ("/product edit pack10 price 0.20usd", "Stripe's minimum charge in USD is 0.50usd"),
        ("/product edit pack10 stars 0", "at least 1 Star"),
        ("/product edit pack10 stars 2.5", "Stars are whole"),
        ("/product edit pack10 stars 20000", "at most 10,000 Stars"),
        ("/product edit pack10 name " + "x" * 40, "at most 32 characters"),
        ("/product edit pack10 days 7", "grants credits, not days"),
        ("/product edit pack10 recurring on", "Only a pass can be a monthly subscription"),
        ("/product edit pack10 colour red", "is not a field"),
        ("/product edit nothing price 1usd", "No product has the code"),
    ]
    for command, rule in cases:
        answer = await say(system, OWNER, command)
        assert rule in answer["text"], (command, answer["text"])
        assert "Change " not in answer["text"]
    after = await system.pool.fetch("SELECT * FROM products ORDER BY id")
    assert [dict(r) for r in after] == [dict(r) for r in before]
    # The wizard re-asks with the rule; an existing code is refused.
    question = await say(system, OWNER, "/product new")
    await press(system, OWNER, question, buttons(question)["credits"])
    assert "exists already" in (await say(system, OWNER, "pack10"))["text"]
    assert "not a product code" in (await say(system, OWNER, "Pack 10!"))["text"]
    await say(system, OWNER, "fresh")
    await say(system, OWNER, "Fresh")
    await say(system, OWNER, "10")
    await say(system, OWNER, "none")
    assert "price on at least one rail" in (await say(system, OWNER, "none"))["text"]
    assert (await say(system, OWNER, "/cancel"))["text"] == "Cancelled."
    assert await system.pool.fetchval("SELECT count(*) FROM products") == len(before)
    assert await audit(system) == []


async def test_two_buyers_racing_for_the_last_use_get_one_purchase(system: System) -> None:
    await started(system, MARIA, BOB)
    await _create(system, "custom", ["race", "Race", "10", "none", "100"])
    await say(system, OWNER, "/product edit race uses 1")
    offers = [await say(system, person, "/start buy_race") for person in (MARIA, BOB)]
    # Both press at once: their jobs run side by side; the product's row lock lets one hold the use.
    await system.write(*(builders.press(person, offer, "pkg:stars:race")
                         for person, offer in zip((MARIA, BOB), offers, strict=True)))
    assert await system.pool.fetchval("SELECT count(*) FROM transactions") == 1
    answers = [(await last(system, person))["text"] or "" for person in (MARIA, BOB)]
    assert sorted("used up" in a for a in answers) == [False, True]
