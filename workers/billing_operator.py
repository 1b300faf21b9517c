"""Billing jobs the control center asks for: the catalog's Stripe sync, and refunds.

Like the other jobs that call a provider (workers.billing): read what is
needed, call with an idempotency key derived from the request (Telegram has
none: a retried Stars refund learns from ``CHARGE_ALREADY_REFUNDED`` that the
first call went through), then record the outcome and tell the operator in
one transaction, once per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from core.billing import refund_requests
from core.billing.rails import Rail
from core.billing.stripe import catalog_sync
from core.billing.stripe.catalog_sync import Outcome
from core.delivery.effects import Effects
from core.jobs.processed import Source
from core.platform.database import connection
from core.platform.errors import PermanentError
from workers.runtime import Container, apply_once

log = structlog.get_logger(__name__)

NO_STRIPE = "Stripe is not configured (STRIPE_API_KEY)."


async def run_sync(c: Container, product_ids: list[int] | None, cause: str,
                   report: Mapping[str, Any] | None = None) -> None:
    """Mirror the products at Stripe, each recorded as it is done; the report once, at the end.

    A Stripe outage raises (retryable): the job runs again, and what was done
    already is found done.
    """
    outcomes: list[Outcome] = []
    for target in await catalog_sync.targets(c.pool, product_ids):
        if c.stripe is None:
            outcome = Outcome(target, error=NO_STRIPE)
        else:
            try:
                outcome = await catalog_sync.sync_one(c.stripe.catalog, target)
            except PermanentError as exc:
                log.error("stripe sync refused", product=target.product.code, error=str(exc))
                outcome = Outcome(target, error=str(exc))
        async with connection(c.pool) as conn:
            await catalog_sync.record(conn, outcome)
        outcomes.append(outcome)
    if report is None:
        return
    chat_id, thread_id = int(report["chat_id"]), report.get("thread_id")
    text = catalog_sync.report(outcomes)

    async def tell(tx: Effects) -> None:
        params: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
        if isinstance(thread_id, int):
            params["message_thread_id"] = thread_id
        await tx.send("sendMessage", chat_id, priority=int(report.get("priority") or 0), **params)

    await apply_once(c, Source.INTERNAL, f"sync:{cause}", tell)


async def run_refund(c: Container, refund_id: int) -> None:
    plan = await refund_requests.prepare(c.pool, refund_id)
    if plan is None:
        return
    key = f"refund:{refund_id}"
    t = plan.transaction

    async def fail(reason: str) -> None:
        await apply_once(c, Source.INTERNAL, key, lambda tx: refund_requests.failed(tx, plan, reason))

    admin = c.settings.admin_group_id
    if t.rail == Rail.STARS.value:
        assert t.external_id is not None
        try:
            now = await c.gateway.refund_star_payment(plan.telegram_id, t.external_id)
        except PermanentError as exc:
            log.error("stars refund refused", transaction_id=t.id, error=str(exc))
            await fail(f"Telegram refused: {exc}.")
            return
        log.info("stars refunded", transaction_id=t.id, refunded_now=now)
        await apply_once(c, Source.INTERNAL, key, lambda tx: refund_requests.succeeded(
            tx, plan, refunded_total=t.amount, provider_id=t.external_id or "", admin_chat_id=admin))
        return
    if c.stripe is None:
        await fail(NO_STRIPE)
        return
    try:
        intent = t.stripe_payment_intent
        if intent is None and t.stripe_charge is None and t.stripe_invoice is not None:
            # A subscription's payment: its invoice names the intent that paid it.
            intent = await c.stripe.refunds.intent_of_invoice(t.stripe_invoice)
            if intent is None:
                await fail(f"Stripe shows no payment of invoice {t.stripe_invoice}.")
                return
            await refund_requests.link_intent(c.pool, t.id, intent)
        refunded = await c.stripe.refunds.refund(
            payment_intent=intent, charge=t.stripe_charge if intent is None else None, amount=plan.amount,
            metadata={"transaction_id": str(t.id), "refund_request": str(plan.id),
                      "telegram_id": str(plan.telegram_id)},
            idempotency_key=key)
    except PermanentError as exc:
        log.error("stripe refund refused", transaction_id=t.id, error=str(exc))
        await fail(f"{exc}.")
        return
    await apply_once(c, Source.INTERNAL, key, lambda tx: refund_requests.succeeded(
        tx, plan, refunded_total=refunded.charge_refunded, provider_id=refunded.refund_id,
        charge=refunded.charge_id, payment_intent=refunded.payment_intent, admin_chat_id=admin))
