"""Benchmark: what worker processes cost when nobody writes.

    .venv/bin/python bench/idle.py [--seconds 60] [--queues messaging,billing,admin,broadcast]

One run, on this machine: a fresh database (embedded Postgres unless
DATABASE_URL is set) migrated by ``sql/migrate.sh --sandbox``; then, one queue
at a time, a worker process (``python -m workers QUEUE``, as the Procfile runs
it) is started, left to settle, and watched for ``--seconds`` while nothing is
queued. Reported per process: CPU (user + system, from /proc) as a share of
one core, and the transactions it makes on Postgres per second (from
pg_stat_database: the worker is the only client of its database), with the
statements it ran, counted from the server's log (``log_statement = all``).

Prints figures, never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import relay_db  # noqa: E402
from core.platform import embedded_postgres  # noqa: E402

SETTLE_SECONDS = 8.0
CLEARED_ENV = ("BOT_TOKEN", "TELEGRAM_API_ID", "TELEGRAM_API_HASH", "ADMIN_GROUP_ID", "ADMIN_GROUP_IDS",
               "STRIPE_API_KEY", "DATA_DIR", "PORT")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def transactions(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        # This connection's own transaction is not counted: it reads the others' totals.
        return int(await conn.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"))
    finally:
        await conn.close()


def size_of(path: Path) -> int:
    return path.stat().st_size


def statements(log: Path, start: int, database: str) -> Counter[str]:
    """The statements logged since byte ``start`` of the server log, by their first words."""
    counts: Counter[str] = Counter()
    with log.open("rb") as f:
        f.seek(start)
        for raw in f:
            line = raw.decode(errors="replace")
            if f"db={database} " not in line:
                continue
            found = re.search(r"(?:statement|execute [^:]*): (.*)", line)
            if found:
                counts[" ".join(found.group(1).split())[:70]] += 1
    return counts


async def measure(queue: str, env: dict[str, str], url: str, log: Path | None, database: str,
                  seconds: float, tmp: Path) -> None:
    out = (tmp / f"{queue}.log").open("wb")
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, watched for a minute
        [sys.executable, "-m", "workers", queue], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        await asyncio.sleep(SETTLE_SECONDS)
        if proc.poll() is not None:
            raise RuntimeError((tmp / f"{queue}.log").read_text()[-3000:])
        offset = size_of(log) if log is not None else 0
        cpu, tx, started = cpu_seconds(proc.pid), await transactions(url), time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        cpu_share = (cpu_seconds(proc.pid) - cpu) / elapsed
        per_second = (await transactions(url) - tx - 1) / elapsed
        print(f"  {queue:<10} CPU {cpu_share:6.2%} of a core   {per_second:5.2f} transactions/s", flush=True)
        if log is not None:
            for text, n in statements(log, offset, database).most_common(8):
                print(f"      {n / elapsed:5.2f}/s  {text}")
    finally:
        proc.terminate()
        proc.wait(30)
        out.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--queues", default="messaging,billing,admin,broadcast")
    parser.add_argument("--no-statements", action="store_true", help="do not log statements")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp_name:
        tmp = Path(tmp_name)
        server = None
        if env.get("DATABASE_URL"):
            base = env["DATABASE_URL"]
        else:
            server = embedded_postgres.start(tmp / "pg", keep_data=False)
            env = server.env(env)
            base = server.url
        database = f"bench_idle_{os.getpid()}"
        url = await relay_db.create_database(base, database)
        try:
            relay_db.migrate(env, url)
            log = None
            if server is not None and not args.no_statements:
                conn = await asyncpg.connect(base)
                try:
                    await conn.execute(f'ALTER DATABASE "{database}" SET log_statement = \'all\'')
                    await conn.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] db=%d '")
                    await conn.execute("SELECT pg_reload_conf()")
                finally:
                    await conn.close()
                log = tmp / "pg" / "log"
            worker_env = dict(env, DATABASE_URL=url, LOG_LEVEL="WARNING", LOG_FORMAT="console")
            print(f"idle workers: {os.cpu_count()} cores; each worker alone on its database for "
                  f"{args.seconds:.0f} s after {SETTLE_SECONDS:.0f} s to settle", flush=True)
            for queue in args.queues.split(","):
                await measure(queue, worker_env, url, log, database, args.seconds, tmp)
        finally:
            await relay_db.drop_database(base, database)
            if server is not None:
                server.stop()


if __name__ == "__main__":
    asyncio.run(main())
