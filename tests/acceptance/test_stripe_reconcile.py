"""A payment whose webhook never came is found in Stripe's list of events and granted,
once: found again, or delivered late after all, it changes nothing more.

The fake Stripe is told to collect its events without posting them (an endpoint
Stripe disabled, an event type left out of its settings), so the only way the
product learns of the payment is the reconciliation the workers run every 5
minutes (core/billing/stripe/reconcile.py) and the operator's ``paid-desk
stripe-reconcile``.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from cli.main import run as cli
from core.billing.stripe import reconcile
from core.billing.stripe.gateway import StripeGateway
from core.sandbox.stripe import FakeStripe
from tests import builders
from tests.harness import System

MARIA = dataclasses.replace(builders.MARIA, language_code="en")


def _fake(system: System) -> FakeStripe:
    assert system.fake_stripe is not None
    return system.fake_stripe


async def _purchases(system: System) -> list[Any]:
    return list(await system.pool.fetch("SELECT delta, idempotency_key FROM credit_ledger"
                                        " WHERE reason = 'purchase'"))


async def _paid_without_webhook(system: System) -> str:
    await system.write(builders.private_text(MARIA, "/start"))
    await _fake(system).set_delivery(False)
    await system.write(builders.private_text(MARIA, "/buy25"))
    session_id = str(await system.pool.fetchval(
        "SELECT external_id FROM transactions ORDER BY id DESC LIMIT 1"))
    await _fake(system).complete_session(session_id)
    await system.drain_scheduled()
    return session_id


async def test_a_payment_whose_webhook_never_came_is_granted_once(system: System) -> None:
    session_id = await _paid_without_webhook(system)
    assert await _purchases(system) == []  # paid at Stripe, unknown here
    gateway = StripeGateway(system.settings.stripe_api_key or "", api_base=system.settings.stripe_api_base)
    try:
        # The webhook's own five minutes first: nothing is taken from it.
        early = await reconcile.missed_events(system.pool, gateway.events, now=datetime.now(UTC))
        assert early.queued == []
        later = datetime.now(UTC) + reconcile.GRACE + timedelta(seconds=5)
        found = await reconcile.missed_events(system.pool, gateway.events, now=later)
        assert found.listed >= 1
        completed = [e.id for e in await _fake(system).events("checkout.session.completed")]
        assert completed
        assert set(completed) <= set(found.queued)
        await system.drain_scheduled()
        assert [(r["delta"], r["idempotency_key"]) for r in await _purchases(system)] == [
            (25, f"stripe:{session_id}")]
        assert any("Payment received: +25 credits" in (m["text"] or "") for m in await system.sent(MARIA.id))

        # Found again: nothing queued, nothing granted.
        again = await reconcile.missed_events(system.pool, gateway.events, now=later)
        assert (again.listed, again.queued) == (found.listed, [])
    finally:
        await gateway.close()

    # The webhook comes after all (Stripe's retry): the event applies once, not twice.
    await _fake(system).set_delivery(True)
    assert await _fake(system).deliver_pending() >= 1
    await system.drain_scheduled()
    assert len(await _purchases(system)) == 1
    user = await system.pool.fetchrow("SELECT credits FROM users WHERE telegram_id = $1", MARIA.id)
    assert user["credits"] == 3 + 25  # the signup bonus and the purchase


async def test_the_operators_command_queues_what_no_webhook_brought_and_refuses_nonsense(
        system: System) -> None:
    await _paid_without_webhook(system)
    # The command as an operator runs it beside the deployment: sandbox settings, this
    # database, the fake Stripe the running web process serves.
    env = {"DATABASE_URL": system.settings.database_url or "", "PORT": str(system.settings.port),
           "LOG_FORMAT": "console"}

    async def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = await cli(["stripe-reconcile", *argv], env=env, out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    for bad in ("0", "-3", "721"):
        code, _, err = await run("--hours", bad)
        assert (code, "--hours must be" in err) == (2, True), err
    assert (await run("--hours", "x"))[0] == 2
    assert await _purchases(system) == []

    # The payment is seconds old: within the webhook's five minutes, so not queued yet.
    code, out, _ = await run("--hours", "1")
    assert (code, out.splitlines()[0].endswith("0 not handled yet, queued for a billing worker")) == (0, True)
    await system.drain_scheduled()
    assert await _purchases(system) == []

    # Five minutes on (the events dated back, as if the payment were older), it is found.
    await system.pool.execute("UPDATE fake_stripe_events SET event = jsonb_set(event, '{created}',"
                              " to_jsonb((event ->> 'created')::bigint - 600))")
    code, out, _ = await run("--hours", "1")
    completed = [e.id for e in await _fake(system).events("checkout.session.completed")]
    assert code == 0, out
    assert set(completed) <= set(out.splitlines()[1:]), out
    await system.drain_scheduled()
    assert len(await _purchases(system)) == 1
    code, out, _ = await run("--hours", "1")
    assert (code, "0 not handled yet" in out) == (0, True)
