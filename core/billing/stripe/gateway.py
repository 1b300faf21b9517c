"""Stripe, as the product uses it: customers, Checkout, the portal, off-session charges.

Calls go through the official ``stripe`` library (``StripeClient`` over its
aiohttp client, so they are async) to Stripe or, in sandbox mode and tests, to
the fake at ``STRIPE_API_BASE``. Stripe's exceptions are translated here, at
the boundary, into the product's error tree: retry what may succeed later,
give up on what will not, and tell a declined card apart from both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import stripe
from stripe.params import PaymentIntentCreateParams
from stripe.params.checkout import (
    SessionCreateParams,
    SessionCreateParamsLineItem,
    SessionCreateParamsLineItemPriceData,
)

from core.billing.stripe.boundary import expanded_id as _expanded_id
from core.billing.stripe.boundary import translated as _translated
from core.billing.stripe.catalog_calls import StripeCatalog
from core.billing.stripe.event_calls import StripeEvents
from core.billing.stripe.refund_calls import StripeRefunds
from core.platform.errors import NoSavedCard, PaymentDeclined, StripeRejected, StripeUnavailable

#: The errors its calls raise, for callers that import them from here.
__all__ = ["CheckoutLink", "CheckoutMode", "IntentStatus", "Interval", "NoSavedCard", "Payment",
           "PaymentDeclined",
           "StripeGateway", "StripeRejected", "StripeUnavailable", "SubscriptionState"]


class CheckoutMode(StrEnum):
    PAYMENT = "payment"
    SUBSCRIPTION = "subscription"


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class IntentStatus(StrEnum):
    """A PaymentIntent's status; an off-session charge normally ends ``succeeded``."""

    SUCCEEDED = "succeeded"
    PROCESSING = "processing"
    REQUIRES_ACTION = "requires_action"
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_CAPTURE = "requires_capture"
    CANCELED = "canceled"


# --- results ---

@dataclass(frozen=True)
class CheckoutLink:
    session_id: str
    url: str


@dataclass(frozen=True)
class Payment:
    id: str
    status: IntentStatus
    amount: int
    currency: str
    charge_id: str | None


@dataclass(frozen=True)
class SubscriptionState:
    id: str
    status: str
    canceled_at: int | None


class StripeGateway:
    """The product's Stripe calls; one per process, closed on shutdown."""

    def __init__(self, api_key: str, *, api_base: str | None = None, max_network_retries: int = 2,
                 timeout: float = 30.0) -> None:
        self._http = stripe.AIOHTTPClient(timeout=timeout)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            http_client=self._http,
            # Retries reuse the request's idempotency key, so they cannot charge twice.
            max_network_retries=max_network_retries,
        )
        #: Products and Prices (the catalog's mirror at Stripe), and refunds.
        self.catalog = StripeCatalog(self._client)
        self.refunds = StripeRefunds(self._client)
        #: The event list, for the events a webhook never brought.
        self.events = StripeEvents(self._client)

    async def close(self) -> None:
        # stripe 16 leaves AIOHTTPClient.close_async unannotated.
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def ensure_customer(self, telegram_id: int, name: str | None, existing_id: str | None) -> str:
        """The user's Stripe customer: ``existing_id`` while it exists, else a new one."""
        with _translated():
            if existing_id:
                try:
                    found = await self._client.v1.customers.retrieve_async(existing_id)
                except stripe.InvalidRequestError as exc:
                    if exc.code != "resource_missing":
                        raise
                else:
                    # A deleted customer still answers, as {"id": ..., "deleted": true}.
                    if not getattr(found, "deleted", None):
                        return found.id
            # Two concurrent first purchases of one user get the same customer.
            fingerprint = hashlib.sha256(f"{name}|{existing_id}".encode()).hexdigest()[:16]
            customer = await self._client.v1.customers.create_async(
                {"name": name or str(telegram_id), "metadata": {"telegram_id": str(telegram_id)}},
                {"idempotency_key": f"customer-{telegram_id}-{fingerprint}"},
            )
            return customer.id

    async def create_checkout_session(
        self,
        *,
        customer_id: str,
        mode: CheckoutMode | str,
        amount: int,
        currency: str,
        product_name: str,
        recurring_interval: Interval | str | None,
        metadata: Mapping[str, str],
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        save_payment_method: bool,
        price_id: str | None = None,
        stripe_product_id: str | None = None,
        expires_at: int | None = None,
    ) -> CheckoutLink:
        """A hosted Checkout page for one line; its events carry ``metadata``.

        ``price_id``: the product's Stripe Price, when it charges ``amount``;
        otherwise the price is given inline (of ``stripe_product_id`` when the
        product has one at Stripe). ``expires_at``: when the page stops taking
        payment (Stripe allows 30 minutes to 24 hours ahead).
        """
        mode = CheckoutMode(mode)
        if (mode is CheckoutMode.SUBSCRIPTION) != (recurring_interval is not None):
            raise ValueError("a subscription needs a recurring_interval, a one-time payment none")
        line: SessionCreateParamsLineItem
        if price_id is not None:
            line = {"price": price_id, "quantity": 1}
        else:
            price: SessionCreateParamsLineItemPriceData = {"currency": currency.lower(),
                                                           "unit_amount": amount}
            if stripe_product_id is not None:
                price["product"] = stripe_product_id
            else:
                price["product_data"] = {"name": product_name}
            if recurring_interval is not None:
                price["recurring"] = {"interval": Interval(recurring_interval).value}
            line = {"price_data": price, "quantity": 1}
        params: SessionCreateParams = {
            "mode": mode.value, "customer": customer_id, "success_url": success_url,
            "cancel_url": cancel_url, "metadata": dict(metadata), "line_items": [line],
        }
        if expires_at is not None:
            params["expires_at"] = expires_at
        if mode is CheckoutMode.PAYMENT:
            # The payment's own objects (intent, charge, refunds) carry the metadata too.
            params["payment_intent_data"] = {"metadata": dict(metadata)}
            if save_payment_method:
                params["payment_intent_data"]["setup_future_usage"] = "off_session"
        else:
            # Renewal invoices show the subscription's metadata; subscriptions always keep the card.
            params["subscription_data"] = {"metadata": dict(metadata)}
        with _translated():
            session = await self._client.v1.checkout.sessions.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        if not session.url:
            raise StripeRejected(f"Checkout session {session.id} came back without a URL")
        return CheckoutLink(session_id=session.id, url=session.url)

    async def create_portal_session(self, customer_id: str, return_url: str) -> str:
        """The URL of the customer portal, where the user manages subscriptions and cards."""
        with _translated():
            portal = await self._client.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url}
            )
        return portal.url

    async def _saved_card(self, customer_id: str) -> str:
        customer = await self._client.v1.customers.retrieve_async(customer_id)
        if getattr(customer, "deleted", None):
            raise NoSavedCard(f"customer {customer_id} was deleted")
        settings = customer.invoice_settings
        default = _expanded_id(settings.default_payment_method) if settings else None
        if default:
            return default
        # Checkout saves the card on the customer without making it the default: take the newest.
        cards = await self._client.v1.customers.payment_methods.list_async(
            customer_id, {"type": "card", "limit": 1}
        )
        if not cards.data:
            raise NoSavedCard(f"customer {customer_id} has no saved card")
        return cards.data[0].id

    async def charge_off_session(
        self,
        *,
        customer_id: str,
        amount: int,
        currency: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> Payment:
        """Charge the customer's saved card without them present (auto-recharge).

        Raises PaymentDeclined with Stripe's message when the bank says no,
        NoSavedCard when there is nothing to charge.
        """
        with _translated():
            card = await self._saved_card(customer_id)
            params: PaymentIntentCreateParams = {
                "amount": amount, "currency": currency.lower(), "customer": customer_id,
                "payment_method": card, "off_session": True, "confirm": True,
                "metadata": dict(metadata),
                # A saved card never redirects; without this Stripe would ask for a return_url.
                "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            }
            intent = await self._client.v1.payment_intents.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        return Payment(id=intent.id, status=IntentStatus(intent.status), amount=intent.amount,
                       currency=intent.currency, charge_id=_expanded_id(intent.latest_charge))

    async def cancel_subscription(self, subscription_id: str) -> SubscriptionState:
        """Cancel now; a subscription already canceled is left as it is (safe to retry)."""
        with _translated():
            try:
                sub = await self._client.v1.subscriptions.cancel_async(subscription_id)
            except stripe.InvalidRequestError as exc:
                # Stripe answers "No such subscription" when it was canceled before.
                if exc.code != "resource_missing":
                    raise
                sub = await self._client.v1.subscriptions.retrieve_async(subscription_id)
                if sub.status != "canceled":
                    raise
        return SubscriptionState(id=sub.id, status=sub.status, canceled_at=sub.canceled_at)
