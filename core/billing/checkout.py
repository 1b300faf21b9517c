"""Stripe Checkout: the messaging side records the wish, a billing job makes the session.

The messaging worker opens a pending transaction (key from the update that
asked) and defers a billing job in the same database transaction; the job
makes sure the user has a Stripe customer, creates the session with an
idempotency key derived from that transaction, and sends the link through the
outbox. Network calls never run inside a database transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

from core import i18n
from core.accounts.users import User
from core.billing import catalog, keyboards, packages, texts, transactions
from core.billing.catalog import Product
from core.billing.rails import Rail, start_link, stripe_lock
from core.billing.stripe.gateway import CheckoutLink, CheckoutMode, StripeGateway
from core.billing.transactions import Kind, Status, Transaction
from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.config import Settings
from core.platform.database import connection
from core.platform.errors import StripeRejected
from core.platform.sql import q


async def request(tx: Effects, user: User, product: Product) -> Transaction | None:
    """Record a card purchase and queue the job that creates its Checkout session."""
    kind = Kind.SUBSCRIPTION if product.subscription_interval else Kind.PURCHASE
    t = await transactions.open_pending(tx.conn, user_id=user.id, product=product, rail=Rail.STRIPE,
                                        kind=kind, key=f"checkout:{tx.cause}")
    if t is None:
        return None
    await queues.defer(tx.conn, [JobRequest(Queue.BILLING, Task.BILLING_CHECKOUT,
                                            stripe_lock(user.telegram_id), {"transaction_id": t.id})])
    return t


@dataclass(frozen=True)
class Plan:
    """What the job needs, read before any call to Stripe."""

    transaction: Transaction
    product: Product
    user_id: int
    telegram_id: int
    name: str
    customer_id: str | None
    lang: str  # of the messages the job sends


async def prepare(pool: asyncpg.Pool, transaction_id: int) -> Plan | None:
    """The purchase still waiting for its session, or None."""
    async with connection(pool) as conn:
        t = await transactions.get(conn, transaction_id)
        if t is None or t.status is not Status.PENDING or t.external_id is not None or t.user_id is None:
            return None
        product = await catalog.by_id(conn, t.product_id) if t.product_id is not None else None
        row = await conn.fetchrow(q("checkout_user"), t.user_id)
    if product is None or row is None:
        return None
    return Plan(t, product, t.user_id, row["telegram_id"], row["name"], row["stripe_customer_id"],
                i18n.negotiate(row["language"], row["language_code"]))


async def ensure_customer(pool: asyncpg.Pool, stripe: StripeGateway, *, user_id: int, telegram_id: int,
                          name: str, existing: str | None) -> str:
    """The user's Stripe customer, created once and remembered (again if it was deleted at Stripe)."""
    customer = await stripe.ensure_customer(telegram_id, name, existing)
    if customer != existing:
        async with connection(pool) as conn:
            await conn.execute(q("checkout_user_set_stripe_customer"), user_id, customer)
    return customer


def metadata(plan: Plan) -> dict[str, str]:
    """Carried by the session, its payment and its subscription: who bought what."""
    return {"telegram_id": str(plan.telegram_id), "user_id": str(plan.user_id),
            "product": plan.product.code, "transaction_id": str(plan.transaction.id), "purpose": "checkout"}


def _price_id(plan: Plan, interval: str | None) -> str | None:
    """The product's Stripe Price, if it charges what this purchase was offered at."""
    t, product = plan.transaction, plan.product
    if (product.stripe_price is None or product.stripe_price_amount != t.amount
            or product.stripe_price_currency != t.currency.lower()
            or product.stripe_price_interval != interval):
        return None
    return product.stripe_price


#: Stripe takes a Checkout page's expiry 30 minutes to 24 hours ahead.
_SOONEST_EXPIRY = 31 * 60


def _expiry(t: Transaction) -> int:
    """When a limited package's page stops taking payment: as its hold ends.

    Derived from the purchase, not the clock, so a retried job asks Stripe the
    same thing under the same idempotency key.
    """
    held = int(t.created_at.timestamp() + packages.HOLD.total_seconds())
    return max(held, int(time.time()) + _SOONEST_EXPIRY)


async def create(stripe: StripeGateway, settings: Settings, plan: Plan, customer_id: str) -> CheckoutLink:
    """The Checkout page for the purchase, at the price it was offered at.

    The product's Stripe Price is used when it charges that price; a price
    changed since (or not synced yet) is given inline, so an open purchase
    pays what the user saw. A limited custom package's page expires with the
    use it holds (core.billing.packages).
    """
    t, product = plan.transaction, plan.product
    interval = product.subscription_interval if t.kind is Kind.SUBSCRIPTION else None
    price_id = _price_id(plan, interval)
    expires_at = _expiry(t) if product.limited else None

    async def session(price: str | None, stripe_product: str | None, key: str) -> CheckoutLink:
        return await stripe.create_checkout_session(
            customer_id=customer_id,
            mode=CheckoutMode.SUBSCRIPTION if interval else CheckoutMode.PAYMENT,
            amount=t.amount, currency=t.currency, product_name=product.name,
            recurring_interval=interval, metadata=metadata(plan),
            # Telegram's start parameter takes 64 characters: the transaction id, not the session id.
            success_url=start_link(settings, f"paid_{t.id}"),
            cancel_url=start_link(settings, f"canceled_{t.id}"),
            idempotency_key=key,
            # Saved at checkout for auto-recharge, which charges it off-session.
            save_payment_method=True, price_id=price, stripe_product_id=stripe_product,
            expires_at=expires_at,
        )

    key = f"checkout:{t.idempotency_key}"
    if price_id is None and product.stripe_product_id is None:
        return await session(None, None, key)
    try:
        return await session(price_id, None if price_id else product.stripe_product_id, key)
    except StripeRejected:
        # A sync archived the Price (a newer price) or the Product (disabled) a moment ago:
        # the purchase was opened before, so it pays what it was offered at, described inline.
        return await session(None, None, f"{key}:inline")


async def record_link(tx: Effects, plan: Plan, link: CheckoutLink) -> None:
    t = plan.transaction
    recorded = await tx.conn.fetchval(q("checkout_transaction_set_checkout"), t.id, link.session_id, link.url)
    if recorded is None:
        return
    if plan.product.limited:
        await packages.hold(tx.conn, t.id)  # as long as the page takes payment
    await tx.send("sendMessage", plan.telegram_id, parse_mode=texts.PARSE_MODE,
                  text=texts.checkout_link(plan.product.name, t.amount, t.currency,
                                                   subscription=t.kind is Kind.SUBSCRIPTION, lang=plan.lang),
                  reply_markup=keyboards.checkout_keyboard(t.amount, t.currency, link.url,
                                                               lang=plan.lang))


async def record_failure(tx: Effects, plan: Plan, reason: str) -> None:
    t = await transactions.get(tx.conn, plan.transaction.id, lock=True)
    if t is None or t.status is not Status.PENDING:
        return
    await transactions.set_status(tx.conn, t.id, Status.FAILED, failure=reason)
    await tx.send("sendMessage", plan.telegram_id, text=texts.checkout_unavailable(lang=plan.lang))
