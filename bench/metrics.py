"""Benchmark: how long GET /metrics takes on a big database.

    .venv/bin/python bench/metrics.py [--users 1000000] [--messages 10000000] [--scrapes 30]
                                      [--keep DIR]

One run, on this machine: a fresh database (embedded Postgres unless
DATABASE_URL is set) migrated by ``sql/migrate.sh``, filled in bulk with
``--users`` users, each with a conversation (one in ten waiting for an
operator), ``--messages`` relayed messages, a payment per five users, the
outbox rows of two days of traffic (a few hundred pending, a few failed),
processed markers, queued and failed jobs, and metric counters spread over
the rows of 200 database sessions (as between two folds). Indexes are dropped
for the load and built again after, then the tables are vacuumed and
analyzed, as autovacuum leaves them. Then the real web process
(``python -m webhooks``) is started and scraped ``--scrapes`` times, one
after the other; reported: the time of each HTTP answer and the part spent
reading Postgres (``paid_desk_metrics_query_seconds``).

Prints figures, never asserts. ``--keep DIR`` keeps the embedded database's
data there, to scrape again without loading (``--reuse``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingress import free_port, wait_http  # noqa: E402
from core.platform import embedded_postgres  # noqa: E402
from core.platform.embedded_postgres import with_database  # noqa: E402

DATABASE = "bench_metrics"
TABLES = ("users", "conversations", "messages", "transactions", "outbox", "processed_updates")
CHUNK = 1_000_000
SLOTS = 200

LOAD = {
    "users": """
        INSERT INTO users (telegram_id, username, first_name, language_code, credits, tier, created_at,
                           last_seen_at)
        SELECT 100000000 + g, 'user' || g, 'User ' || g, 'en', g % 50,
               CASE WHEN g % 5 = 0 THEN 'paying' ELSE 'free' END,
               now() - make_interval(secs => (g % 31536000)), now() - make_interval(secs => (g % 864000))
        FROM generate_series($1::bigint, $2::bigint) AS g""",
    "conversations": """
        INSERT INTO conversations (user_id, admin_chat_id, topic_id, status, unread_count,
                                   last_user_message_at, last_operator_message_at)
        SELECT u.id, -1001000000001, u.id::int,
               CASE WHEN u.id % 10 = 0 THEN 'waiting_operator' WHEN u.id % 10 < 5 THEN 'waiting_user'
                    ELSE 'closed' END,
               (u.id % 3)::int, now() - make_interval(secs => (u.id % 86400)),
               now() - make_interval(secs => (u.id % 90000))
        FROM users u WHERE u.id BETWEEN $1 AND $2""",
    "messages": """
        INSERT INTO messages (user_id, conversation_id, direction, status, update_id, user_message_id,
                              admin_chat_id, admin_message_id, kind, text, credits_charged, created_at,
                              relayed_at)
        SELECT 1 + (g % $3), 1 + (g % $3), CASE WHEN g % 4 = 0 THEN 'out' ELSE 'in' END, 'relayed', g,
               (g / $3)::int + 1, -1001000000001, g::int, 'text',
               CASE WHEN g % 50 = 0 THEN 'message number ' || g END, CASE WHEN g % 4 = 0 THEN 0 ELSE 1 END,
               now() - make_interval(secs => (g % 31536000)), now() - make_interval(secs => (g % 31536000))
        FROM generate_series($1::bigint, $2::bigint) AS g""",
    "transactions": """
        INSERT INTO transactions (user_id, product_id, rail, status, amount, currency, credits,
                                  external_id, idempotency_key, created_at, updated_at)
        SELECT u.id, 2, CASE WHEN u.id % 2 = 0 THEN 'stripe' ELSE 'stars' END,
               CASE WHEN u.id % 50 = 0 THEN 'refunded' ELSE 'succeeded' END,
               CASE WHEN u.id % 2 = 0 THEN 999 ELSE 500 END, CASE WHEN u.id % 2 = 0 THEN 'usd' ELSE 'XTR' END,
               25, 'ext_' || u.id, 'bench:' || u.id, now() - make_interval(secs => (u.id % 31536000)),
               now() - make_interval(secs => (u.id % 31536000))
        FROM users u WHERE u.id BETWEEN $1 AND $2 AND u.id % 5 = 0""",
}
REST = """
-- Two days of outbox at about 10 sends a second, a few hundred waiting, a few failed.
INSERT INTO outbox (chat_id, method, params, status, attempts, created_at, sent_at, result)
SELECT 100000000 + g % 1000000, CASE WHEN g % 2 = 0 THEN 'relayToTopic' ELSE 'sendMessage' END,
       '{"chat_id": 1, "text": "x"}', 'sent', 1, now() - make_interval(secs => g / 10.0),
       now() - make_interval(secs => g / 10.0), '{"message_id": 1}'
FROM generate_series(1, 1728000) AS g;
INSERT INTO outbox (chat_id, method, params, status, created_at)
SELECT 100000000 + g, 'sendMessage', '{"chat_id": 1, "text": "x"}', 'pending', now()
FROM generate_series(1, 300) AS g;
INSERT INTO outbox (chat_id, method, params, status, last_error, created_at)
SELECT 100000000 + g, 'sendMessage', '{"chat_id": 1, "text": "x"}', 'failed', 'USER_IS_BLOCKED', now()
FROM generate_series(1, 40) AS g;
-- A week of processed markers at about 5 updates a second.
INSERT INTO processed_updates (source, key, processed_at)
SELECT 'telegram', g::text, now() - make_interval(secs => g / 5.0) FROM generate_series(1, 3024000) AS g;
-- A backlog of queued drains and deliveries, and failed jobs of the last days.
INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status)
SELECT 'messaging', 'messaging.deliver_outbox', NULL, '{}', 'todo' FROM generate_series(1, 500);
INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status, attempts)
SELECT 'billing', 'billing.stripe_event', 'user:' || g, '{}', 'failed', 1 FROM generate_series(1, 60) AS g;
INSERT INTO inbox (shard, update_id, payload)
SELECT g % 16, g, '{"update_id": 1}' FROM generate_series(1, 200) AS g;
INSERT INTO inbox (shard, update_id, payload, failed_at, error)
SELECT g % 16, g, '{"update_id": 1}', now(), 'bench' FROM generate_series(1, 5) AS g;
INSERT INTO telegram_webhook_status (info, checked_at)
VALUES ('{"url": "https://desk.example/webhooks/telegram", "pending_update_count": 3,
          "max_connections": 40, "last_error_date": 1763900000, "last_error_message": "timeout"}', now());
"""
COUNTERS = """
INSERT INTO metric_counters (metric, labels, slot, value)
SELECT m.metric, m.labels, s, 1000 + s
FROM (VALUES
    ('updates_received', ARRAY['telegram', 'message']),
    ('updates_received', ARRAY['telegram', 'callback_query']),
    ('updates_received', ARRAY['telegram', 'edited_message']),
    ('updates_received', ARRAY['telegram', 'pre_checkout_query']),
    ('updates_received', ARRAY['telegram', 'my_chat_member']),
    ('updates_received', ARRAY['stripe', 'checkout.session.completed']),
    ('updates_received', ARRAY['stripe', 'invoice.paid']),
    ('telegram_sends', ARRAY['relayToTopic', 'sent']), ('telegram_sends', ARRAY['relayToTopic', 'failed']),
    ('telegram_sends', ARRAY['sendMessage', 'sent']), ('telegram_sends', ARRAY['sendMessage', 'failed']),
    ('telegram_sends', ARRAY['relayToUser', 'sent']),
    ('telegram_sends', ARRAY['answerCallbackQuery', 'sent']),
    ('telegram_sends', ARRAY['editMessageText', 'sent']),
    ('telegram_sends', ARRAY['createForumTopic', 'sent']),
    ('telegram_flood_waits', ARRAY['chat']), ('telegram_flood_waits', ARRAY['group']),
    ('messages_relayed', ARRAY['in']), ('messages_relayed', ARRAY['out']),
    ('payments', ARRAY['stripe', 'USD']), ('payments', ARRAY['stars', 'XTR']),
    ('revenue_minor', ARRAY['stripe', 'USD']), ('revenue_minor', ARRAY['stars', 'XTR']),
    ('refunded_minor', ARRAY['stripe', 'USD'])) AS m(metric, labels)
CROSS JOIN generate_series(0, $1) AS s;
"""


async def load(url: str, users: int, messages: int) -> None:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        # Bulk load: no triggers (they count what this fakes), no foreign key checks.
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " LEFT JOIN pg_constraint c ON c.conname = i.indexname"
            " WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[]) AND c.conname IS NULL",
            list(TABLES))
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        started = time.monotonic()
        for table, total in (("users", users), ("conversations", users), ("messages", messages),
                             ("transactions", users)):
            for first in range(1, total + 1, CHUNK):
                last = min(first + CHUNK - 1, total)
                args = (first, last, users) if table == "messages" else (first, last)
                await conn.execute(LOAD[table], *args)
            print(f"  {table}: {total:,} source rows loaded ({time.monotonic() - started:.0f} s)", flush=True)
        await conn.execute(REST)
        await conn.execute(COUNTERS, SLOTS - 1)
        print(f"  outbox, markers, jobs, inbox, counters loaded ({time.monotonic() - started:.0f} s)",
              flush=True)
        for index in indexes:
            await conn.execute(index["indexdef"])
        print(f"  {len(indexes)} indexes built ({time.monotonic() - started:.0f} s)", flush=True)
        await conn.execute("SET session_replication_role = origin")
        await conn.execute("VACUUM (ANALYZE)")
        print(f"  vacuumed and analyzed ({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        await conn.close()


def scrape(port: int) -> tuple[float, float]:
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        body = r.read().decode()
    took = time.perf_counter() - started
    query = next(float(line.split()[-1]) for line in body.splitlines()
                 if line.startswith("paid_desk_metrics_query_seconds "))
    return took, query


async def counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return {t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in TABLES}  # noqa: S608
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--scrapes", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="keep the embedded database's data in this folder")
    parser.add_argument("--reuse", action="store_true", help="scrape the database kept in --keep, no load")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "PORT", "DATA_DIR")}
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as tmp:
        server = None
        if env.get("DATABASE_URL"):
            base = env["DATABASE_URL"]
        else:
            data = args.keep or Path(tmp)
            server = embedded_postgres.start(data / "pg", keep_data=args.keep is not None)
            env = server.env(env)
            base = server.url
        url = with_database(base, DATABASE)
        try:
            if not args.reuse:
                asyncio.run(_fresh(base, url, env, args.users, args.messages))
            print(f"rows: {asyncio.run(counts(url))}", flush=True)
            port = free_port()
            web_env = dict(env, DATABASE_URL=url, PORT=str(port), LOG_LEVEL="WARNING", LOG_FORMAT="console")
            with (Path(tmp) / "web.log").open("wb") as log:
                web = subprocess.Popen([sys.executable, "-m", "webhooks"], env=web_env, cwd=ROOT, stdout=log,
                                       stderr=subprocess.STDOUT)
                try:
                    wait_http(f"http://127.0.0.1:{port}/health", timeout=60)
                    scrape(port)  # the pool's first connection
                    taken = [scrape(port) for _ in range(args.scrapes)]
                finally:
                    web.terminate()
                    web.wait(30)
            http = sorted(t for t, _ in taken)
            query = sorted(q for _, q in taken)
            print(f"GET /metrics, {args.scrapes} scrapes one after another on {os.cpu_count()} cores:")
            print(f"  HTTP answer      median {statistics.median(http) * 1000:7.1f} ms   "
                  f"p95 {http[int(len(http) * 0.95) - 1] * 1000:7.1f} ms   max {http[-1] * 1000:7.1f} ms")
            print(f"  Postgres reads   median {statistics.median(query) * 1000:7.1f} ms   "
                  f"p95 {query[int(len(query) * 0.95) - 1] * 1000:7.1f} ms   max {query[-1] * 1000:7.1f} ms")
        finally:
            if server is not None:
                server.stop()


async def _fresh(base: str, url: str, env: dict[str, str], users: int, messages: int) -> None:
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    migrate = ["bash", str(ROOT / "sql" / "migrate.sh")]
    await asyncio.to_thread(subprocess.run, migrate, env=dict(env, DATABASE_URL=url), check=True,
                            capture_output=True)
    print(f"loading {users:,} users and {messages:,} messages", flush=True)
    await load(url, users, messages)


if __name__ == "__main__":
    main()
