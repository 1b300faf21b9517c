"""A worker killed with SIGKILL in the middle of its work (a dyno manager past
its stop timeout, the OOM killer): whatever it was doing is recovered by the
worker processes left or restarted, nothing is lost, nothing charged or
granted twice, and nothing stays stuck in the queues, the inbox or the outbox.

The workers are real processes (``python -m workers QUEUE``) next to the
test's ingress; the stand-in Telegram answers each call after 100 ms, as a
round trip to Telegram takes, so kills land in the middle of sends.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from tests import builders
from tests.acceptance.conftest import assert_ledger_invariant
from tests.builders import Person
from tests.harness import System, running_system
from tests.processes import WorkerProcesses, wait_until, worker_env

GROUPS = (-1001000000001, -1001000000002)
STALLED_AFTER = 3
ENV = {
    "ADMIN_GROUP_IDS": ",".join(str(g) for g in GROUPS),
    "WORKER_STALLED_AFTER_SECONDS": str(STALLED_AFTER),
    "SANDBOX_TELEGRAM_LATENCY_MS": "100",
    "WORKER_CONCURRENCY": "4",
}
USERS = [Person(700_000_001 + i, f"User{i}", None, f"user_{i}", "en") for i in range(8)]
#: Liveness bound of the waits below: far above the recovery times measured.
TIMEOUT = 90.0

QUIET = """SELECT NOT EXISTS (SELECT 1 FROM inbox)
          AND NOT EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'sending'))
          AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE status IN ('todo', 'doing')
                          AND task_name NOT LIKE 'maintenance.%')"""


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[System]:
    async with running_system(database_url, with_workers=False, env=ENV) as running:
        yield running


@pytest.fixture
def workers(system: System, database_url: str, tmp_path: Path) -> Iterator[WorkerProcesses]:
    procs = WorkerProcesses(worker_env(database_url, system.settings.port, ENV), tmp_path)
    yield procs
    procs.stop_all()


async def _post(system: System, update: dict[str, object]) -> None:
    status, body = await system.post_update(update)
    assert status == 200, body


async def _start(system: System, workers: WorkerProcesses, queue: str) -> int:
    """Start the queue's worker; its procrastinate worker id once it has registered."""
    newest = "SELECT coalesce(max(id), 0) FROM procrastinate_workers"
    before = await system.pool.fetchval(newest)
    workers.start(queue)
    await wait_until(system.pool, f"SELECT ({newest}) > $1", before, timeout=TIMEOUT)
    return int(await system.pool.fetchval(newest))


async def _kill_when(
    system: System, workers: WorkerProcesses, queue: str, worker: int, *busy_sql: str,
) -> dict[int, datetime]:
    """Kill the queue's worker once for each of ``busy_sql``, when it says the worker is
    mid-work (it reads the worker's procrastinate id as ``$1``), and start it again; when
    each killed worker died."""
    kills = {}
    for busy in busy_sql:
        await wait_until(system.pool, busy, worker, timeout=TIMEOUT, poll=0.005)
        workers.kill(queue)
        kills[worker] = datetime.now(UTC)
        worker = await _start(system, workers, queue)
    return kills


async def _recovery_seconds(pool: asyncpg.Pool, kills: dict[int, datetime]) -> list[float]:
    """For each kill that left work behind, the seconds until that work was recovered."""
    rows = await pool.fetch("SELECT worker_id, min(at) AS at FROM stall_recoveries"
                            " WHERE worker_id = ANY ($1::bigint[]) GROUP BY worker_id", list(kills))
    return sorted((r["at"] - kills[r["worker_id"]]).total_seconds() for r in rows)


async def _recoveries(pool: asyncpg.Pool) -> Counter[str]:
    return Counter({r["kind"]: r["n"] for r in await pool.fetch(
        "SELECT kind, count(*) AS n FROM stall_recoveries GROUP BY kind")})


async def _assert_quiet_and_consistent(system: System) -> None:
    await wait_until(system.pool, QUIET, timeout=TIMEOUT, poll=0.1)
    failed = await system.pool.fetch("SELECT * FROM procrastinate_jobs WHERE status = 'failed'")
    assert not failed, [dict(r) for r in failed]
    assert await system.pool.fetchval("SELECT count(*) FROM outbox WHERE status = 'failed'") == 0
    await assert_ledger_invariant(system.pool)


async def test_a_messaging_worker_killed_mid_drain_and_mid_delivery_loses_nothing(
    system: System, workers: WorkerProcesses
) -> None:
    worker = await _start(system, workers, "messaging")
    for person in USERS:
        await _post(system, builders.private_text(person, "/start"))
    await wait_until(system.pool, "SELECT count(*) = $1 FROM users", len(USERS), timeout=TIMEOUT)
    await wait_until(system.pool, QUIET, timeout=TIMEOUT, poll=0.05)

    async def write(i: int, person: Person) -> None:
        for j in range(3):
            await _post(system, builders.private_text(person, f"user {i} message {j}"))
            await asyncio.sleep(0.3)

    mid_drain = """SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE status = 'doing'
                                  AND task_name = 'messaging.drain' AND worker_id = $1)"""
    mid_delivery = "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'sending' AND claimed_by = $1)"
    writers = asyncio.gather(*(write(i, p) for i, p in enumerate(USERS)))
    kills = await _kill_when(system, workers, "messaging", worker, mid_drain, mid_delivery, mid_delivery)
    last_kill = time.monotonic()
    await writers

    # Two groups, 4 users each, at Telegram's 20 messages a minute per group:
    # 4 topics, 4 summaries and 12 copies make about a minute of budget.
    await wait_until(
        system.pool, "SELECT count(*) = 24 FROM messages WHERE direction = 'in' AND status = 'relayed'",
        timeout=TIMEOUT + 60, poll=0.05)
    recovery = await _recovery_seconds(system.pool, kills)
    print(f"\nmessaging: 3 kills, work recovered after {[round(r, 1) for r in recovery]} s;"
          f" every message relayed {time.monotonic() - last_kill:.1f} s after the last kill")
    await _assert_quiet_and_consistent(system)
    workers.check_alive()

    # Charged once each: 3 signup credits, 3 messages.
    charges = await system.pool.fetch(
        "SELECT u.telegram_id, count(*) AS n, sum(l.delta) AS total FROM credit_ledger l"
        " JOIN users u ON u.id = l.user_id WHERE l.reason = 'message' GROUP BY u.telegram_id")
    assert sorted((r["n"], r["total"]) for r in charges) == [(3, -3)] * len(USERS)
    assert await system.pool.fetchval("SELECT sum(credits) FROM users") == 0

    # Every message reached its topic; a copy made twice is one the kill caught
    # between Telegram's answer and its record, counted as a returned send.
    copies: Counter[str] = Counter()
    for group in GROUPS:
        for m in await system.model.messages(group):
            if m["from_bot"] and (m["text"] or "").startswith("user "):
                copies[m["text"]] += 1
    expected = {f"user {i} message {j}" for i in range(len(USERS)) for j in range(3)}
    assert set(copies) == expected
    duplicated = sum(n - 1 for n in copies.values())
    recovered = await _recoveries(system.pool)
    assert duplicated <= recovered["send_returned"], (copies, recovered)
    assert recovered["job_error"] == 0
    print(f"recoveries: {dict(recovered)}; copies made twice: {duplicated}")
    # Every message in the group, topics and summaries included, took its slot first.
    assert await system.model.flood_waits() == []

    status, health = await system.get("/health")
    assert status == 200
    assert health["stalled"]["jobs"] == 0
    assert health["stalled"]["jobs_recovered_last_hour"] >= 1


async def test_a_billing_worker_killed_mid_payment_grants_each_payment_once(
    system: System, workers: WorkerProcesses
) -> None:
    await _start(system, workers, "messaging")
    worker = await _start(system, workers, "billing")
    for person in USERS:
        await _post(system, builders.private_text(person, "/start"))
        await _post(system, builders.private_text(person, "/buy10"))
    await wait_until(
        system.pool, "SELECT count(*) = $1 FROM transactions WHERE status = 'pending' AND external_id <> ''",
        len(USERS), timeout=TIMEOUT)
    sessions = [r["external_id"] for r in await system.pool.fetch("SELECT external_id FROM transactions")]
    assert system.fake_stripe is not None
    fake = system.fake_stripe

    async def pay_all() -> None:
        for session in sessions:
            await fake.complete_session(session)
            await asyncio.sleep(0.1)

    busy = """SELECT EXISTS (SELECT 1 FROM procrastinate_jobs j JOIN procrastinate_workers w
                             ON w.id = j.worker_id WHERE j.status = 'doing' AND w.id = $1)"""
    payer = asyncio.create_task(pay_all())
    await _kill_when(system, workers, "billing", worker, busy, busy, busy)
    await payer
    await wait_until(system.pool, "SELECT count(*) = $1 FROM transactions WHERE status = 'succeeded'",
                     len(USERS), timeout=TIMEOUT, poll=0.05)
    await _assert_quiet_and_consistent(system)
    workers.check_alive()

    grants = await system.pool.fetch(
        "SELECT user_id, count(*) AS n, sum(delta) AS total FROM credit_ledger"
        " WHERE transaction_id IS NOT NULL GROUP BY user_id")
    assert sorted((r["n"], r["total"]) for r in grants) == [(1, 10)] * len(USERS)
    assert await system.pool.fetchval("SELECT min(credits) FROM users") == 13


async def test_an_admin_worker_killed_mid_job_leaves_nothing_behind(
    system: System, workers: WorkerProcesses
) -> None:
    await _start(system, workers, "messaging")  # delivers what recovery puts back
    worker = await _start(system, workers, "admin")
    operator = Person(1000001, "Owner", None, "owner", "en")
    queries = [str(5_712_345_678_900_000_000 + i) for i in range(20)]

    async def press_all() -> None:
        for query_id in queries:
            update = builders.callback(operator, "noop", query_id=query_id)
            message = update["callback_query"]["message"]
            message["chat"] = {"id": GROUPS[0], "type": "supergroup", "title": "Support desk",
                               "is_forum": True}
            await _post(system, update)
            await asyncio.sleep(0.05)

    busy = """SELECT EXISTS (SELECT 1 FROM procrastinate_jobs j JOIN procrastinate_workers w
                             ON w.id = j.worker_id WHERE j.status = 'doing'
                             AND j.task_name = 'admin.update' AND w.id = $1)"""
    presser = asyncio.create_task(press_all())
    await _kill_when(system, workers, "admin", worker, busy, busy, busy)
    await presser
    await wait_until(system.pool, QUIET, timeout=TIMEOUT, poll=0.05)
    await _assert_quiet_and_consistent(system)
    workers.check_alive()
    answered = {a.query_id for a in await system.model.query_answers()}
    assert answered == set(queries)
