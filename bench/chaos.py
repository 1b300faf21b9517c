"""Benchmark: crash and restart under load (issue 18, item 1).

    .venv/bin/python bench/chaos.py [--users 100] [--groups 8] [--rate 200] [--seconds 60]
        [--kill-every 1] [--kills 60] [--restart-postgres-at 30] [--payments 20] [--replies 2]
        [--broadcast 2000] [--keep-logs]

A fresh embedded Postgres (its own data directory, so it can be stopped and
started) migrated with the sandbox's tables; the real ingress and one worker
process per queue (tests/chaos_kit.py). Users spread over ``--groups`` admin
groups (a group's sends go out one after another, as Telegram orders them)
write at ``--rate`` messages/s,
Stripe and Stars payments arrive and an operator answers, while a random
worker process is killed with SIGKILL every ``--kill-every`` s (±50 %) and
started again (at least ``--kills`` times: past the load if need be, while
the backlog keeps the workers busy), and Postgres is stopped and started once. Then, from the
database (tests/chaos_check.py): every acknowledged update handled exactly
once, every message relayed and charged once, every payment granted once,
the ledger invariant, nothing left in the queues, the inbox or the outbox;
the copies a kill duplicated and the window it can happen in; the time the
ingress took to answer 200 again after Postgres came back, and the 503s it
answered meanwhile. A free-lane broadcast to every user and ``--broadcast``
recipients more runs through the load, on a broadcast worker killed like the
others: every recipient must get it exactly once (tests/chaos_broadcast.py).

Prints the figures as JSON; exits 1 when a promise was broken.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import relay_db  # noqa: E402
from core.platform import embedded_postgres  # noqa: E402
from tests.chaos_check import verdict  # noqa: E402
from tests.chaos_kit import PgControl, Plan, Rig  # noqa: E402


@asynccontextmanager
async def database(tmp: Path) -> AsyncIterator[tuple[str, PgControl]]:
    """A migrated database on an embedded server of its own; the server's controls."""
    server = embedded_postgres.start(tmp / "pg", keep_data=False)
    try:
        env = server.env({k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "STRIPE_API_KEY")})
        url = await relay_db.create_database(server.url, "bench_chaos")
        relay_db.migrate(env, url)
        pg = PgControl(tmp / "pg", env)
        # One process per queue, the broadcast worker's among them, each with its pools:
        # more than the 100 connections a fresh server allows.
        await relay_db.allow_connections(url, 300)
        pg.start(pg.stop())
        yield url, pg
    finally:
        server.stop()


async def run(args: argparse.Namespace, tmp: Path) -> int:
    plan = Plan(users=args.users, rate=args.rate, seconds=args.seconds, kill_every=args.kill_every,
                restart_postgres_at=args.restart_postgres_at, stripe_payments=args.payments // 2,
                stars_payments=args.payments - args.payments // 2, replies_per_second=args.replies,
                groups=args.groups, min_kills=args.kills, broadcast_recipients=args.broadcast)
    async with database(tmp) as (url, pg):
        rig = Rig(url, tmp, plan, pg)
        async with rig.open():
            await rig.onboard()
            log = await rig.run()
            settle = await rig.settle(timeout=args.settle_timeout)
            result = await verdict(rig.pool, log)
    figures = {"plan": vars(args), "settled_after_load_s": round(settle, 1),
               "load_s": round(log.load_seconds, 1), **result.figures, "broken": result.broken}
    print(json.dumps(figures, indent=1, default=str))
    return 1 if result.broken else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--groups", type=int, default=8)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-every", type=float, default=1.0)
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--restart-postgres-at", type=float, default=30.0)
    parser.add_argument("--payments", type=int, default=20)
    parser.add_argument("--replies", type=float, default=2.0)
    parser.add_argument("--broadcast", type=int, default=2000,
                        help="recipients of a broadcast during the load besides the users (0: none)")
    parser.add_argument("--settle-timeout", type=float, default=600.0)
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (printed path)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-chaos-"))
    started = time.monotonic()
    try:
        code = asyncio.run(run(args, tmp))
    finally:
        print(f"# {time.monotonic() - started:.0f} s; logs in {tmp}" if args.keep_logs
              else f"# {time.monotonic() - started:.0f} s", file=sys.stderr)
        if not args.keep_logs:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
