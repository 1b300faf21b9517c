"""The relay benchmark's database: a fresh, migrated database, seeded users, checks, statistics."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from core.platform.embedded_postgres import with_database

ROOT = Path(__file__).resolve().parent.parent

SEED_USERS = """
INSERT INTO users (telegram_id, username, first_name, last_name, language_code, credits, last_seen_at)
SELECT t, 'maria_s', 'Maria', 'Silva', 'pt-br', $2, now() FROM unnest($1::bigint[]) AS t
"""
# The grant that explains the balance: users.credits = sum of the user's ledger rows.
SEED_LEDGER = """
INSERT INTO credit_ledger (user_id, delta, balance_after, reason, idempotency_key)
SELECT id, credits, credits, 'bench_grant', 'bench:grant:' || id
FROM users WHERE telegram_id = ANY($1::bigint[])
"""
# Conversations that already have their topic: the steady state of the relay.
SEED_CONVERSATIONS = """
INSERT INTO conversations (user_id, admin_chat_id, topic_id, status)
SELECT u.id, $3, x.topic_id, 'waiting_operator'
FROM unnest($1::bigint[], $2::int[]) AS x(telegram_id, topic_id)
JOIN users u ON u.telegram_id = x.telegram_id
"""
USER_CHECK = """
SELECT u.telegram_id, u.credits,
       (SELECT coalesce(sum(delta), 0) FROM credit_ledger l WHERE l.user_id = u.id) AS ledger_sum,
       (SELECT count(*) FROM credit_ledger l WHERE l.user_id = u.id AND l.reason = 'message') AS charges,
       (SELECT count(*) FROM messages m WHERE m.user_id = u.id AND m.direction = 'in'
                                         AND m.status = 'relayed') AS relayed
FROM users u WHERE u.telegram_id = ANY($1::bigint[])
"""
BACKLOG = """
SELECT (SELECT count(*) FROM procrastinate_jobs
        WHERE queue_name = 'messaging' AND status IN ('todo', 'doing')) AS jobs,
       (SELECT count(*) FROM procrastinate_jobs
        WHERE queue_name = 'messaging' AND status = 'failed') AS failed_jobs,
       (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')) AS outbox_pending,
       (SELECT count(*) FROM outbox WHERE status = 'failed') AS outbox_failed
"""
DB_STATS = """
SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched,
       pg_current_wal_lsn() - '0/0'::pg_lsn AS wal_bytes,
       (SELECT autoanalyze_count + analyze_count FROM pg_stat_user_tables
        WHERE relname = 'procrastinate_jobs') AS jobs_analyzed
FROM pg_stat_database WHERE datname = current_database()
"""
ACTIVITY = """
SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait, query
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
  AND state <> 'idle'
"""

# Jobs that only lend the table their statistics: inserted, analyzed and deleted in one
# transaction, so no worker ever sees them.
PRIME_JOBS = """
INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status)
SELECT $1, 'bench.statistics', CASE WHEN $3 > 0 THEN 'user:' || (n % $3) END, '{}'::jsonb, 'todo'
FROM generate_series(1, $2) AS n
"""
DELETE_PRIMED_JOBS = "DELETE FROM procrastinate_jobs WHERE task_name = 'bench.statistics'"
# Needs a superuser, as the embedded server's is.
FORGET_JOB_STATISTICS = "DELETE FROM pg_statistic WHERE starelid = 'procrastinate_jobs'::regclass"
QUEUE_DEPTH = "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = $1 AND status = 'todo'"
# The candidate search of procrastinate 3.10's procrastinate_fetch_job_v2 (sql/schema.sql), which
# every worker runs for every job: timed now and then to see how it grows with the queue.
FETCH_PROBE = """
EXPLAIN (ANALYZE, COSTS OFF)
SELECT jobs.id
FROM procrastinate_jobs AS jobs
WHERE NOT EXISTS (
        SELECT 1 FROM procrastinate_jobs AS other_jobs
        WHERE jobs.lock IS NOT NULL
          AND other_jobs.lock = jobs.lock
          AND (other_jobs.status = 'doing'
               OR (other_jobs.status = 'todo'
                   AND (other_jobs.priority > jobs.priority
                        OR (other_jobs.priority = jobs.priority AND other_jobs.id < jobs.id)))))
  AND jobs.status = 'todo'
  AND jobs.queue_name = ANY($1::varchar[])
  AND (jobs.scheduled_at IS NULL OR jobs.scheduled_at <= now())
ORDER BY jobs.priority DESC, jobs.id ASC
LIMIT 1
FOR UPDATE OF jobs SKIP LOCKED
"""
FETCH_FUNCTION_SETTINGS = "SELECT proconfig FROM pg_proc WHERE proname = 'procrastinate_fetch_job_v2'"


@dataclass(frozen=True)
class FetchProbe:
    at: float  # wall clock
    queued: int
    ms: float
    plan: str


def plan_shape(lines: Sequence[str]) -> str:
    """The scan and sort nodes of a plan, in order, without their figures."""
    nodes = []
    for line in lines:
        text = line.strip().removeprefix("->").strip().split(" (actual")[0]
        if ("Scan" in text or text == "Sort") and ":" not in text:
            nodes.append(re.sub(r" on procrastinate_jobs(?= )", "", text).replace("procrastinate_jobs_", ""))
    return " / ".join(nodes)


async def create_database(base_url: str, name: str) -> str:
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(base_url, name)


async def drop_database(base_url: str, name: str) -> None:
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def allow_connections(url: str, count: int) -> None:
    """Raise the server's max_connections (taken at its next start): a bench that runs
    every queue's worker, each with its pools, needs more than a fresh server's 100."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"ALTER SYSTEM SET max_connections = {int(count)}")
    finally:
        await conn.close()


def migrate(env: Mapping[str, str], url: str) -> None:
    """Production migrations and the sandbox's: every bench runs against the stand-in Telegram."""
    subprocess.run(["bash", str(ROOT / "sql" / "migrate.sh"), "--sandbox"],
                   env=dict(env, DATABASE_URL=url), check=True, capture_output=True, text=True)


async def set_job_statistics(url: str, mode: str, *, queue: str, jobs: int, locks: int) -> None:
    """Give procrastinate_jobs (empty between phases) the statistics of ``mode``.

    The plan of procrastinate's job search follows them, and can cost from a
    fraction of a millisecond to the whole queue per job, so every phase starts
    from a chosen state (autovacuum may re-analyze during the phase):

    - ``busy``: taken while ``jobs`` jobs like the phase's were queued (then
      deleted without analyzing again): the plan the queue is meant to have;
    - ``idle``: the same, then analyzed empty, as autovacuum leaves a queue
      that drained after a burst: the usual state when the next burst comes;
    - ``none``: never analyzed with jobs in it, as on a fresh deploy.
    """
    conn = await asyncpg.connect(url)
    try:
        if mode == "none":
            # VACUUM hands the empty pages back, as autovacuum does to a drained queue.
            await conn.execute("VACUUM procrastinate_jobs")
            await conn.execute(FORGET_JOB_STATISTICS)
        else:
            # One transaction: ANALYZE counts the rows it inserted itself, and no worker
            # ever sees them.
            async with conn.transaction():
                await conn.execute(PRIME_JOBS, queue, jobs, locks)
                await conn.execute("ANALYZE procrastinate_jobs")
                await conn.execute(DELETE_PRIMED_JOBS)
        if mode != "busy":
            await conn.execute("ANALYZE procrastinate_jobs")
    finally:
        await conn.close()


def apply_sql(env: Mapping[str, str], url: str, path: Path) -> None:
    """A what-if SQL file (an index, a table setting) applied after the migrations."""
    subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)], env=dict(env),
                   check=True, capture_output=True, text=True)


async def configure(url: str, name: str, settings: Sequence[str]) -> None:
    """``KEY=VALUE`` settings for every later session of the database (what-if runs)."""
    conn = await asyncpg.connect(url)
    try:
        for item in settings:
            key, _, value = item.partition("=")
            if not key.replace("_", "").replace(".", "").isalnum():
                raise SystemExit(f"bad setting name {key!r}")
            literal = await conn.fetchval("SELECT quote_literal($1)", value)
            await conn.execute(f'ALTER DATABASE "{name}" SET {key} = {literal}')
    finally:
        await conn.close()


async def seed(url: str, *, with_topic: Sequence[int], without_topic: Sequence[int], credits: int,
               admin_chat_id: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            everyone = [*with_topic, *without_topic]
            await conn.execute(SEED_USERS, everyone, credits)
            await conn.execute(SEED_LEDGER, everyone)
            topics = list(range(1, len(with_topic) + 1))
            await conn.execute(SEED_CONVERSATIONS, list(with_topic), topics, admin_chat_id)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


@dataclass(frozen=True)
class UserRow:
    telegram_id: int
    credits: int
    ledger_sum: int
    charges: int
    relayed: int


async def user_rows(url: str, telegram_ids: Sequence[int]) -> list[UserRow]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(USER_CHECK, list(telegram_ids))
    finally:
        await conn.close()
    return [UserRow(r["telegram_id"], r["credits"], r["ledger_sum"], r["charges"], r["relayed"])
            for r in rows]


async def backlog(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(BACKLOG)
    finally:
        await conn.close()
    assert row is not None
    return dict(row)


async def registered_workers(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM procrastinate_workers"))
    finally:
        await conn.close()


async def db_stats(url: str, *, settle: bool = False) -> dict[str, int]:
    """Counters of the database; ``settle`` first waits for backends to flush theirs."""
    if settle:
        # Backends report their counters when idle, at most once a second.
        await asyncio.sleep(1.2)
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(DB_STATS)
    finally:
        await conn.close()
    assert row is not None
    return {k: int(v) for k, v in dict(row).items()}


async def statements_reset(url: str) -> bool:
    """Reset pg_stat_statements when the server loads it; False when it does not."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
    except asyncpg.PostgresError:
        return False
    finally:
        await conn.close()
    return True


@dataclass(frozen=True)
class Statement:
    calls: int
    total_ms: float  # planning (when pg_stat_statements.track_planning is on) and execution
    plan_ms: float
    rows: int
    query: str


async def top_statements(url: str, limit: int = 25) -> list[Statement]:
    """The statements that took the most server time since the last reset (this database's)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT calls, total_plan_time + total_exec_time AS total, total_plan_time, rows, query "
            "FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY total DESC LIMIT $1", limit)
    finally:
        await conn.close()
    return [Statement(int(r["calls"]), float(r["total"]), float(r["total_plan_time"]), int(r["rows"]),
                      " ".join(r["query"].split())) for r in rows]


async def checkpointer_pid(url: str) -> int | None:
    """The pid of the server's checkpointer, a child of the postmaster that lives as long as it."""
    conn = await asyncpg.connect(url)
    try:
        pid = await conn.fetchval("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
    finally:
        await conn.close()
    return None if pid is None else int(pid)


class ActivitySampler:
    """Samples what the database's client backends are doing, as pg_stat_statements is not at hand.

    Each sample counts the non-idle backends by wait event ("CPU" when none)
    and by statement, so the totals show where backend time goes. Every
    ``probe_every`` seconds it also times procrastinate's job search against
    the current queue depth.
    """

    def __init__(self, url: str, *, queue: str = "messaging", interval: float = 0.02,
                 probe_every: float = 2.0) -> None:
        self._url = url
        self._queue = queue
        self._interval = interval
        self._probe_every = probe_every
        self.samples = 0
        self.waits: Counter[str] = Counter()
        self.queries: Counter[str] = Counter()
        self.active: Counter[int] = Counter()
        self.probes: list[FetchProbe] = []
        #: Transactions of its own (they show in the database's commit count).
        self.transactions = 0
        #: The sampler's own backend, whose CPU is not the pipeline's.
        self.backend_pid: int | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        conn = await asyncpg.connect(self._url)
        try:
            self.backend_pid = int(await conn.fetchval("SELECT pg_backend_pid()"))
            self._ready.set()
            next_probe = time.monotonic()
            while True:
                if time.monotonic() >= next_probe:
                    began = time.monotonic()
                    await self._probe(conn, time.time())
                    # A slow search is timed less often, to stay a small load itself.
                    next_probe = began + max(self._probe_every, 10 * (time.monotonic() - began))
                rows = await conn.fetch(ACTIVITY)
                self.samples += 1
                self.transactions += 1
                self.active[len(rows)] += 1
                for r in rows:
                    self.waits[f"{r['state']} / {r['wait']}"] += 1
                    self.queries[" ".join((r["query"] or "").split())[:150]] += 1
                await asyncio.sleep(self._interval)
        finally:
            await conn.close()

    async def _probe(self, conn: asyncpg.Connection, at: float) -> None:
        queued = int(await conn.fetchval(QUEUE_DEPTH, self._queue))
        if queued:
            async with conn.transaction():
                # With the settings the function itself runs with (ALTER FUNCTION ... SET).
                for item in await conn.fetchval(FETCH_FUNCTION_SETTINGS) or []:
                    name, _, value = str(item).partition("=")
                    await conn.execute("SELECT set_config($1, $2, true)", name, value)
                lines = [r[0] for r in await conn.fetch(FETCH_PROBE, [self._queue])]
            ms = next((float(line.split(":")[1].split()[0]) for line in lines
                       if line.startswith("Execution Time")), float("nan"))
            self.probes.append(FetchProbe(at, queued, ms, plan_shape(lines)))
        self.transactions += 2

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())
        ready = asyncio.create_task(self._ready.wait())
        await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # sampling is best effort
                print(f"activity sampler failed: {exc!r}")
