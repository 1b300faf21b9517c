"""Subscriptions and their invoices in the fake Stripe: start, renew, cancel."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

from core.sandbox.stripe import billing_objects as bo
from core.sandbox.stripe import objects
from core.sandbox.stripe.forms import Params
from core.sandbox.stripe.objects import new_id, payment_intent
from core.sandbox.stripe.payments import attempt, live_customer
from core.sandbox.stripe.rows import StripeRefusal
from core.sandbox.stripe.store import Tx

#: Stripe retries a failed renewal; the invoice says when (Smart Retries vary, 3 days is typical).
RETRY_AFTER = 3 * 86400


def add_interval(ts: int, interval: str, count: int) -> int:
    """``ts`` moved on by a billing interval, months kept on the same day where the month allows."""
    moment = datetime.fromtimestamp(ts, UTC)
    if interval in ("day", "week"):
        return int((moment + timedelta(days=count * (7 if interval == "week" else 1))).timestamp())
    months = moment.month - 1 + count * (12 if interval == "year" else 1)
    year, month = moment.year + months // 12, months % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


async def _bill(tx: Tx, sub: dict[str, Any], invoice_id: str, *, reason: str,
                decline_code: str | None) -> dict[str, Any]:
    """Create the period's invoice and charge the subscription's card for it."""
    customer, _ = await live_customer(tx, sub["customer"], lock=True)
    sub_hidden = (await tx.need(sub["id"], "subscription")).hidden
    invoice = bo.invoice(invoice_id, created=tx.now, customer=customer, sub=sub,
                         product_name=sub_hidden.get("product_name", "Subscription"), billing_reason=reason)
    customer["next_invoice_sequence"] += 1
    await tx.save(customer)
    method = (await tx.need(sub["default_payment_method"], "payment_method")).data
    intent = payment_intent(
        new_id("pi"), created=tx.now, amount=invoice["amount_due"], currency=invoice["currency"],
        customer=customer["id"], metadata={},
        description="Subscription creation" if reason == "subscription_create" else "Subscription update",
    )
    await tx.insert(intent)
    charge = await attempt(tx, intent, method, decline_code)
    invoice.update(attempted=True, attempt_count=1)
    # The intent that paid it: listed by /v1/invoice_payments (invoices no longer name it).
    paid_by = {"payment_intent": intent["id"], "paid_at": None}
    if charge["status"] == "succeeded":
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
        invoice["status_transitions"]["paid_at"] = tx.now
        paid_by["paid_at"] = tx.now
        await tx.insert(invoice, hidden=paid_by)
        await tx.emit("invoice.paid", invoice)
        await tx.emit("invoice.payment_succeeded", invoice)
    else:
        invoice["next_payment_attempt"] = tx.now + RETRY_AFTER
        await tx.insert(invoice, hidden=paid_by)
        await tx.emit("invoice.payment_failed", invoice)
    return invoice


async def start(tx: Tx, session: dict[str, Any], line: dict[str, Any], metadata: dict[str, str],
                customer: dict[str, Any], method: dict[str, Any]) -> dict[str, Any]:
    """The subscription a completed Checkout session in subscription mode creates, first invoice paid."""
    if line.get("price"):
        # A Price by id: the subscription bills it.
        price = (await tx.need(line["price"], "price")).data
    else:
        # An inline price: Stripe makes an inactive Price (and Product, unless one was named).
        product_id = line.get("product")
        if not product_id:
            product = bo.product(new_id("prod", 14), created=tx.now, name=line["name"])
            await tx.insert(product)
            product_id = product["id"]
        price = bo.price(new_id("price"), created=tx.now, product=product_id, currency=line["currency"],
                         unit_amount=line["unit_amount"], interval=line["interval"],
                         interval_count=line["interval_count"])
        await tx.insert(price)
    end = add_interval(tx.now, line["interval"], line["interval_count"])
    sub = bo.subscription(new_id("sub"), created=tx.now, customer=customer["id"], price=price,
                          default_payment_method=method["id"], metadata=metadata, period=(tx.now, end))
    invoice_id = new_id("in")
    sub["latest_invoice"] = invoice_id
    await tx.insert(sub, hidden={"product_name": line["name"]})
    await tx.emit("customer.subscription.created", sub)
    invoice = await _bill(tx, sub, invoice_id, reason="subscription_create", decline_code=None)
    session.update(subscription=sub["id"], invoice=invoice["id"])
    return sub


async def renew(tx: Tx, subscription_id: str) -> dict[str, Any]:
    """The next billing period: a new invoice charged to the card; declines make it past_due."""
    sub = (await tx.need(subscription_id, "subscription", lock=True)).data
    if sub["status"] not in ("active", "past_due"):
        raise StripeRefusal.invalid(f"Subscription {subscription_id} is {sub['status']}; it does not renew.")
    _, hidden = await live_customer(tx, sub["customer"])
    item = sub["items"]["data"][0]
    recurring = item["price"]["recurring"]
    previous = {"items": {"data": [dict(item)]}, "latest_invoice": sub["latest_invoice"],
                "status": sub["status"]}
    start_at = item["current_period_end"]
    item["current_period_start"] = start_at
    item["current_period_end"] = add_interval(start_at, recurring["interval"], recurring["interval_count"])
    sub["latest_invoice"] = new_id("in")
    invoice = await _bill(tx, sub, sub["latest_invoice"], reason="subscription_cycle",
                          decline_code=hidden.get("decline_code"))
    sub["status"] = "active" if invoice["status"] == "paid" else "past_due"
    await tx.save(sub)
    await tx.emit("customer.subscription.updated", sub, previous_attributes=previous)
    return invoice


async def cancel(tx: Tx, subscription_id: str, *, comment: str | None = None,
                 feedback: str | None = None) -> dict[str, Any]:
    """Cancel now. A canceled subscription is gone for this call: Stripe answers "No such subscription"."""
    sub = (await tx.need(subscription_id, "subscription", lock=True, param="id")).data
    if sub["status"] == "canceled":
        raise StripeRefusal.missing("subscription", subscription_id)
    sub.update(status="canceled", canceled_at=tx.now, ended_at=tx.now)
    sub["cancellation_details"] = {"comment": comment, "feedback": feedback,
                                   "reason": "cancellation_requested"}
    await tx.save(sub)
    await tx.emit("customer.subscription.deleted", sub)
    return sub


async def invoice_payments(tx: Tx, p: Params) -> dict[str, Any]:
    """GET /v1/invoice_payments?invoice=...: an invoice's payment (the fake pays each with one intent)."""
    invoice_id = p.text("invoice", required=True) or ""
    limit = p.integer("limit", minimum=1) or 10
    p.ignore("expand")
    p.refuse_unknown()
    stored = await tx.need(invoice_id, "invoice", param="invoice")
    intent = stored.hidden.get("payment_intent")
    found = []
    if intent:
        invoice, paid_at = stored.data, stored.hidden.get("paid_at")
        found.append({
            "id": "inpay_" + invoice_id.removeprefix("in_"), "object": "invoice_payment",
            "amount_paid": invoice["amount_paid"] if paid_at else None,
            "amount_requested": invoice["amount_due"], "created": invoice["created"],
            "currency": invoice["currency"], "invoice": invoice_id, "is_default": True, "livemode": False,
            "payment": {"type": "payment_intent", "payment_intent": intent},
            "status": "paid" if paid_at else "open",
            "status_transitions": {"canceled_at": None, "paid_at": paid_at},
        })
    return objects.list_object("/v1/invoice_payments", found[:limit])
