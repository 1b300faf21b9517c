"""No configured secret appears in a log line or in anything stored in the database,
after a broad scenario run with distinctive secrets: payments, refusals, forged
requests, fuzzed updates and failures included."""

from __future__ import annotations

import json
import logging
from typing import Any

import asyncpg
import pytest

from core.platform.config import SANDBOX_STRIPE_API_KEY
from core.platform.errors import TelegramUnavailable
from core.telegram.bot_api import HttpBotApi
from tests.builders import MARIA, OWNER, private_text
from tests.harness import free_port, running_system
from tests.reliability import fuzz_kit
from tests.reliability.strategies import updates
from tests.stripe_signing import signature_header

SECRETS = {
    "TELEGRAM_WEBHOOK_SECRET": "tg-hook-Zq7DistinctWebhookSecret",
    "STRIPE_WEBHOOK_SECRET": "whsec_Zq7DistinctStripeHookSecret",
    "TELEGRAM_API_HASH": "7a3f0c9e5b1d2f4a6c8e0b2d4f6a8c0e",
    "METRICS_TOKEN": "metrics-Zq7DistinctMetricsToken",
}
BOT_TOKEN = "123456789:AAZq7DistinctBotTokenSecretPart-xyz"


async def _everything_stored(pool: asyncpg.Pool) -> str:
    """Every row of every table, as text."""
    tables = await pool.fetch(
        "SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    parts = []
    for t in tables:
        # Names from the catalog, quoted by format(%I).
        rows = await pool.fetch(f"SELECT row_to_json(x)::text AS r FROM {t['name']} x")  # noqa: S608
        parts += [r["r"] for r in rows]
    return "\n".join(parts)


def _leaks(text: str, secrets: list[str]) -> list[str]:
    found = []
    for secret in secrets:
        for shape in (secret, json.dumps(secret)[1:-1]):
            if shape in text:
                at = text.index(shape)
                found.append(f"{secret[:12]}…: {text[max(0, at - 150):at + 60]!r}")
                break
    return found


async def test_no_secret_in_logs_or_stored_errors(
        pg_server: Any, fresh_database: str, capfd: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_system(pg_server.url_for(fresh_database), env=SECRETS) as system:
        assert system.settings.webhook_secret == SECRETS["TELEGRAM_WEBHOOK_SECRET"]
        # A user pays by card (the gateway calls the fake Stripe with the key; its
        # webhook is signed with the secret), writes, and asks for a refund screen.
        await system.write(private_text(MARIA, "/start"), private_text(MARIA, "/buy25"))
        session = await system.pool.fetchval("SELECT external_id FROM transactions ORDER BY id DESC LIMIT 1")
        assert system.fake_stripe is not None
        await system.fake_stripe.complete_session(session)
        await system.drain_scheduled()
        assert await system.pool.fetchval(
            "SELECT status FROM transactions WHERE external_id = $1", session) == "succeeded"
        await system.write(private_text(MARIA, "hello"), private_text(OWNER, "/payments"),
                           private_text(OWNER, "/system"), private_text(OWNER, "/settings"))

        # Forged and broken requests, each refused.
        assert (await system.post_update(private_text(MARIA, "x"), secret="wrong"))[0] == 401
        body = json.dumps({"id": "evt_forged", "type": "invoice.paid"}).encode()
        for header in (signature_header(body, "whsec_wrong"), "t=1,v1=00", ""):
            async with system.http.post(f"{system.base_url}/webhooks/stripe", data=body,
                                        headers={"Stripe-Signature": header}) as r:
                assert r.status == 400
        async with system.http.get(f"{system.base_url}/metrics",
                                   headers={"Authorization": "Bearer nope"}) as r:
            assert r.status in (401, 403)
        # Hostile updates and events: refusals, set-asides, failed sends with their errors.
        examples = fuzz_kit.draw(updates, 300)
        await fuzz_kit.post_all(system, "/webhooks/telegram", [
            fuzz_kit.body_of({"update_id": 990_000_000 + i, **u}) for i, u in enumerate(examples)])
        await system.drain()
        await system.write(private_text(MARIA, "/balance"))

        stored = await _everything_stored(system.pool)
    # The Stripe API key is the sandbox's own (its fake Stripe answers only that one);
    # it is a configured secret all the same.
    secrets = [*SECRETS.values(), SANDBOX_STRIPE_API_KEY]
    out, err = capfd.readouterr()
    logged = "\n".join([out, err, *(r.getMessage() for r in caplog.records),
                        *(str(r.__dict__) for r in caplog.records)])
    assert logged.strip(), "nothing was logged: the check would prove nothing"
    assert not _leaks(logged, secrets)
    assert not _leaks(stored, secrets)


async def test_the_bot_token_never_reaches_an_error_text(caplog: pytest.LogCaptureFixture) -> None:
    # Its one place in a URL (api.telegram.org/bot<token>/...): a failed call says why
    # without the URL.
    caplog.set_level(logging.DEBUG)
    api = HttpBotApi(BOT_TOKEN, base=f"http://127.0.0.1:{free_port()}", timeout=2)
    try:
        with pytest.raises(TelegramUnavailable) as failed:
            await api.call("getWebhookInfo")
    finally:
        await api.close()
    assert BOT_TOKEN not in str(failed.value)
    assert BOT_TOKEN.split(":")[1] not in repr(failed.value)
    assert not _leaks("\n".join(r.getMessage() for r in caplog.records), [BOT_TOKEN])
