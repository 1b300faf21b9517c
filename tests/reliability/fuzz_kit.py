"""Running Hypothesis examples through the real ingress and the real workers.

Hypothesis draws the examples (no shrinking: one example alone proves little
here, the batch is what runs); they are posted concurrently, as Telegram and
Stripe do, and then the real workers run until idle, many examples per run.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

import asyncpg
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.harness import System
from tests.stripe_signing import signature_header

#: Examples per test, unless FUZZ_EXAMPLES says otherwise (a longer run by hand).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None
#: Examples posted before the workers run: large batches, as under load.
ROUND = 1000
CONCURRENCY = 32


def draw(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """``count`` examples of ``strategy``, the same on every run unless FUZZ_SEED is set."""
    drawn: list[Any] = []
    seed = os.environ.get("FUZZ_SEED")

    @settings(max_examples=count, database=None, derandomize=seed is None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(example: Any) -> None:
        drawn.append(example)

    if seed is not None:
        collect = __import__("hypothesis").seed(int(seed))(collect)
    collect()
    return drawn


def body_of(example: Any) -> bytes:
    # json.dumps writes NaN and Infinity for such floats, as a careless sender would.
    return json.dumps(example).encode()


async def post_all(system: System, path: str, bodies: Sequence[bytes],
                   headers_of: Any = None) -> list[tuple[int, str]]:
    """Post every body concurrently; (status, answer text) in the same order."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def post(body: bytes) -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        headers.update(headers_of(body) if headers_of else
                       {"X-Telegram-Bot-Api-Secret-Token": system.settings.webhook_secret})
        async with gate, system.http.post(f"{system.base_url}{path}", data=body, headers=headers) as r:
            return r.status, await r.text()

    return list(await asyncio.gather(*(post(b) for b in bodies)))


def stripe_headers(secret: str) -> Any:
    return lambda body: {"Stripe-Signature": signature_header(body, secret)}


async def failures(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    """Everything that failed: jobs failed for good or waiting for a retry, updates set aside."""
    jobs = await pool.fetch(
        "SELECT id, task_name, status, attempts, args::text AS args FROM procrastinate_jobs"
        " WHERE status = 'failed' OR (status = 'todo' AND attempts > 0)")
    events = await pool.fetch(
        "SELECT e.job_id, e.type FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id"
        " WHERE e.type IN ('deferred_for_retry', 'failed')")
    inbox = await pool.fetch("SELECT update_id, error, payload::text AS payload FROM inbox"
                             " WHERE failed_at IS NOT NULL")
    return {"jobs": [dict(r) for r in jobs], "retries": [dict(r) for r in events],
            "inbox": [dict(r) for r in inbox]}


def tally(results: Sequence[tuple[int, str]]) -> Counter[int]:
    return Counter(status for status, _ in results)
