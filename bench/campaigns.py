"""Benchmark: campaigns (issue 15 figures), with a real broadcast worker process.

    .venv/bin/python bench/campaigns.py [--free 10000] [--paid 10000] [--select 1000000]
        [--gift 1000000] [--gift-days 0] [--only free|paid|select|gift]

Scenarios (each on a fresh database; users inserted in SQL, the fake Telegram
in sandbox mode enforcing Telegram's limits):
  free    a broadcast (a copy of one message) to N users on the free lane while
          ``--writers`` customers write (bench/campaigns_writers.py: the whole system,
          ingress and every worker): the rate the fake Telegram counted at its own
          timestamps against 30/s, its flood waits, and the customers' p50/p99 from
          update to relay and confirmation. ``--writers 0``: the broadcast worker alone.
  paid    the same on the paid lane (budget 1000/s), twice: with the stand-in Telegram
          (in the worker's process, a few statements of its own per send: it caps the
          rate) and with bench/relay_gateway.py's recording Telegram, which answers at
          once (the product's own rate; counted at the gateway's call times).
  select  selection and queueing of N recipients (the campaign paused once all are
          selected: nothing sent) - the worker's peak RSS and the rate of selection.
  gift    a mass gift (no notice) to N users: seconds until every grant is recorded
          (5 credits each, and --gift-days days of pass).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import campaigns_writers, relay_db  # noqa: E402
from core.platform import database, embedded_postgres  # noqa: E402
from core.sandbox.telegram.model import TelegramModel  # noqa: E402
from tests.chaos_kit import PgControl  # noqa: E402

BASE = 6_000_000_000
SOURCE = 1000001


def _start_worker(env: dict[str, str], records: Path | None = None) -> subprocess.Popen[bytes]:
    if records is None:
        return subprocess.Popen([sys.executable, "-m", "workers", "broadcast"], env=env, cwd=ROOT)
    command = [sys.executable, "-m", "bench.relay_worker", "--index", "0", "--queue", "broadcast",
               "--records", str(records), "--calls", f"{records}.calls"]
    return subprocess.Popen(command, env=env, cwd=ROOT)


def _recorded_rate(records: Path) -> float:
    """Copies per second at the recording gateway's call times."""
    times = sorted(float(json.loads(line)["t"]) for line in records.read_text().splitlines() if line)
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def _users(pool: Any, count: int, *, chats: bool, model: TelegramModel | None) -> None:
    for start in range(0, count, 100_000):  # in chunks: each within the pool's statement timeout
        await pool.execute("INSERT INTO users (telegram_id, first_name, last_seen_at)"
                           " SELECT $1::bigint + g, 'u' || g, now() FROM generate_series($2::int, $3::int) g",
                           BASE, start + 1, min(start + 100_000, count))
    if chats and model is not None:
        sem = asyncio.Semaphore(8)

        async def ensure(chat: int) -> None:
            async with sem:
                await model.ensure_chat(chat, type="private", first_name=f"u{chat}")

        await asyncio.gather(*(ensure(BASE + i) for i in range(1, count + 1)))


async def _campaign(pool: Any, kind: str, lane: str, count: int, *, credits: int = 0, days: int = 0) -> int:
    last = await pool.fetchval("SELECT max(id) FROM users")
    source = [1] if kind == "broadcast" else None
    return int(await pool.fetchval(
        "INSERT INTO campaigns (kind, status, created_by, chat_id, segment, lane, source_chat_id,"
        " source_message_ids, credits, pass_days, last_user_id, audience, started_at)"
        " VALUES ($1, 'running', $2, $2, 'all', $3, $4, $5::int[], $6, $9, $7, $8, now()) RETURNING id",
        kind, SOURCE, lane, SOURCE if source else None, source, credits, last, count, days))


async def _run(url: str, env: dict[str, str], scenario: str, count: int, records: Path | None = None,
               days: int = 0) -> dict[str, Any]:
    pool = await database.create_pool(url, max_size=8)
    model = TelegramModel(pool)
    sends = scenario in ("free", "paid")
    await _users(pool, count, chats=sends, model=model)
    if sends:
        await model.ensure_chat(SOURCE, type="private", first_name="Owner")
        await model.record_incoming({"message_id": 1, "chat": {"id": SOURCE, "type": "private"},
                                     "from": {"id": SOURCE, "is_bot": False, "first_name": "Owner"},
                                     "date": int(time.time()), "text": "Hello from the bench"})
    kind = "gift" if scenario == "gift" else "broadcast"
    lane = "paid" if scenario == "paid" else "broadcast"
    cid = await _campaign(pool, kind, lane, count, credits=5, days=days if kind == "gift" else 0)
    async with pool.acquire() as conn:
        await conn.execute("SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('broadcast', 'broadcast.run', 0,"
                           " $1, $1, jsonb_build_object('campaign_id', $2::bigint), NULL)"
                           "::procrastinate_job_to_defer_v1])", f"campaign:{cid}", cid)
    started = time.monotonic()
    proc = _start_worker(env, records)
    peak, selected_at = 0, None
    try:
        while time.monotonic() - started < max(count / 25, 120):
            row = await pool.fetchrow("SELECT status, selection_done FROM campaigns WHERE id = $1", cid)
            peak = max(peak, _peak_rss_kb(proc.pid))
            if row["selection_done"] and selected_at is None:
                selected_at = time.monotonic() - started
                if scenario == "select":
                    break
            if row["status"] == "done":
                break
            await asyncio.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        # Paused first: the worker stops between steps instead of finishing the job.
        await pool.execute("UPDATE campaigns SET status = 'paused' WHERE id = $1 AND status = 'running'", cid)
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    c = await pool.fetchrow("SELECT * FROM campaigns WHERE id = $1", cid)
    result: dict[str, Any] = {"status": c["status"], "selected": c["selected"], "granted": c["granted"],
                              "sent": c["sent"], "failed": c["failed"], "seconds": elapsed,
                              "selected_seconds": selected_at, "peak_rss_mb": peak / 1024}
    if records is not None:
        result["rate"] = _recorded_rate(records)
        result["flood_waits"] = 0  # no limits are enforced by the recording gateway
    elif sends:
        times = sorted(await model.sent_times(paid=scenario == "paid"))
        span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
        result["rate"] = (len(times) - 1) / span if span else 0.0
        result["flood_waits"] = len(await model.flood_waits())
    await pool.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--free", type=int, default=10_000)
    parser.add_argument("--paid", type=int, default=10_000)
    parser.add_argument("--select", default="10000,1000000", help="recipient counts, comma-separated")
    parser.add_argument("--gift", type=int, default=1_000_000)
    parser.add_argument("--gift-days", type=int, default=0, help="pass days in the gift, besides 5 credits")
    parser.add_argument("--only", choices=["free", "paid", "select", "gift"], action="append")
    parser.add_argument("--writers", type=int, default=20, help="customers writing during the free lane")
    args = parser.parse_args()
    env = dict(os.environ, LOG_LEVEL="WARNING", WORKER_CONCURRENCY="4")
    env.pop("BOT_TOKEN", None)
    tmp = tempfile.TemporaryDirectory(prefix="bench-campaigns-")
    server = None
    if env.get("DATABASE_URL"):
        base = env["DATABASE_URL"]
    else:
        server = embedded_postgres.start(Path(tmp.name) / "pg", keep_data=False)
        env = server.env(env)
        base = server.url
        if "free" in (args.only or ["free"]) and args.writers:
            # The free lane runs every queue's worker (bench/campaigns_writers.py).
            asyncio.run(relay_db.allow_connections(base, 300))
            pg = PgControl(Path(tmp.name) / "pg", env)
            pg.start(pg.stop())
    try:
        runs = [(name, count) for name in args.only or ["free", "paid", "select", "gift"]
                for count in ([int(n) for n in args.select.split(",")] if name == "select"
                              else [getattr(args, name)])]
        runs = [(n, c, False) for n, c in runs] + [(n, c, True) for n, c in runs if n == "paid"]
        for name, count, recording in runs:
            suffix = "_recording" if recording else ""
            url = asyncio.run(relay_db.create_database(base, f"bench_campaigns_{name}_{count}{suffix}"))
            relay_db.migrate(env, url)
            if name == "free" and args.writers:
                logs = Path(tmp.name) / "free-logs"
                logs.mkdir(exist_ok=True)
                print(asyncio.run(campaigns_writers.run(url, logs, count, args.writers)).report())
                continue
            records = Path(tmp.name) / f"{name}-records.jsonl" if recording else None
            r = asyncio.run(_run(url, dict(env, DATABASE_URL=url), name, count, records, args.gift_days))
            if name in ("free", "paid"):
                budget = 30 if name == "free" else 1000
                where = ("recording Telegram, answered at once; its call times" if recording
                         else "stand-in Telegram in the worker's process; its timestamps")
                print(f"{name}: {r['sent']}/{count} sent ({r['failed']} failed) at {r['rate']:.1f}/s ="
                      f" {r['rate'] / budget * 100:.1f}% of {budget}/s ({where});"
                      f" flood waits {r['flood_waits']}; worker peak RSS {r['peak_rss_mb']:.0f} MB")
            elif name == "select":
                rate = r["selected"] / r["selected_seconds"] if r["selected_seconds"] else 0.0
                took = r["selected_seconds"] or 0.0
                print(f"select: {r['selected']}/{count} selected and queued in {took:.1f}s"
                      f" = {rate:,.0f}/s; worker peak RSS {r['peak_rss_mb']:.0f} MB")
            else:
                what = f"5 credits + {args.gift_days} pass days" if args.gift_days else "5 credits"
                print(f"gift ({what}): {r['granted']}/{count} granted in {r['seconds']:.1f}s ({r['status']});"
                      f" worker peak RSS {r['peak_rss_mb']:.0f} MB")
    finally:
        if server is not None:
            server.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
