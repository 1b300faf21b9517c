"""The ``billing`` queue: Stripe events, Telegram Stars payments, and the jobs that call Stripe.

Events and payment updates are applied exactly once (``apply_once``) without
any network call inside their transaction. The jobs that call Stripe read
what they need first, call Stripe with an idempotency key derived from the
request that caused them, then record the outcome and its messages in one
transaction, once per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from procrastinate import App

from core.billing import auto_recharge, checkout, history, portal, recharges, stars, texts
from core.billing.rails import bot_link
from core.billing.stripe import events
from core.billing.stripe.gateway import IntentStatus
from core.billing.texts import Reason
from core.delivery.effects import Effects
from core.jobs.processed import Source
from core.jobs.queues import Task
from core.platform.database import connection
from core.platform.errors import NoSavedCard, PaymentDeclined, PermanentError
from workers.billing_operator import run_refund, run_sync
from workers.runtime import Container, apply_once, job

log = structlog.get_logger(__name__)


async def handle_update(c: Container, update: Mapping[str, Any]) -> None:
    async def effects(tx: Effects) -> None:
        query = update.get("pre_checkout_query")
        message = update.get("message")
        if isinstance(query, Mapping):
            await stars.on_pre_checkout(tx, query)
        elif isinstance(message, Mapping) and isinstance(message.get("successful_payment"), Mapping):
            structlog.contextvars.bind_contextvars(user_id=(message.get("from") or {}).get("id"))
            await stars.on_successful_payment(tx, message, admin_chat_id=c.settings.admin_group_id)
        elif isinstance(message, Mapping) and isinstance(message.get("refunded_payment"), Mapping):
            structlog.contextvars.bind_contextvars(user_id=(message.get("from") or {}).get("id"))
            await stars.on_refunded_payment(tx, message, admin_chat_id=c.settings.admin_group_id)
        else:
            log.warning("billing update without a handler", keys=sorted(update))

    await apply_once(c, Source.TELEGRAM, str(update["update_id"]), effects)


async def handle_stripe_event(c: Container, event: Mapping[str, Any]) -> None:
    async def effects(tx: Effects) -> None:
        handled = await events.apply(tx, event, admin_chat_id=c.settings.admin_group_id)
        log.info("stripe event", type=event.get("type"), outcome=handled.outcome.value, note=handled.note,
                 transaction_id=handled.transaction_id)

    await apply_once(c, Source.STRIPE, str(event["id"]), effects)


async def run_checkout(c: Container, transaction_id: int) -> None:
    plan = await checkout.prepare(c.pool, transaction_id)
    if plan is None:
        return
    key = f"checkout:{transaction_id}"
    if c.stripe is None:
        await apply_once(c, Source.INTERNAL, key, lambda tx: checkout.record_failure(tx, plan, "Stripe off"))
        return
    try:
        customer = await checkout.ensure_customer(c.pool, c.stripe, user_id=plan.user_id,
                                                  telegram_id=plan.telegram_id, name=plan.name,
                                                  existing=plan.customer_id)
        link = await checkout.create(c.stripe, c.settings, plan, customer)
    except PermanentError as exc:
        log.error("checkout not created", transaction_id=transaction_id, error=str(exc))
        reason = str(exc)
        await apply_once(c, Source.INTERNAL, key, lambda tx: checkout.record_failure(tx, plan, reason))
        return
    await apply_once(c, Source.INTERNAL, key, lambda tx: checkout.record_link(tx, plan, link))


async def run_portal(c: Container, user_id: int, cause: str) -> None:
    plan = await portal.prepare(c.pool, user_id)
    if plan is None:
        return
    key = f"portal:{cause}"
    try:
        if c.stripe is None:
            raise NoSavedCard("Stripe is not configured")
        customer = await checkout.ensure_customer(c.pool, c.stripe, user_id=plan.user_id,
                                                  telegram_id=plan.telegram_id, name=plan.name,
                                                  existing=plan.customer_id)
        url = await c.stripe.create_portal_session(customer, bot_link(c.settings))
    except PermanentError as exc:
        log.error("billing portal not created", user_id=plan.telegram_id, error=str(exc))
        await apply_once(c, Source.INTERNAL, key, lambda tx: portal.record_failure(tx, plan))
        return
    await apply_once(c, Source.INTERNAL, key, lambda tx: portal.record_link(tx, plan, url))


async def run_auto_recharge(c: Container, transaction_id: int) -> None:
    charge = await auto_recharge.prepare(c.pool, transaction_id)
    if charge is None:
        return
    t, key = charge.transaction, f"auto_recharge:{transaction_id}"

    async def fail(reason: str, intent: str | None = None) -> None:
        await apply_once(c, Source.INTERNAL, key,
                         lambda tx: recharges.failed(tx, t, reason, payment_intent=intent))

    if not charge.enabled:
        await apply_once(c, Source.INTERNAL, key, lambda tx: recharges.canceled(tx, t))
        return
    if c.stripe is None or charge.customer_id is None:
        await fail(Reason.NO_SAVED_CARD)
        return
    try:
        payment = await c.stripe.charge_off_session(
            customer_id=charge.customer_id, amount=t.amount, currency=t.currency,
            metadata={"telegram_id": str(charge.telegram_id), "transaction_id": str(t.id),
                      "purpose": "auto_recharge"},
            idempotency_key=charge.idempotency_key,
        )
    except PaymentDeclined as exc:
        await fail(str(exc), exc.payment_intent_id)
        return
    except NoSavedCard:
        await fail(Reason.NO_SAVED_CARD)
        return
    except PermanentError as exc:
        log.error("auto-recharge refused by Stripe", transaction_id=t.id, error=str(exc))
        await fail(Reason.NOT_MADE)
        return
    if payment.status is IntentStatus.SUCCEEDED:
        admin = c.settings.admin_group_id
        await apply_once(c, Source.INTERNAL, key, lambda tx: recharges.charged(
            tx, t, payment_intent=payment.id, charge=payment.charge_id, admin_chat_id=admin))
    elif payment.status is IntentStatus.PROCESSING:
        log.info("auto-recharge processing; its payment_intent event settles it", transaction_id=t.id)
    else:
        await fail(Reason.NEEDS_CONFIRMATION, payment.id)


async def run_export(c: Container, user_id: int, cause: str) -> None:
    """Send the history as a CSV document, once per request.

    The CSV is read first; the outbox row that sends it commits with the
    request's processed marker, so a retried job sends nothing twice and the
    delivery holds the document to the user's chat limits like any message.
    """
    from core.accounts import language

    async with connection(c.pool) as conn:
        export = await history.export(conn, user_id, cause)
    if export is None:
        return
    telegram_id, document = export

    async def effects(tx: Effects) -> None:
        lang = await language.of_telegram_id(tx.conn, telegram_id)
        await tx.send("sendDocument", telegram_id, document_text=document.decode("utf-8"),
                      file_name="history.csv", caption=texts.history_export_caption(lang=lang))

    await apply_once(c, Source.INTERNAL, f"export:{cause}", effects)


def register(app: App, c: Container) -> None:
    @job(app, c, Task.BILLING_UPDATE, bind=lambda a: {"update_id": a["update"].get("update_id")})
    async def billing_update(c: Container, update: dict[str, Any]) -> None:
        await handle_update(c, update)

    @job(app, c, Task.BILLING_STRIPE_EVENT, bind=lambda a: {"event_id": a["event"].get("id")})
    async def billing_stripe_event(c: Container, event: dict[str, Any]) -> None:
        await handle_stripe_event(c, event)

    @job(app, c, Task.BILLING_CHECKOUT, bind=lambda a: {"transaction_id": a["transaction_id"]})
    async def billing_checkout(c: Container, transaction_id: int) -> None:
        await run_checkout(c, transaction_id)

    @job(app, c, Task.BILLING_PORTAL, bind=lambda a: {"cause": a["cause"]})
    async def billing_portal_link(c: Container, user_id: int, cause: str) -> None:
        await run_portal(c, user_id, cause)

    @job(app, c, Task.BILLING_AUTO_RECHARGE, bind=lambda a: {"transaction_id": a["transaction_id"]})
    async def billing_auto_recharge(c: Container, transaction_id: int) -> None:
        await run_auto_recharge(c, transaction_id)

    @job(app, c, Task.BILLING_EXPORT_HISTORY, bind=lambda a: {"cause": a["cause"]})
    async def billing_export_history(c: Container, user_id: int, cause: str) -> None:
        await run_export(c, user_id, cause)

    @job(app, c, Task.BILLING_SYNC_PRODUCTS, bind=lambda a: {"cause": a.get("cause")})
    async def billing_sync_products(c: Container, product_ids: list[int] | None, cause: str = "",
                                    report: dict[str, Any] | None = None) -> None:
        await run_sync(c, product_ids, cause, report)

    @job(app, c, Task.BILLING_REFUND, bind=lambda a: {"refund_id": a["refund_id"]})
    async def billing_refund(c: Container, refund_id: int) -> None:
        await run_refund(c, refund_id)
