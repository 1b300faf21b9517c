"""GET /metrics after a scripted journey: every figure is the one the journey implies,
read from Postgres, so two web processes report the same; the bearer token guards it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from core.platform.config import load_settings
from tests import builders
from tests.acceptance.test_payments import (
    _checkout,
    _pay,
    _pre_checkout,
    _setting,
    _stars_invoice,
    _successful_payment,
)
from tests.builders import MARIA, OPERATOR, Person
from tests.harness import System, free_port, running_system
from webhooks import __main__ as webhooks_main

TOKEN = "metrics-token-0123456789"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def _scrape(system: System, base_url: str | None = None, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with system.http.get(f"{base_url or system.base_url}/metrics", headers=headers) as r:
        assert r.status == 200, await r.text()
        assert r.headers["Content-Type"].startswith("text/plain")
        return _samples(await r.text())


async def _journey(system: System) -> None:
    """Telegram makes the welcome wait, a user writes, an operator answers, she pays by
    card and in Stars, and she writes again."""
    await system.model.inject_fault("FLOOD_WAIT", value=1, chat_id=MARIA.id, method="messages.SendMessage")
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "hello"))
    topic_id = await system.pool.fetchval("SELECT topic_id FROM conversations")
    await system.write(builders.topic_message(OPERATOR, topic_id, "Hi Maria"))
    session_id, _ = await _checkout(system, "/buy25")
    await _pay(system, session_id)
    await _setting(system, "stripe_enabled", False)
    await system.write(builders.private_text(MARIA, "/buy"))
    await system.write(builders.callback(MARIA, "buy:pack25"))
    payload, amount = await _stars_invoice(system)
    await system.write(_pre_checkout(MARIA, payload, amount))
    await system.write(_successful_payment(MARIA, payload, amount, "stxMetrics1"))
    await system.write(builders.private_text(MARIA, "one more thing"))


async def _sent_by_method(pool: asyncpg.Pool) -> dict[tuple[str, str], int]:
    rows = await pool.fetch("SELECT method, status, count(*) AS n FROM outbox"
                            " WHERE status IN ('sent', 'failed') GROUP BY method, status")
    return {(r["method"], r["status"]): r["n"] for r in rows}


async def test_metrics_after_a_journey_are_the_journeys_figures(system: System) -> None:
    await _journey(system)
    m = await _scrape(system)

    # Updates as the ingress recorded them: 7 messages (/start, hello, the operator's reply,
    # /buy25, /buy, the Stars payment, one more thing), a button, a pre-checkout query.
    assert _value(m, "paid_desk_updates_received_total", source="telegram", type="message") == 7
    assert _value(m, "paid_desk_updates_received_total", source="telegram", type="callback_query") == 1
    assert _value(m, "paid_desk_updates_received_total", source="telegram", type="pre_checkout_query") == 1
    stripe = await system.pool.fetch("SELECT type, count(*) AS n FROM stripe_events GROUP BY type")
    assert stripe, "the card payment's events reached billing"
    for row in stripe:
        assert _value(m, "paid_desk_updates_received_total", source="stripe", type=row["type"]) == row["n"]

    assert _value(m, "paid_desk_messages_relayed_total", direction="in") == 2
    assert _value(m, "paid_desk_messages_relayed_total", direction="out") == 1
    assert _value(m, "paid_desk_payments_total", rail="stripe", currency="USD") == 1
    assert _value(m, "paid_desk_revenue_minor_total", rail="stripe", currency="USD") == 999
    assert _value(m, "paid_desk_payments_total", rail="stars", currency="XTR") == 1
    assert _value(m, "paid_desk_revenue_minor_total", rail="stars", currency="XTR") == 500  # pack25
    assert _value(m, "paid_desk_telegram_flood_waits_total", scope="chat") == 1
    sends = await _sent_by_method(system.pool)
    assert sends[("relayToTopic", "sent")] == 2
    for (method, outcome), n in sends.items():
        assert _value(m, "paid_desk_telegram_sends_total", method=method, outcome=outcome) == n

    # Maria wrote last: her conversation waits for an operator.
    assert _value(m, "paid_desk_conversations_waiting") == 1
    assert _value(m, "paid_desk_conversation_longest_wait_seconds") > 0
    for state in ("pending", "failed"):
        assert _value(m, "paid_desk_inbox_updates", state=state) == 0
        assert _value(m, "paid_desk_outbox_calls", state=state) == 0
    for queue in ("messaging", "billing", "admin", "broadcast"):
        assert ("paid_desk_jobs", (("queue", queue), ("state", "todo"))) in m
        assert _value(m, "paid_desk_jobs", queue=queue, state="failed") == 0
    # The process's own figures come from the library's collectors.
    assert _value(m, "process_cpu_seconds_total") > 0
    assert _value(m, "paid_desk_metrics_query_seconds") > 0
    # Telegram's view of the webhook: not asked yet.
    assert _value(m, "paid_desk_telegram_webhook_checked_timestamp_seconds") == 0


async def test_telegrams_view_of_the_webhook_shows_once_the_admin_worker_asked(system: System) -> None:
    await system.model.bot_api().call("setWebhook", {"url": "https://desk.example/webhooks/telegram"})
    await system.model.bot_api().webhook_trouble(7, "Connection timed out")
    await system.run_admin_task("maintenance.webhook_info")

    m = await _scrape(system)
    assert _value(m, "paid_desk_telegram_webhook_check_ok") == 1
    assert _value(m, "paid_desk_telegram_webhook_checked_timestamp_seconds") > 0
    assert _value(m, "paid_desk_telegram_webhook_pending_updates") == 7
    assert _value(m, "paid_desk_telegram_webhook_last_error_timestamp_seconds") > 0
    assert _value(m, "paid_desk_telegram_webhook_info", url="https://desk.example/webhooks/telegram",
                  last_error_message="Connection timed out", max_connections="40") == 1

    # What the System screen reads.
    from core.ops import webhook_status

    async with system.pool.acquire() as conn:
        status = await webhook_status.latest(conn)
    assert status is not None
    assert (status.url, status.pending_update_count, status.last_error_message) == (
        "https://desk.example/webhooks/telegram", 7, "Connection timed out")
    assert not status.ok


async def test_two_web_processes_report_the_same_totals(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "hello"))
    other = TestServer(webhooks_main.build_web_app(system.settings, system.pool), host="127.0.0.1",
                       port=free_port())
    await other.start_server()
    try:
        # Updates recorded through the second process count for both.
        status, _ = await _post(system, str(other.make_url("")).rstrip("/"),
                                builders.private_text(Person(5550001, "Ana"), "/start"))
        assert status == 200
        await system.drain()
        first = await _scrape(system)
        second = await _scrape(system, str(other.make_url("")).rstrip("/"))
    finally:
        await other.close()
    ours = {k: v for k, v in first.items() if k[0].startswith("paid_desk_") and "seconds" not in k[0]}
    theirs = {k: v for k, v in second.items() if k[0].startswith("paid_desk_") and "seconds" not in k[0]}
    assert ours == theirs
    assert _value(first, "paid_desk_updates_received_total", source="telegram", type="message") == 3


async def _post(system: System, base_url: str, update: dict[str, Any]) -> tuple[int, Any]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": system.settings.webhook_secret}
    async with system.http.post(f"{base_url}/webhooks/telegram", json=update, headers=headers) as r:
        return r.status, await r.json()


@pytest.fixture
async def guarded(database_url: str) -> AsyncIterator[System]:
    async with running_system(database_url, with_workers=False, env={"METRICS_TOKEN": TOKEN}) as running:
        yield running


async def test_with_a_token_metrics_need_it_as_a_bearer_token(guarded: System) -> None:
    url = f"{guarded.base_url}/metrics"
    async with guarded.http.get(url) as r:
        assert r.status == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    async with guarded.http.get(url, headers={"Authorization": "Bearer wrong-token-0123456789"}) as r:
        assert r.status == 401
    assert _value(await _scrape(guarded, token=TOKEN), "paid_desk_conversations_waiting") == 0


async def test_with_a_bot_token_and_no_metrics_token_metrics_are_off(db_pool: asyncpg.Pool) -> None:
    settings = load_settings({
        "BOT_TOKEN": "123456:ABCdefGhIJKlmNoPQRstuVWXyz012345678", "TELEGRAM_API_ID": "12345",
        "TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef", "TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "ADMIN_GROUP_ID": "-1001500000001", "DATABASE_URL": "postgresql://unused/db",
        "LOG_FORMAT": "console",
    })
    server = TestServer(webhooks_main.build_web_app(settings, db_pool), host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http, http.get(server.make_url("/metrics")) as r:
            assert r.status == 403
            assert "METRICS_TOKEN" in (await r.json())["error"]
    finally:
        await server.close()
