"""Stripe events the webhook never brought, found in Stripe's own list of events.

Stripe retries a webhook it could not deliver for three days, so a failure at
this end (an outage, a deploy, a 503) heals by itself. What does not heal is
an event Stripe gave up on or never posted: the endpoint disabled after days
of failures, an event type left out of its settings, a signing secret changed
by mistake. A customer would then have paid and received nothing. So the
billing side lists, every few minutes, the events of the types the product
acts on created in the last hours but not in the last minutes (those are the
webhook's turn), and queues each one not handled yet exactly as the ingress
would have: the job applies an event once, whichever way it came, so an event
found here and delivered later changes nothing the second time. An operator
can reach further back after an incident (``paid-desk stripe-reconcile``, up
to the 30 days Stripe keeps events).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from core.billing.stripe.event_calls import StripeEvents
from core.billing.stripe.events import HANDLERS
from core.jobs import queues
from core.jobs.routing import route_stripe_event
from core.platform.database import connection
from core.platform.sql import q

#: How far back the periodic run looks: well past any outage the webhook's own
#: retries would not already have covered by the next run.
LOOKBACK = timedelta(hours=2)
#: Events younger than this are left to the webhook.
GRACE = timedelta(minutes=5)
#: Stripe keeps events this long: an operator's run cannot reach further.
RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Reconciled:
    #: Events of the handled types Stripe listed in the window.
    listed: int
    #: Those not handled yet, now queued (their ids).
    queued: list[str]


async def missed_events(pool: asyncpg.Pool, events: StripeEvents, *, now: datetime,
                        lookback: timedelta = LOOKBACK, grace: timedelta = GRACE) -> Reconciled:
    """Queue the handled-type events created in [now - lookback, now - grace] that
    no webhook delivered; raises the gateway's errors (StripeUnavailable: try later)."""
    if not timedelta(0) < lookback <= RETENTION:
        raise ValueError(f"look back between a second and {RETENTION.days} days")
    since, until = int((now - lookback).timestamp()), int((now - grace).timestamp())
    listed, queued = 0, []
    async for page in events.pages(sorted(HANDLERS), created_gte=since, created_lte=until):
        listed += len(page)
        async with connection(pool) as conn, conn.transaction():
            known = set(await conn.fetchval(q("reconcile_known"), [e["id"] for e in page]))
            fresh = [e for e in page if e["id"] not in known]
            if fresh:
                # Oldest first, as Stripe created them (a refund after its payment).
                await queues.defer(conn, [route_stripe_event(e) for e in reversed(fresh)])
        queued += [e["id"] for e in fresh]
    return Reconciled(listed, queued)
