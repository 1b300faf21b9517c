"""Fuzzed Stripe events, signed correctly, through the real ingress and billing worker:
no 500, no failure, and nothing about money changes."""

from __future__ import annotations

import time
from typing import Any

import asyncpg

from tests.builders import Person, private_text
from tests.harness import System
from tests.reliability import fuzz_kit
from tests.reliability.strategies import USERS, stripe_events

EXAMPLES = fuzz_kit.EXAMPLES or 2000

#: What an event nobody can match must leave as it was.
MONEY = {
    "users": "SELECT * FROM users ORDER BY id",
    "ledger": "SELECT * FROM credit_ledger ORDER BY id",
    "transactions": "SELECT * FROM transactions ORDER BY id",
}


async def _money(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    return {name: [dict(r) for r in await pool.fetch(sql)] for name, sql in MONEY.items()}


async def test_fuzzed_stripe_events_change_no_balance_and_fail_no_job(system: System) -> None:
    # Users with signup credits and pending card purchases (transactions 1 to 3) the
    # events name now and then, with the right user, without the session's own id.
    for telegram_id in USERS[:3]:
        person = Person(telegram_id)
        await system.write(private_text(person, "/start"), private_text(person, "/buy25"))
    pending = await system.pool.fetch("SELECT id, status FROM transactions ORDER BY id")
    assert [(r["id"], r["status"]) for r in pending] == [(1, "pending"), (2, "pending"), (3, "pending")]
    before = await _money(system.pool)

    started = time.monotonic()
    examples = fuzz_kit.draw(stripe_events, EXAMPLES)
    drawn = time.monotonic()
    statuses = fuzz_kit.tally([])
    headers = fuzz_kit.stripe_headers(system.settings.stripe_webhook_secret)
    for start in range(0, len(examples), fuzz_kit.ROUND):
        bodies = [fuzz_kit.body_of({**e, "id": f"{e['id']}_{start + i}"})
                  for i, e in enumerate(examples[start:start + fuzz_kit.ROUND])]
        results = await fuzz_kit.post_all(system, "/webhooks/stripe", bodies, headers)
        statuses += fuzz_kit.tally(results)
        server_errors = [(b[:300], text) for b, (status, text) in zip(bodies, results, strict=True)
                         if status >= 500]
        assert not server_errors, server_errors[:5]
        await system.drain()
        failed = await fuzz_kit.failures(system.pool)
        assert not any(failed.values()), {k: v[:5] for k, v in failed.items()}
    ran = time.monotonic() - drawn
    print(f"\n{len(examples)} Stripe events: drawn in {drawn - started:.1f}s, run in {ran:.1f}s;"
          f" answers {dict(statuses)}")
    assert set(statuses) <= {200, 400}
    assert statuses[200] > len(examples) // 2  # most reached the worker
    assert await _money(system.pool) == before
    # Every event the ingress took was recorded with what came of it.
    recorded = await system.pool.fetchval("SELECT count(*) FROM stripe_events WHERE id LIKE 'evt_fuzz_%'")
    assert recorded == statuses[200]
