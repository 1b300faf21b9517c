"""Checkout sessions and portal sessions of the fake Stripe.

A session's ``url`` opens the fake's payment page (:mod:`core.sandbox.stripe.pages`);
paying there completes the session the way Stripe Checkout does.
"""

from __future__ import annotations

from typing import Any

from core.sandbox.stripe import billing_objects as bo
from core.sandbox.stripe import objects, payments, products, subscriptions
from core.sandbox.stripe.forms import Params
from core.sandbox.stripe.rows import StripeRefusal
from core.sandbox.stripe.store import Tx

INTERVALS = ("day", "week", "month", "year")


def _mode_fits(mode: str, interval: str | None) -> None:
    if mode == "subscription" and interval is None:
        raise StripeRefusal.invalid("You must provide at least one recurring price in `subscription` mode "
                                    "when using prices.", param="line_items")
    if mode == "payment" and interval is not None:
        raise StripeRefusal.invalid("You specified `payment` mode but passed a recurring price. Either "
                                    "switch to `subscription` mode or use only one-time prices.",
                                    param="line_items")


async def _line(tx: Tx, item: Params, mode: str) -> dict[str, Any]:
    """One line: a Price by id (active, of an active Product), or a price given inline."""
    price_id = item.text("price")
    quantity = item.integer("quantity", required=True, minimum=1)
    data = item.sub("price_data")
    if price_id is not None:
        if data.raw:
            raise StripeRefusal.invalid("You may only specify one of these parameters: price, price_data.",
                                        param=item.name("price_data"))
        price = await products.line_price(tx, price_id, item.name("price"))
        product = (await tx.need(price["product"], "product")).data
        recurring = price["recurring"] or {}
        interval = recurring.get("interval")
        _mode_fits(mode, interval)
        return {"name": product["name"], "currency": price["currency"], "unit_amount": price["unit_amount"],
                "quantity": quantity, "interval": interval,
                "interval_count": recurring.get("interval_count", 1),
                "price": price["id"], "product": product["id"]}
    currency = (data.text("currency", required=True) or "").lower()
    unit_amount = data.integer("unit_amount", required=True, minimum=0)
    product_id = data.text("product")
    product_data = data.sub("product_data")
    if (product_id is None) == (not product_data.raw):
        raise StripeRefusal.invalid("You must specify exactly one of these parameters: product, "
                                    "product_data.",
                                    param=data.name("product_data"))
    if product_id is not None:
        name = (await products.line_product(tx, product_id, data.name("product")))["name"]
    else:
        name = product_data.text("name", required=True)
        product_data.text("description")
        product_data.metadata()
    recurring = data.sub("recurring")
    interval = recurring.choice("interval", INTERVALS, required=bool(recurring.raw))
    count = recurring.integer("interval_count", minimum=1) or 1
    _mode_fits(mode, interval)
    return {"name": name, "currency": currency, "unit_amount": unit_amount, "quantity": quantity,
            "interval": interval, "interval_count": count, "price": None, "product": product_id}


async def create_session(tx: Tx, p: Params, *, base_url: str) -> dict[str, Any]:
    mode = p.choice("mode", ("payment", "subscription"), required=True) or ""
    customer_id, email = p.text("customer"), p.text("customer_email")
    success_url, cancel_url = p.text("success_url", required=True), p.text("cancel_url")
    metadata, reference = p.metadata(), p.text("client_reference_id")
    expires_at = p.integer("expires_at")
    lines = [await _line(tx, item, mode) for item in p.items("line_items", required=True)]
    intent_data, sub_data = p.sub("payment_intent_data"), p.sub("subscription_data")
    hidden = {
        "lines": lines,
        "intent_metadata": intent_data.metadata(),
        "intent_description": intent_data.text("description"),
        "setup_future_usage": intent_data.choice("setup_future_usage", ("off_session", "on_session")),
        "subscription_metadata": sub_data.metadata(),
    }
    p.ignore("expand", "payment_method_types", "locale", "allow_promotion_codes", "submit_type",
             "billing_address_collection")
    p.refuse_unknown()
    if mode != "payment" and intent_data.raw:
        raise StripeRefusal.invalid("You can only specify `payment_intent_data` in `payment` mode.",
                                    param="payment_intent_data")
    if mode != "subscription" and sub_data.raw:
        raise StripeRefusal.invalid("You can only specify `subscription_data` in `subscription` mode.",
                                    param="subscription_data")
    if customer_id and email:
        raise StripeRefusal.invalid("You may only specify one of these parameters: customer, "
                                    "customer_email.", param="customer_email")
    if len({line["currency"] for line in lines}) != 1 or (mode == "subscription" and len(lines) != 1):
        raise StripeRefusal.invalid("The fake Stripe takes one currency, and one line in subscription "
                                    "mode.", param="line_items")
    if customer_id:
        await payments.live_customer(tx, customer_id)
    amount = sum(line["unit_amount"] * line["quantity"] for line in lines)
    currency = lines[0]["currency"]
    payments.check_amount(amount, currency, param="line_items",
                          what="The Checkout Session's total amount due")
    session_id = objects.new_id("cs_test", 58)
    session = bo.checkout_session(
        session_id, created=tx.now, mode=mode, customer=customer_id, customer_email=email,
        currency=currency, amount=amount, metadata=metadata, success_url=success_url,
        cancel_url=cancel_url, url=f"{base_url}/pay/{session_id}", client_reference_id=reference,
        expires_at=expires_at,
    )
    return await tx.insert(session, hidden=hidden)


async def _open(tx: Tx, session_id: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The session locked, or None when it was already completed or expired."""
    stored = await tx.need(session_id, "checkout.session", lock=True)
    return (stored.data if stored.data["status"] == "open" else None), stored.hidden


async def _intent(tx: Tx, session: dict[str, Any], hidden: dict[str, Any],
                  customer: dict[str, Any] | None) -> dict[str, Any]:
    """The session's payment intent: retries after a decline reuse the first, as Checkout does."""
    if session["payment_intent"]:
        return (await tx.need(session["payment_intent"], "payment_intent")).data
    intent = objects.payment_intent(
        objects.new_id("pi"), created=tx.now, amount=session["amount_total"], currency=session["currency"],
        customer=customer["id"] if customer else None, metadata=dict(hidden["intent_metadata"]),
        description=hidden["intent_description"], setup_future_usage=hidden["setup_future_usage"],
    )
    return await tx.insert(intent)


async def complete(tx: Tx, session_id: str) -> dict[str, Any]:
    """The customer paid: the objects of a paid session, then ``checkout.session.completed``.

    Paying an already completed session changes nothing (a double click).
    """
    session, hidden = await _open(tx, session_id)
    if session is None:
        return (await tx.need(session_id, "checkout.session")).data
    subscribing = session["mode"] == "subscription"
    if session["customer"]:
        customer, _ = await payments.live_customer(tx, session["customer"])
    elif subscribing or hidden["setup_future_usage"]:
        # Checkout creates the customer when it must keep the card.
        customer = objects.customer(objects.new_id("cus", 14), created=tx.now, name=None,
                                    email=session["customer_email"], metadata={})
        await tx.insert(customer)
        await tx.emit("customer.created", customer)
    else:
        customer = None
    keep = customer is not None and (subscribing or bool(hidden["setup_future_usage"]))
    method = await payments.new_card(tx, customer, attach=keep)
    if subscribing:
        assert customer is not None
        await subscriptions.start(tx, session, hidden["lines"][0], hidden["subscription_metadata"],
                                  customer, method)
    else:
        intent = await _intent(tx, session, hidden, customer)
        if customer is not None and intent["customer"] is None:
            intent["customer"] = customer["id"]
        await payments.attempt(tx, intent, method, None)
        session["payment_intent"] = intent["id"]
    session.update(status="complete", payment_status="paid",
                   customer=customer["id"] if customer else None)
    session["customer_details"] = bo.customer_details(customer or {"email": session["customer_email"]})
    await tx.save(session)
    await tx.emit("checkout.session.completed", session)
    return session


async def decline(tx: Tx, session_id: str, decline_code: str = "generic_decline") -> str | None:
    """The card was declined: a failed attempt and its events; the session stays open.

    Returns the message Checkout shows, or None when the session is no longer open.
    """
    session, hidden = await _open(tx, session_id)
    if session is None:
        return None
    customer = None
    if session["customer"]:
        customer, _ = await payments.live_customer(tx, session["customer"])
    intent = await _intent(tx, session, hidden, customer)
    method = await payments.new_card(tx, None, attach=False)
    await payments.attempt(tx, intent, method, decline_code)
    if session["mode"] == "payment":
        session["payment_intent"] = intent["id"]
        await tx.save(session)
    return str(intent["last_payment_error"]["message"])


async def expire(tx: Tx, session_id: str) -> dict[str, Any]:
    session, _ = await _open(tx, session_id)
    if session is None:
        raise StripeRefusal.invalid(f"Session {session_id} is not open; only open sessions expire.")
    session.update(status="expired", url=None)
    await tx.save(session)
    await tx.emit("checkout.session.expired", session)
    return session


async def create_portal(tx: Tx, p: Params, *, base_url: str) -> dict[str, Any]:
    customer_id = p.text("customer", required=True) or ""
    return_url = p.text("return_url")
    p.ignore("expand", "locale", "configuration")
    p.refuse_unknown()
    await payments.live_customer(tx, customer_id)
    portal_id = objects.new_id("bps")
    portal = bo.portal_session(portal_id, created=tx.now, customer=customer_id, return_url=return_url,
                               url=f"{base_url}/portal/{portal_id}")
    return await tx.insert(portal)
