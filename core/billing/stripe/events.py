"""Stripe events, applied in the billing worker's transaction (exactly once per event id).

Each type the product acts on has a handler; every event, acted on or not,
is recorded in ``stripe_events`` with what came of it. Handlers never call
Stripe: everything they need is in the event, and what is not known yet
(a refund before its payment) is recorded and applied when it becomes known.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from core.billing import event_log, refunds
from core.billing.event_log import Event, Handled
from core.billing.stripe import payments, subscriptions
from core.delivery.effects import Effects

Handler = Callable[[Effects, Event, int], Awaitable[Handled]]


async def _completed(tx: Effects, e: Event, admin: int) -> Handled:
    return await payments.on_session_completed(tx, e.object, admin_chat_id=admin)


async def _async_succeeded(tx: Effects, e: Event, admin: int) -> Handled:
    return await payments.on_session_completed(tx, e.object, admin_chat_id=admin, paid_now=True)


async def _async_failed(tx: Effects, e: Event, admin: int) -> Handled:
    return await payments.on_session_async_failed(tx, e.object)


async def _expired(tx: Effects, e: Event, admin: int) -> Handled:
    return await payments.on_session_expired(tx, e.object)


async def _intent_failed(tx: Effects, e: Event, admin: int) -> Handled:
    return await payments.on_intent_failed(tx, e.object, admin_chat_id=admin)


async def _intent_succeeded(tx: Effects, e: Event, admin: int) -> Handled:
    return await payments.on_intent_succeeded(tx, e.object, admin_chat_id=admin)


async def _refunded(tx: Effects, e: Event, admin: int) -> Handled:
    return await refunds.on_charge_refunded(tx, e.object, admin_chat_id=admin)


async def _disputed(tx: Effects, e: Event, admin: int) -> Handled:
    return await refunds.on_dispute_created(tx, e.object, admin_chat_id=admin)


async def _invoice_paid(tx: Effects, e: Event, admin: int) -> Handled:
    return await subscriptions.on_invoice_paid(tx, e.object, admin_chat_id=admin)


async def _sub_updated(tx: Effects, e: Event, admin: int) -> Handled:
    return await subscriptions.on_subscription_changed(tx, e, deleted=False)


async def _sub_deleted(tx: Effects, e: Event, admin: int) -> Handled:
    return await subscriptions.on_subscription_changed(tx, e, deleted=True)


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _completed,
    "checkout.session.async_payment_succeeded": _async_succeeded,
    "checkout.session.async_payment_failed": _async_failed,
    "checkout.session.expired": _expired,
    "payment_intent.payment_failed": _intent_failed,
    "payment_intent.succeeded": _intent_succeeded,
    "charge.refunded": _refunded,
    "charge.dispute.created": _disputed,
    "invoice.paid": _invoice_paid,
    "customer.subscription.updated": _sub_updated,
    "customer.subscription.deleted": _sub_deleted,
}


async def apply(tx: Effects, raw: Mapping[str, Any], *, admin_chat_id: int) -> Handled:
    """Apply one event and record what came of it."""
    event = Event.parse(raw)
    handler = HANDLERS.get(event.type)
    handled = (await handler(tx, event, admin_chat_id) if handler is not None
               else event_log.ignored("not an event the product acts on"))
    await event_log.record(tx, event, handled, admin_chat_id=admin_chat_id)
    return handled
