"""The ``billing`` queue: Stripe events and Telegram Stars payments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from procrastinate import App, JobContext

from core import texts
from core.effects import Effects
from core.jobs import Queue, Task
from core.processed import Source
from workers.runtime import BACKOFF, Container, apply_once

log = structlog.get_logger(__name__)


async def handle_update(c: Container, update: Mapping[str, Any]) -> None:
    async def effects(tx: Effects) -> None:
        query = update.get("pre_checkout_query")
        if isinstance(query, Mapping):
            # No invoice is offered until a payment rail is configured; refuse
            # clearly rather than let Telegram time the payment out.
            await tx.send(
                "answerPreCheckoutQuery", query["from"]["id"],
                pre_checkout_query_id=query["id"], ok=False,
                error_message=texts.payments_unavailable(),
            )
            return
        log.warning("billing update without a handler", keys=sorted(update))

    await apply_once(c, Source.TELEGRAM, str(update["update_id"]), effects)


async def handle_stripe_event(c: Container, event: Mapping[str, Any]) -> None:
    async def effects(tx: Effects) -> None:
        log.info("stripe event recorded", type=event.get("type"))

    await apply_once(c, Source.STRIPE, str(event["id"]), effects)


def register(app: App, c: Container) -> None:
    @app.task(name=Task.BILLING_UPDATE.value, queue=Queue.BILLING.value, pass_context=True,
              retry=BACKOFF)
    async def billing_update(context: JobContext, update: dict[str, Any]) -> None:
        with structlog.contextvars.bound_contextvars(
            job_id=context.job.id, update_id=update.get("update_id")
        ):
            await handle_update(c, update)

    @app.task(name=Task.BILLING_STRIPE_EVENT.value, queue=Queue.BILLING.value, pass_context=True,
              retry=BACKOFF)
    async def billing_stripe_event(context: JobContext, event: dict[str, Any]) -> None:
        with structlog.contextvars.bound_contextvars(job_id=context.job.id, event_id=event.get("id")):
            await handle_stripe_event(c, event)
