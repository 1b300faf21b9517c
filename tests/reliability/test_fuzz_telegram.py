"""Fuzzed Telegram updates through the real ingress and workers: no 500, no failure."""

from __future__ import annotations

import time

from tests.harness import System
from tests.reliability import fuzz_kit
from tests.reliability.strategies import updates

EXAMPLES = fuzz_kit.EXAMPLES or 8000
FIRST_ID = 900_000_000


async def test_fuzzed_updates_never_break_the_ingress_or_a_worker(system: System) -> None:
    started = time.monotonic()
    examples = fuzz_kit.draw(updates, EXAMPLES)
    drawn = time.monotonic()
    statuses = fuzz_kit.tally([])
    refused: list[int] = []
    for start in range(0, len(examples), fuzz_kit.ROUND):
        chunk = examples[start:start + fuzz_kit.ROUND]
        bodies = [fuzz_kit.body_of({"update_id": FIRST_ID + start + i, **u}) for i, u in enumerate(chunk)]
        results = await fuzz_kit.post_all(system, "/webhooks/telegram", bodies)
        statuses += fuzz_kit.tally(results)
        server_errors = [(b[:300], text) for b, (status, text) in zip(bodies, results, strict=True)
                         if status >= 500]
        assert not server_errors, server_errors[:5]
        refused += [FIRST_ID + start + i for i, (status, _) in enumerate(results) if status != 200]
        await system.drain()
        failed = await fuzz_kit.failures(system.pool)
        assert not any(failed.values()), {k: v[:5] for k, v in failed.items()}
    ran = time.monotonic() - drawn
    print(f"\n{len(examples)} updates: drawn in {drawn - started:.1f}s, run in {ran:.1f}s;"
          f" answers {dict(statuses)}")
    # 409: the sandbox's stand-in refuses a message id already used in its chat.
    assert set(statuses) <= {200, 400, 409}
    # A refused update left no trace: not handled, not waiting.
    traces = await system.pool.fetchval(
        "SELECT count(*) FROM processed_updates WHERE source = 'telegram' AND key = ANY($1::text[])",
        [str(u) for u in refused])
    assert traces == 0
