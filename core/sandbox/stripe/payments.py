"""Customers, cards, payment intents, charges, refunds and disputes of the fake Stripe.

Each operation runs inside a :class:`~core.sandbox.stripe.store.Tx`, writes the
objects as Stripe shows them and emits the events Stripe sends for them.
"""

from __future__ import annotations

from typing import Any

from core.sandbox.stripe import objects
from core.sandbox.stripe.forms import Params
from core.sandbox.stripe.rows import DECLINES, StripeRefusal
from core.sandbox.stripe.store import Tx

#: Stripe's minimum charge per currency, in minor units (others are not checked).
MINIMUM_AMOUNT = {"usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "chf": 50}


def check_amount(amount: int, currency: str, *, param: str, what: str = "Amount") -> None:
    minimum = MINIMUM_AMOUNT.get(currency)
    if minimum is not None and amount < minimum:
        raise StripeRefusal.invalid(
            f"{what} must be at least {minimum / 100:.2f} {currency}", param=param, code="amount_too_small"
        )


# --- customers ---

async def create_customer(tx: Tx, p: Params) -> dict[str, Any]:
    p.ignore("expand")
    customer = objects.customer(
        objects.new_id("cus", 14), created=tx.now, name=p.text("name"), email=p.text("email"),
        description=p.text("description"), metadata=p.metadata(),
    )
    p.refuse_unknown()
    await tx.insert(customer)
    await tx.emit("customer.created", customer)
    return customer


async def live_customer(tx: Tx, customer_id: str, *, param: str = "customer", lock: bool = False
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The customer and what the fake remembers of it; a deleted one is "No such customer"."""
    stored = await tx.need(customer_id, "customer", lock=lock, param=param)
    if stored.data.get("deleted"):
        raise StripeRefusal.missing("customer", customer_id, param=param)
    return stored.data, stored.hidden


async def delete_customer(tx: Tx, customer_id: str) -> dict[str, Any]:
    customer, hidden = await live_customer(tx, customer_id, param="id", lock=True)
    deleted = {"id": customer_id, "object": "customer", "deleted": True}
    await tx.save(deleted, hidden=hidden)
    await tx.emit("customer.deleted", customer)
    return deleted


async def set_card_declines(tx: Tx, customer_id: str, decline_code: str | None) -> None:
    if decline_code is not None and decline_code not in DECLINES:
        raise ValueError(f"unknown decline code {decline_code!r}; known: {', '.join(DECLINES)}")
    customer, hidden = await live_customer(tx, customer_id, lock=True)
    await tx.save(customer, hidden={**hidden, "decline_code": decline_code})


async def customer_cards(tx: Tx, customer_id: str, p: Params) -> dict[str, Any]:
    p.choice("type", ("card",))
    limit = p.integer("limit", minimum=1) or 10
    p.ignore("expand")
    p.refuse_unknown()
    await live_customer(tx, customer_id, param="customer")
    found = await tx.customer_objects(customer_id, "payment_method", limit=limit + 1)
    return objects.list_object(
        f"/v1/customers/{customer_id}/payment_methods", [s.data for s in found[:limit]],
        has_more=len(found) > limit,
    )


# --- cards and charges ---

async def new_card(tx: Tx, customer: dict[str, Any] | None, *, attach: bool) -> dict[str, Any]:
    """The card typed into a payment page; attached to the customer when it is to be reused."""
    method = objects.payment_method(
        objects.new_id("pm"), created=tx.now, customer=customer["id"] if attach and customer else None,
        name=customer.get("name") if customer else None,
    )
    await tx.insert(method)
    if method["customer"]:
        await tx.emit("payment_method.attached", method)
    return method


def decline_refusal(decline_code: str, intent: dict[str, Any], method: dict[str, Any]) -> StripeRefusal:
    """The 402 card_error Stripe answers a declined confirmation with."""
    code, message = DECLINES[decline_code]
    return StripeRefusal(
        402, message, type="card_error", code=code,
        extra={"decline_code": decline_code, "charge": intent["latest_charge"],
               "payment_intent": intent, "payment_method": method},
    )


async def attempt(tx: Tx, intent: dict[str, Any], method: dict[str, Any], decline_code: str | None
                  ) -> dict[str, Any]:
    """Charge ``method`` for an intent already stored; returns the charge. Events as Stripe's."""
    decline = None
    if decline_code is not None:
        code, message = DECLINES[decline_code]
        decline = (code, decline_code, message)
    charge = objects.charge(objects.new_id("ch"), created=tx.now, intent=intent, method=method,
                            decline=decline)
    await tx.insert(charge)
    intent.update(payment_method=method["id"], latest_charge=charge["id"])
    if decline is None:
        intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None)
        await tx.save(intent)
        await tx.emit("charge.succeeded", charge)
        await tx.emit("payment_intent.succeeded", intent)
    else:
        error = decline_refusal(decline[1], intent, method).body()["error"]
        del error["payment_intent"]
        intent.update(status="requires_payment_method", last_payment_error=error)
        await tx.save(intent)
        await tx.emit("charge.failed", charge)
        await tx.emit("payment_intent.payment_failed", intent)
    return charge


async def create_payment_intent(tx: Tx, p: Params) -> tuple[dict[str, Any], StripeRefusal | None]:
    """POST /v1/payment_intents; with confirm=true the card is charged at once.

    A decline is not a failed request to roll back: the intent and its failed
    charge stay, the events go out, and the answer is the 402 (returned second).
    """
    amount = p.integer("amount", required=True, minimum=1)
    currency = (p.text("currency", required=True) or "").lower()
    customer_id, method_id = p.text("customer"), p.text("payment_method")
    confirm, off_session = p.flag("confirm"), p.flag("off_session")
    future = p.choice("setup_future_usage", ("off_session", "on_session"))
    automatic = p.sub("automatic_payment_methods")
    automatic.flag("enabled")
    automatic.choice("allow_redirects", ("always", "never"))
    metadata, description = p.metadata(), p.text("description")
    p.ignore("expand", "payment_method_types", "return_url", "statement_descriptor_suffix")
    p.refuse_unknown()
    assert amount is not None
    check_amount(amount, currency, param="amount")

    customer, hidden = (await live_customer(tx, customer_id)) if customer_id else (None, {})
    method = None
    if method_id is not None:
        method = (await tx.need(method_id, "payment_method", param="payment_method")).data
        if customer is not None and method["customer"] != customer["id"]:
            raise StripeRefusal.invalid(
                f"The customer does not have a payment method with the ID {method_id}. The payment "
                "method must be attached to the customer.", param="payment_method",
            )
    if off_session and not confirm:
        raise StripeRefusal.invalid("`off_session` can only be used when `confirm=true`.",
                                    param="off_session")
    if confirm and method is None:
        raise StripeRefusal.invalid(
            "You cannot confirm this PaymentIntent because it's missing a payment method.",
            param="payment_method", code="payment_intent_unexpected_state",
        )

    intent = objects.payment_intent(
        objects.new_id("pi"), created=tx.now, amount=amount, currency=currency,
        customer=customer_id, metadata=metadata, description=description, setup_future_usage=future,
    )
    await tx.insert(intent)
    if method is None:
        return intent, None
    if not confirm:
        intent.update(payment_method=method["id"], status="requires_confirmation")
        return await tx.save(intent), None
    decline_code = hidden.get("decline_code")
    await attempt(tx, intent, method, decline_code)
    return intent, (decline_refusal(decline_code, intent, method) if decline_code else None)


# --- refunds and disputes ---

async def create_refund(tx: Tx, p: Params) -> dict[str, Any]:
    charge_id, intent_id = p.text("charge"), p.text("payment_intent")
    amount = p.integer("amount", minimum=1)
    reason = p.choice("reason", ("duplicate", "fraudulent", "requested_by_customer"))
    metadata = p.metadata()
    p.ignore("expand")
    p.refuse_unknown()
    if charge_id is None:
        if intent_id is None:
            raise StripeRefusal.invalid(
                "One of the following params should be provided for this request: payment_intent or "
                "charge.", code="parameter_missing",
            )
        intent = (await tx.need(intent_id, "payment_intent", param="payment_intent")).data
        if intent["status"] != "succeeded":
            raise StripeRefusal.invalid(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        charge_id = intent["latest_charge"]
    return await refund(tx, charge_id, amount=amount, reason=reason, metadata=metadata)


async def refund(tx: Tx, charge_id: str, *, amount: int | None = None, reason: str | None = None,
                 metadata: dict[str, str] | None = None) -> dict[str, Any]:
    charge = (await tx.need(charge_id, "charge", lock=True, param="charge")).data
    remaining = charge["amount"] - charge["amount_refunded"]
    if charge["status"] != "succeeded":
        raise StripeRefusal.invalid(f"Charge {charge_id} has not succeeded; there is nothing to refund.",
                                    param="charge")
    if remaining <= 0:
        raise StripeRefusal.invalid(f"Charge {charge_id} has already been refunded.",
                                    code="charge_already_refunded")
    if charge["disputed"]:
        raise StripeRefusal.invalid(f"Charge {charge_id} has been charged back; cannot issue a refund.",
                                    code="charge_disputed")
    amount = remaining if amount is None else amount
    if amount > remaining:
        raise StripeRefusal.invalid(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
            param="amount", code="amount_too_large",
        )
    refund = objects.refund(objects.new_id("re"), created=tx.now, charge=charge, amount=amount,
                            reason=reason, metadata=metadata or {})
    await tx.insert(refund)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    charge["refunds"]["data"].insert(0, refund)
    await tx.save(charge)
    await tx.emit("refund.created", refund)
    await tx.emit("charge.refunded", charge)
    return refund


async def open_dispute(tx: Tx, charge_id: str, *, reason: str) -> dict[str, Any]:
    charge = (await tx.need(charge_id, "charge", lock=True, param="charge")).data
    if charge["status"] != "succeeded" or charge["disputed"]:
        raise StripeRefusal.invalid(f"Charge {charge_id} cannot be disputed (status "
                                    f"{charge['status']}, disputed {charge['disputed']}).")
    dispute = objects.dispute(objects.new_id("dp"), created=tx.now, charge=charge, reason=reason)
    await tx.insert(dispute)
    charge["disputed"] = True
    await tx.save(charge)
    await tx.emit("charge.dispute.created", dispute)
    return dispute


async def close_dispute(tx: Tx, dispute_id: str, *, won: bool) -> dict[str, Any]:
    dispute = (await tx.need(dispute_id, "dispute", lock=True)).data
    if dispute["status"] in ("won", "lost"):
        raise StripeRefusal.invalid(f"Dispute {dispute_id} is already closed ({dispute['status']}).")
    dispute["status"] = "won" if won else "lost"
    await tx.save(dispute)
    await tx.emit("charge.dispute.closed", dispute)
    return dispute
