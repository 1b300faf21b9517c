"""Refunds at Stripe, asked by an operator from the control center.

The refund carries the caller's idempotency key (one per request), so a
retried job refunds once. What the product records is the charge's
*cumulative* refunded amount, read back after the refund: the same figure
the ``charge.refunded`` webhook reports, so the two converge on one state
whichever arrives first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import stripe
from stripe.params import RefundCreateParams

from core.billing.stripe.boundary import expanded_id, translated
from core.platform.errors import StripeRejected


@dataclass(frozen=True)
class Refunded:
    refund_id: str
    charge_id: str
    payment_intent: str | None
    #: Everything refunded of the charge so far, this refund included (minor units).
    charge_refunded: int


class StripeRefunds:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    async def intent_of_invoice(self, invoice_id: str) -> str | None:
        """The payment intent that paid a subscription's invoice (its default invoice payment)."""
        with translated():
            listed = await self._client.v1.invoice_payments.list_async({"invoice": invoice_id, "limit": 10})
        for payment in listed.data:
            intent = expanded_id(payment.payment.payment_intent)
            if payment.status == "paid" and intent is not None:
                return intent
        return None

    async def refund(self, *, payment_intent: str | None, charge: str | None, amount: int,
                     metadata: Mapping[str, str], idempotency_key: str) -> Refunded:
        if payment_intent is None and charge is None:
            raise StripeRejected("nothing names the payment to refund at Stripe")
        params: RefundCreateParams = {"amount": amount, "metadata": dict(metadata),
                                      "reason": "requested_by_customer"}
        if payment_intent is not None:
            params["payment_intent"] = payment_intent
        else:
            assert charge is not None
            params["charge"] = charge
        with translated():
            refund = await self._client.v1.refunds.create_async(params, {"idempotency_key": idempotency_key})
            charge_id = expanded_id(refund.charge)
            if charge_id is None:
                raise StripeRejected(f"refund {refund.id} came back without its charge")
            found = await self._client.v1.charges.retrieve_async(charge_id)
        return Refunded(refund.id, found.id, expanded_id(found.payment_intent), found.amount_refunded)
