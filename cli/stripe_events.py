"""``stripe-reconcile``: queue the Stripe events no webhook brought, further back than
the workers' own run looks (core/billing/stripe/reconcile.py), after an incident."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from cli.wiring import CliError, Exit, Invocation
from core.billing.stripe import reconcile
from core.billing.stripe.gateway import StripeGateway
from core.platform import database
from core.platform.errors import StripeRejected, StripeUnavailable


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "stripe-reconcile", help="queue the Stripe events no webhook delivered",
        description="Lists the events of the types the product acts on that Stripe created in the "
                    "last HOURS hours (but not the last 5 minutes, the webhook's turn) and queues each "
                    "one not handled yet for a billing worker, as the webhook would have. Each event "
                    "still applies once however it came, so running this twice changes nothing. The "
                    "workers do the same every 5 minutes over the last 2 hours; use this after a longer "
                    "incident (Stripe keeps events 30 days).")
    p.add_argument("--hours", type=float, default=72.0, help="how far back (default 72, at most 720)")
    p.set_defaults(run=stripe_reconcile)


async def stripe_reconcile(inv: Invocation) -> int:
    settings = inv.settings
    hours = float(inv.args.hours)
    if not 0 < hours <= reconcile.RETENTION.days * 24:
        raise CliError(f"--hours must be above 0 and at most {reconcile.RETENTION.days * 24}", Exit.USAGE)
    if settings.stripe_api_key is None:
        raise CliError("Stripe is not configured (STRIPE_API_KEY): there is nothing to reconcile", Exit.USAGE)
    gateway = StripeGateway(settings.stripe_api_key, api_base=settings.stripe_api_base)
    pool = await database.create_pool(inv.database_url(), max_size=2)
    try:
        found = await reconcile.missed_events(pool, gateway.events, now=datetime.now(UTC),
                                              lookback=timedelta(hours=hours))
    except (StripeUnavailable, StripeRejected) as exc:
        raise CliError(str(exc)) from None
    finally:
        await pool.close()
        await gateway.close()
    inv.say(f"{found.listed} events of the handled types in the last {hours:g} hours;"
            f" {len(found.queued)} not handled yet, queued for a billing worker")
    for event_id in found.queued:
        inv.say(event_id)
    return Exit.OK
