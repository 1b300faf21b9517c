"""Benchmark: the control center's queries at a million users.

    .venv/bin/python bench/admin.py [--scale 1] [--runs 30] [--keep DIR] [--only TEXT]

Fills a fresh database (embedded Postgres unless DATABASE_URL is set),
migrated by ``sql/migrate.sh``, with 1,000,000 users, 10,000,000 messages,
1,000,000 payments and 10,000,000 ledger rows times ``--scale`` (generated in
Postgres, bench/admin_gen.py), then times every query of the dashboard,
Search, the user card and the Users list (bench/admin_cases.py) ``--runs``
times each and prints p50/p95 against the goal of 50 ms, with what each
plan scans (EXPLAIN ANALYZE of the first run: IOS index-only scan, IS index
scan, BIS bitmap index scan, SEQ sequential scan; fetch = heap fetches).

``--keep DIR`` keeps the embedded server's data in DIR and reuses a database
generated before at the same scale (generation at full scale takes about
20 minutes); ``--regenerate`` makes it again (after a migration changed).
Prints figures; never asserts them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import admin_cases, admin_gen  # noqa: E402
from core.platform import embedded_postgres  # noqa: E402
from core.platform.embedded_postgres import with_database  # noqa: E402

META = "CREATE TABLE IF NOT EXISTS bench_meta (scale float8 NOT NULL, generated_at timestamptz NOT NULL)"


def say(text: str) -> None:
    print(text, flush=True)


async def _exists(base_url: str, name: str) -> bool:
    conn = await asyncpg.connect(base_url)
    try:
        return bool(await conn.fetchval("SELECT true FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def _generated_scale(url: str) -> float | None:
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT to_regclass('bench_meta') IS NOT NULL"):
            return None
        scale = await conn.fetchval("SELECT scale FROM bench_meta")
        return None if scale is None else float(scale)
    finally:
        await conn.close()


async def prepare(base_url: str, env: dict[str, str], scale: float, *,
                  reuse: bool) -> tuple[str, float | None]:
    """The database's URL, and the seconds generating it took (None: reused)."""
    name = f"bench_admin_{str(scale).replace('.', '_')}"
    url = with_database(base_url, name)
    if reuse and await _exists(base_url, name) and await _generated_scale(url) == scale:
        say(f"reusing {name} (generated before at scale {scale})")
        return url, None
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    await asyncio.to_thread(subprocess.run, ["bash", str(ROOT / "sql" / "migrate.sh")],
                            env=dict(env, DATABASE_URL=url), check=True, capture_output=True, text=True)
    sizes = admin_gen.Sizes.at(scale)
    say(f"generating at scale {scale}: {sizes.users:,} users, {sizes.messages:,} messages, "
        f"{sizes.payments:,} payments, {sizes.ledger:,} ledger rows, {sizes.outbox:,} outbox rows")
    began = time.monotonic()
    conn = await asyncpg.connect(url)
    try:
        await admin_gen.generate(conn, sizes, say)
        await conn.execute(META)
        await conn.execute("INSERT INTO bench_meta VALUES ($1, now())", scale)
        size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
    finally:
        await conn.close()
    seconds = time.monotonic() - began
    say(f"generated in {seconds:.0f} s ({seconds / 60:.1f} min), database {size}")
    return url, seconds


def header() -> None:
    say(f"\n{'group':<16} {'query':<34} {'p50 ms':>8} {'p95 ms':>8} {'max':>7}  {'goal':<5} plan")


def line(r: admin_cases.Result, previous: admin_cases.Result | None) -> None:
    name = r.case.group if previous is None or previous.case.group != r.case.group else ""
    ok = "ok" if r.pct(95) <= admin_cases.GOAL_MS else "MISS"
    say(f"{name:<16} {r.case.label:<34} {r.p50:8.2f} {r.pct(95):8.2f} {max(r.ms):7.1f}  {ok:<5} {r.plan}")


def summary(results: list[admin_cases.Result], scale: float) -> None:
    goal = admin_cases.GOAL_MS
    missed = [r for r in results if r.pct(95) > goal]
    say(f"\n{len(results) - len(missed)} of {len(results)} within p95 ≤ {goal:g} ms at scale {scale}"
        + (f"; missed: {', '.join(f'{r.case.group}/{r.case.label}' for r in missed)}" if missed else ""))


async def run(args: argparse.Namespace, base_url: str, env: dict[str, str]) -> None:
    url, _ = await prepare(base_url, env, args.scale, reuse=args.keep is not None and not args.regenerate)
    conn = await asyncpg.connect(url)
    try:
        server = await conn.fetchrow("SELECT version() AS v, current_setting('shared_buffers') AS sb,"
                                     " current_setting('work_mem') AS wm")
        assert server is not None
        say(f"{server['v'].split(' on ')[0]}, shared_buffers {server['sb']}, work_mem {server['wm']}")
        results: list[admin_cases.Result] = []
        header()
        for case in await admin_cases.cases(conn):
            if args.only and args.only.lower() not in f"{case.group} {case.label}".lower():
                continue
            results.append(await admin_cases.measure(conn, case, args.runs))
            line(results[-1], results[-2] if len(results) > 1 else None)
    finally:
        await conn.close()
    summary(results, args.scale)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0, help="1 = a million users (default)")
    p.add_argument("--runs", type=int, default=30, help="timed runs of each query")
    p.add_argument("--keep", metavar="DIR", help="keep the embedded server's data here and reuse it")
    p.add_argument("--regenerate", action="store_true", help="with --keep: generate it again")
    p.add_argument("--only", metavar="TEXT", help="time only the queries whose group or name has TEXT")
    args = p.parse_args()
    on_database(args.keep, "bench-admin-", lambda url, env: run(args, url, env))


def on_database(keep: str | None, prefix: str,
                body: Callable[[str, dict[str, str]], Awaitable[None]]) -> None:
    """Run ``body(url, env)`` on ``DATABASE_URL``, or on an embedded server whose data
    is kept in ``keep`` (reused next time) or in a temporary folder removed after."""
    env = dict(os.environ)
    server = None
    tmp: Path | None = None
    if env.get("DATABASE_URL"):
        base_url = env["DATABASE_URL"]
    else:
        data = Path(keep) if keep else Path(tempfile.mkdtemp(prefix=prefix))
        tmp = None if keep else data
        server = embedded_postgres.start(data / "pg", keep_data=keep is not None)
        base_url, env = server.url, server.env()
    try:
        asyncio.run(body(base_url, env))
    finally:
        if server is not None:
            server.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
