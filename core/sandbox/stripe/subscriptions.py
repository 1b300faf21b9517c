"""Subscriptions and their invoices in the fake Stripe: start, renew, cancel."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

from core.sandbox.stripe import billing_objects as bo
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
    if charge["status"] == "succeeded":
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
        invoice["status_transitions"]["paid_at"] = tx.now
        await tx.insert(invoice)
        await tx.emit("invoice.paid", invoice)
        await tx.emit("invoice.payment_succeeded", invoice)
    else:
        invoice["next_payment_attempt"] = tx.now + RETRY_AFTER
        await tx.insert(invoice)
        await tx.emit("invoice.payment_failed", invoice)
    return invoice


async def start(tx: Tx, session: dict[str, Any], line: dict[str, Any], metadata: dict[str, str],
                customer: dict[str, Any], method: dict[str, Any]) -> dict[str, Any]:
    """The subscription a completed Checkout session in subscription mode creates, first invoice paid."""
    product = bo.product(new_id("prod", 14), created=tx.now, name=line["name"])
    price = bo.price(new_id("price"), created=tx.now, product=product["id"], currency=line["currency"],
                     unit_amount=line["unit_amount"], interval=line["interval"],
                     interval_count=line["interval_count"])
    await tx.insert(product)
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
