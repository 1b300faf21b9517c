"""Benchmark: one analytics chart at a million users and 90 days (the desk).

    .venv/bin/python bench/desk.py [--scale 1] [--runs 5] [--keep DIR]

Uses the control center's generated database (bench/admin.py: 1,000,000
users, 10,000,000 messages, 1,000,000 payments times ``--scale``; reused
from ``--keep DIR`` when generated before), adds what the desk's series read
and the generator leaves empty (revenue per day as the payment triggers keep
it, tickets for the response times), then times each series' chart for the
last 90 days as the admin worker makes it (core.desk.reports.chart): the
query, then the PNG rendered with matplotlib. Goal: under a second together.
Prints figures; never asserts them.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datetime import timedelta  # noqa: E402

from bench import admin  # noqa: E402
from core.desk import analytics, reports  # noqa: E402
from core.desk.analytics import Kind  # noqa: E402

GOAL_SECONDS = 1.0

#: What the payment triggers would have kept (the generator writes with triggers off).
REVENUE_DAYS = """
INSERT INTO revenue_days (day, rail, currency, product_id, payments, gross, refunds)
SELECT (coalesce(paid_at, created_at) AT TIME ZONE 'UTC')::date, rail, upper(currency),
       coalesce(product_id, 0), count(*), sum(amount), sum(amount_refunded)
FROM transactions
WHERE status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')
GROUP BY 1, 2, 3, 4
ON CONFLICT DO NOTHING
"""

#: A ticket per conversation with a reply, as the desk's trigger opens and answers them.
TICKETS = """
INSERT INTO desk_tickets (conversation_id, user_id, opened_at, first_response_at, first_response_by)
SELECT c.id, c.user_id, c.last_user_message_at - interval '1 hour',
       c.last_user_message_at - interval '1 hour' + (random() * interval '3 hours'), 1000001
FROM conversations c
WHERE c.last_user_message_at IS NOT NULL
"""

#: A database generated under an earlier draft of migration 0022 lacks these tables.
DESK_DAILY = """
CREATE TABLE IF NOT EXISTS desk_daily (
    day          date PRIMARY KEY,
    active_users integer NOT NULL,
    rolled_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS desk_daily_response (
    day       date PRIMARY KEY,
    p50       float8,
    p90       float8,
    rolled_at timestamptz NOT NULL DEFAULT now()
)
"""


def say(text: str) -> None:
    print(text, flush=True)


async def _desk_tables(conn: asyncpg.Connection) -> None:
    await conn.execute(DESK_DAILY)
    # Active users' past days are rolled up by the first chart that asks: the
    # first run (reported apart) pays for it, every later one reads the rollup.
    await conn.execute("TRUNCATE desk_daily, desk_daily_response")
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM revenue_days)"):
        await conn.execute(REVENUE_DAYS)
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM desk_tickets)"):
        await conn.execute("SET session_replication_role = replica")
        await conn.execute(TICKETS)
        await conn.execute("RESET session_replication_role")
    await conn.execute("ANALYZE revenue_days")
    await conn.execute("ANALYZE desk_tickets")


async def run(args: argparse.Namespace, base_url: str, env: dict[str, str]) -> None:
    reuse = args.keep is not None and not args.regenerate
    url, _ = await admin.prepare(base_url, env, args.scale, reuse=reuse)
    # A database generated before the desk's migration gets it now.
    await asyncio.to_thread(subprocess.run, ["bash", str(ROOT / "sql" / "migrate.sh")],
                            env=dict(env, DATABASE_URL=url), check=True, capture_output=True, text=True)
    conn = await asyncpg.connect(url)
    try:
        await _desk_tables(conn)
        users = await conn.fetchval("SELECT count(*) FROM users")
        payments = await conn.fetchval("SELECT count(*) FROM transactions")
        say(f"{users:,} users, {payments:,} payments; charts of the last 90 days, {args.runs} runs each")
        # The newest generated day, so the 90 days hold data whenever the database was made.
        last = await conn.fetchval("SELECT (max(created_at) AT TIME ZONE 'UTC')::date FROM users")
        period = analytics.Period(last - timedelta(days=89), last)
        say(f"\n{'series':<16} {'query p50':>10} {'render p50':>11} {'render CPU':>11} {'total p50':>10}"
            f" {'total max':>10} {'first run':>10}  goal (p50)")
        for kind in Kind:
            totals, queries, renders, cpus = [], [], [], []
            for _ in range(args.runs):
                async with conn.transaction():
                    made = await reports.chart(conn, kind, period)
                queries.append(made.query_seconds)
                renders.append(made.render_seconds)
                cpus.append(made.render_cpu_seconds)
                totals.append(made.query_seconds + made.render_seconds)
            ok = "ok" if statistics.median(totals) < GOAL_SECONDS else "MISS"
            query, render = statistics.median(queries) * 1000, statistics.median(renders) * 1000
            say(f"{kind.value:<16} {query:8.1f}ms {render:9.1f}ms {statistics.median(cpus) * 1000:9.1f}ms"
                f" {statistics.median(totals) * 1000:8.1f}ms {max(totals) * 1000:8.1f}ms"
                f" {totals[0] * 1000:8.1f}ms  {ok}")
    finally:
        await conn.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0, help="1 = a million users (default)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keep", metavar="DIR", help="keep the embedded server's data here and reuse it")
    p.add_argument("--regenerate", action="store_true")
    args = p.parse_args()
    admin.on_database(args.keep, "bench-desk-", lambda url, env: run(args, url, env))


if __name__ == "__main__":
    main()
