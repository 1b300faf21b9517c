"""Benchmark: a soak (issue 18, item 6).

    .venv/bin/python bench/soak.py [--minutes 30] [--rate 100] [--users 300] [--groups 8] [--window 300]
        [--payments-per-minute 3] [--replies 2]

The system of bench/chaos.py (a fresh embedded Postgres, the real ingress,
one worker process per queue; tests/chaos_kit.py) without the chaos: users
write at ``--rate`` messages/s for ``--minutes``, Stripe and Stars payments
arrive and an operator answers in the topics. Prints, as JSON:

- the RSS of every process (ingress, each worker, Postgres) at the start of
  the load (after the first minute, once pools and caches are warm) and at
  its end, and the largest seen;
- the size of each table at the end of every window: the queues (inbox, the
  outbox's pending rows, procrastinate's waiting jobs) must stay flat; the
  history (messages, sent outbox rows, ledger, processed markers) grows
  with the traffic and is what retention prunes after its days;
- p50/p99 latency per window (the update posted until its copy exists in
  the topic, as the stand-in Telegram dates it) and the messages per window;
- the end-of-run checks of bench/chaos.py (nothing lost, charged twice or
  left behind).

Exits 1 when a check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chaos import database  # noqa: E402
from tests.chaos_check import verdict  # noqa: E402
from tests.chaos_kit import Plan, Rig, retrying  # noqa: E402

#: Queue tables (must stay flat) and history tables (grow until retention prunes them).
QUEUES = {
    "inbox": "SELECT count(*) FROM inbox",
    "outbox_pending": "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')",
    "jobs_waiting": "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')",
}
HISTORY = ("messages", "outbox", "credit_ledger", "processed_updates", "procrastinate_jobs",
           "sandbox_messages", "procrastinate_events")
MB = 1024 * 1024


def rss(pids: dict[str, int]) -> dict[str, float]:
    found = {}
    for name, pid in pids.items():
        try:
            found[name] = round(psutil.Process(pid).memory_info().rss / MB, 1)
        except psutil.Error:
            continue
    return found


def postgres_rss(data_dir: Path) -> float:
    """The whole server: the postmaster and every backend (shared memory counted once per process)."""
    total = 0.0
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmd or (cmd.startswith("postgres:") and proc.ppid() in _postmasters(data_dir)):
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
    return round(total / MB, 1)


def _postmasters(data_dir: Path) -> set[int]:
    try:
        return {int((data_dir / "postmaster.pid").read_text().split()[0])}
    except (OSError, ValueError, IndexError):
        return set()


async def sizes(rig: Rig) -> dict[str, Any]:
    found: dict[str, Any] = {name: await retrying(rig.pool, sql) for name, sql in QUEUES.items()}
    for table in HISTORY:
        found[table] = await retrying(rig.pool, f"SELECT count(*) FROM {table}")  # noqa: S608
    size = await retrying(rig.pool, "SELECT pg_database_size(current_database())")
    found["database_mb"] = round(size / MB, 1)
    return found


async def latencies(rig: Rig, window: float, began: float) -> list[dict[str, Any]]:
    """p50/p99 per window of the posting time: post to copy in the topic."""
    rows = await rig.pool.fetch(
        "SELECT text, extract(epoch FROM min(created_at)) AS at FROM sandbox_messages"
        " WHERE chat_id < 0 AND from_bot AND text LIKE 'chaos %' GROUP BY text")
    copied = {r["text"]: float(r["at"]) for r in rows}
    per: dict[int, list[float]] = {}
    for _, text, posted in rig.log.messages.values():
        if text in copied:
            per.setdefault(int((posted - began) // window), []).append(copied[text] - posted)
    out = []
    for index in sorted(per):
        values = sorted(per[index])
        out.append({"window": index, "messages": len(values),
                    "p50_ms": round(values[len(values) // 2] * 1000),
                    "p99_ms": round(values[min(len(values) - 1, int(len(values) * 0.99))] * 1000)})
    return out


async def run(args: argparse.Namespace, tmp: Path) -> int:
    seconds = args.minutes * 60
    payments = max(2, int(args.payments_per_minute * args.minutes))
    plan = Plan(users=max(args.users, payments), rate=args.rate, seconds=seconds, kill_every=None,
                restart_postgres_at=None, stripe_payments=payments // 2,
                stars_payments=payments - payments // 2, replies_per_second=args.replies, latency_ms=20,
                # Production's default: with the tests' 3 s, a saturated machine's late
                # heartbeats pass for dead workers and their sends are returned (and doubled).
                groups=args.groups, stalled_after=10)
    async with database(tmp) as (url, pg):
        rig = Rig(url, tmp, plan, pg)
        async with rig.open():
            await rig.onboard()
            memory: dict[str, Any] = {}
            tables: list[dict[str, Any]] = []
            began = time.time()
            load = asyncio.create_task(rig.run())

            async def sample() -> dict[str, float]:
                return {**rss(rig.pids()), "postgres": postgres_rss(pg.data_dir)}

            await asyncio.sleep(min(60, seconds / 4))
            memory["start"] = await sample()
            peak = dict(memory["start"])
            next_window = began + args.window
            while not load.done():
                await asyncio.sleep(5)
                for name, value in (await sample()).items():
                    peak[name] = max(peak.get(name, 0), value)
                if time.time() >= next_window:
                    tables.append({"at_min": round((time.time() - began) / 60, 1), **await sizes(rig)})
                    next_window += args.window
            memory["end"] = await sample()
            memory["peak"] = peak
            log = await load
            try:
                settle: float | str = await rig.settle(timeout=args.settle_timeout)
            except AssertionError as exc:
                # The machine did not keep up: the figures still say how far behind it was.
                settle = f"not settled: {str(exc)[:300]}"
            tables.append({"at_min": round((time.time() - began) / 60, 1), "after_settling": True,
                           **await sizes(rig)})
            windows = await latencies(rig, args.window, began)
            result = await verdict(rig.pool, log)
    report = {"plan": vars(args), "rss_mb": memory, "tables": tables, "latency_per_window": windows,
              "settled_after_load_s": settle if isinstance(settle, str) else round(settle, 1),
              **result.figures, "broken": result.broken}
    print(json.dumps(report, indent=1, default=str))
    return 1 if result.broken else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--groups", type=int, default=8)
    parser.add_argument("--window", type=float, default=300.0, help="seconds per latency/table window")
    parser.add_argument("--payments-per-minute", type=float, default=3.0)
    parser.add_argument("--replies", type=float, default=2.0, help="operator replies per second")
    parser.add_argument("--settle-timeout", type=float, default=600.0,
                        help="seconds to let the backlog drain after the load")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    try:
        code = asyncio.run(run(args, tmp))
    finally:
        if not args.keep_logs:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
