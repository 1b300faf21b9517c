"""Benchmark: outbound delivery within Telegram's limits (issue figures).

Real worker processes (``python -m workers messaging``, sandbox mode: the
fake Telegram enforcing Telegram's limits) deliver outbox rows; the script
prints, for each scenario, the achieved rate against the budget and the
flood waits the fake answered.

    .venv/bin/python bench/delivery.py [--bulk 10000] [--paid 10000] [--workers 2]
        [--group-users 100] [--group-messages 300] [--group-seconds 120]

Scenarios:
  bulk   N messages to N distinct chats at the 30/s budget (share of budget, flood waits);
         run with --workers 2 it is also the "two processes share the budgets" figure
         (the busiest 1-second window of sends must stay within 30).
  paid   N messages on the paid lane with its budget at 1000/s.
  group  a backlog of user messages from many users into one admin group:
         messages relayed per minute against the 20/min budget, and the wait of
         the highest-tier user's messages; the desk sweeps meanwhile (topic
         status edits: their share of the budget, none ahead of a customer).
  desk   customers writing under the group's budget, operators answering, while the
         desk sweeps: the share of the budget the status edits take, and the
         relays' wait; desk_baseline: the same without the desk.
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
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench import desk_delivery, relay_db  # noqa: E402
from core.jobs import queues  # noqa: E402
from core.jobs.queues import JobRequest, Queue, Task  # noqa: E402
from core.platform import database, embedded_postgres  # noqa: E402
from core.platform.config import SANDBOX_ADMIN_GROUP_ID  # noqa: E402
from core.sandbox.telegram.limits import Limits  # noqa: E402
from core.sandbox.telegram.model import TelegramModel  # noqa: E402

CHAT_BASE = 5_000_000_000
CHUNK = 25


def start_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-m", "workers", "messaging"], env=env, cwd=ROOT)
            for _ in range(count)]


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def _busiest_second(times: list[datetime]) -> int:
    """The most sends in any 1-second window, as the fake Telegram counted them."""
    best, first = 0, 0
    for last, at in enumerate(times):
        while (at - times[first]).total_seconds() >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


async def bulk(url: str, env: dict[str, str], count: int, workers: int, lane: str,
               timeout: float) -> dict[str, Any]:
    pool = await database.create_pool(url, max_size=8)
    model = TelegramModel(pool)
    chats = [CHAT_BASE + i for i in range(count)]
    sem = asyncio.Semaphore(8)

    async def ensure(chat: int) -> None:
        async with sem:
            await model.ensure_chat(chat, type="private", first_name=f"user{chat}")

    await asyncio.gather(*(ensure(c) for c in chats))
    async with pool.acquire() as conn, conn.transaction():
        params = [json.dumps({"chat_id": c, "text": "Hello from the bench",
                              **({"allow_paid_broadcast": True} if lane == "paid" else {})})
                  for c in chats]
        ids = await conn.fetch(
            "INSERT INTO outbox (chat_id, method, params, cause, lane)"
            " SELECT c, 'sendMessage', p::jsonb, 'bench', $3 FROM unnest($1::bigint[], $2::text[]) AS x(c, p)"
            " RETURNING id", chats, params, lane)
        row_ids = [r["id"] for r in ids]
        await queues.defer(conn, [JobRequest(Queue.MESSAGING, Task.DELIVER_OUTBOX, None,
                                           {"outbox_ids": row_ids[i:i + CHUNK]})
                                for i in range(0, len(row_ids), CHUNK)])
    procs = start_workers(workers, env)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            left = await pool.fetchval("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
            if left == 0:
                break
            await asyncio.sleep(0.5)
    finally:
        stop(procs)
    span = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
        " count(*) FILTER (WHERE status = 'failed') AS failed FROM outbox WHERE lane = $1", lane)
    floods = len(await model.flood_waits())
    # The moments the fake Telegram counted each message at: the rate it enforces.
    times = sorted(await model.sent_times(paid=lane == "paid"))
    await pool.close()
    seconds = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
    rate = (len(times) - 1) / seconds if seconds else 0.0
    return {"sent": span["sent"], "failed": span["failed"], "seconds": seconds, "rate": rate,
            "flood_waits": floods, "busiest_second": _busiest_second(times)}


async def group(url: str, env: dict[str, str], users: int, messages: int, seconds: float) -> dict[str, Any]:
    pool = await database.create_pool(url, max_size=8)
    model = TelegramModel(pool)
    setup = TelegramModel(pool, limits=Limits(enabled=False))
    await model.ensure_chat(SANDBOX_ADMIN_GROUP_ID, type="supergroup", title="Support", is_forum=True)
    per_user = max(messages // users, 1)
    vip = CHAT_BASE  # the first user is the VIP
    for i in range(users):
        tid = CHAT_BASE + i
        await model.ensure_chat(tid, type="private", first_name=f"user{i}")
        await pool.execute(
            "INSERT INTO users (telegram_id, first_name, credits, tier) VALUES ($1, $2, 100, $3)",
            tid, f"user{i}", "vip" if tid == vip else "free")
        uid = await pool.fetchval("SELECT id FROM users WHERE telegram_id = $1", tid)
        await pool.execute(
            "INSERT INTO credit_ledger (user_id, delta, balance_after, reason, idempotency_key)"
            " VALUES ($1, 100, 100, 'bench', $2)", uid, f"bench:{uid}")
        # Topics exist already: the measured path is the steady relay, not topic creation.
        # Set up outside Telegram's limits: the workers' sends alone count against them.
        topic = await setup.create_topic(SANDBOX_ADMIN_GROUP_ID, f"user{i}", 0)
        await pool.execute(
            "INSERT INTO conversations (user_id, admin_chat_id, topic_id) VALUES ($1, $2, $3)",
            uid, SANDBOX_ADMIN_GROUP_ID, topic.message_id)
    updates = []
    update_id = 1
    for round_ in range(per_user):
        for i in range(users):
            # The VIP writes last in every round: priority, not arrival, must put it first.
            tid = CHAT_BASE + ((i + 1) % users)
            message = {"message_id": 1000 + round_, "date": int(time.time()), "text": f"m{round_}",
                       "from": {"id": tid, "is_bot": False, "first_name": f"user{tid}"},
                       "chat": {"id": tid, "type": "private", "first_name": f"user{tid}"}}
            await model.record_incoming(message)
            updates.append({"update_id": update_id, "message": message})
            update_id += 1
    async with pool.acquire() as conn:
        await queues.defer(conn, [JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE,
                                           f"user:{u['message']['from']['id']}", {"update": u})
                                for u in updates])
    posted = time.time()
    procs = start_workers(2, env)
    try:
        async with desk_delivery.sweeping(pool):
            await asyncio.sleep(seconds)
    finally:
        stop(procs)
    desk = await desk_delivery.figures(pool, posted, time.time())
    rows = await pool.fetch(
        "SELECT u.telegram_id, extract(epoch FROM m.relayed_at)::float8 AS at FROM messages m"
        " JOIN users u ON u.id = m.user_id WHERE m.status = 'relayed' ORDER BY m.relayed_at")
    calls = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE method = 'relayToTopic' AND status = 'sent'")
    floods = len(await model.flood_waits())
    await pool.close()
    relayed = len(rows)
    vip_waits = [r["at"] - posted for r in rows if r["telegram_id"] == vip]
    elapsed = (max(r["at"] for r in rows) - posted) if rows else seconds
    return {"posted": len(updates), "relayed": relayed, "calls": calls, "seconds": elapsed,
            "per_minute": relayed / elapsed * 60 if elapsed else 0,
            "calls_per_minute": calls / elapsed * 60 if elapsed else 0,
            "vip_first_wait": min(vip_waits) if vip_waits else None,
            "vip_last_wait": max(vip_waits) if vip_waits else None, "flood_waits": floods, "desk": desk}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--paid", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--group-users", type=int, default=100)
    parser.add_argument("--group-messages", type=int, default=300)
    parser.add_argument("--group-seconds", type=float, default=120)
    parser.add_argument("--desk-users", type=int, default=20)
    parser.add_argument("--desk-per-minute", type=float, default=10)
    parser.add_argument("--desk-seconds", type=float, default=180)
    parser.add_argument("--only", choices=["bulk", "paid", "group", "desk", "desk_baseline"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["bulk", "paid", "group", "desk", "desk_baseline"])

    env = dict(os.environ, LOG_LEVEL="WARNING", WORKER_CONCURRENCY="16")
    env.pop("BOT_TOKEN", None)
    tmp = tempfile.TemporaryDirectory(prefix="bench-delivery-")
    server = None
    if env.get("DATABASE_URL"):
        base = env["DATABASE_URL"]
    else:
        server = embedded_postgres.start(Path(tmp.name) / "pg", keep_data=False)
        env = server.env(env)
        base = server.url
    results: dict[str, Any] = {}
    try:
        for name in ("bulk", "paid", "group", "desk", "desk_baseline"):
            if name not in only:
                continue
            url = asyncio.run(relay_db.create_database(base, f"bench_delivery_{name}"))
            relay_db.migrate(env, url)
            worker_env = dict(env, DATABASE_URL=url)
            if name == "bulk":
                results[name] = asyncio.run(bulk(url, worker_env, args.bulk, args.workers, "normal",
                                                 timeout=args.bulk / 30 * 1.5 + 60))
            elif name == "paid":
                results[name] = asyncio.run(bulk(url, worker_env, args.paid, args.workers, "paid",
                                                 timeout=args.paid / 100 + 60))
            elif name.startswith("desk"):
                results[name] = asyncio.run(desk_delivery.steady(
                    url, worker_env, args.desk_users, args.desk_per_minute, args.desk_seconds,
                    start_workers, stop, desk=name == "desk"))
            else:
                results[name] = asyncio.run(group(url, worker_env, args.group_users,
                                                  args.group_messages, args.group_seconds))
    finally:
        if server is not None:
            server.stop()
        tmp.cleanup()

    print(f"machine: {os.cpu_count()} cores; {args.workers} worker processes sharing the budgets")
    if "bulk" in results:
        r = results["bulk"]
        print(f"bulk:  {r['sent']} sent ({r['failed']} failed) in {r['seconds']:.1f}s = {r['rate']:.2f}/s"
              f" = {r['rate'] / 30 * 100:.1f}% of 30/s; flood waits {r['flood_waits']};"
              f" busiest 1-second window {r['busiest_second']} (budget 30)")
    if "paid" in results:
        r = results["paid"]
        print(f"paid:  {r['sent']} sent ({r['failed']} failed) in {r['seconds']:.1f}s = {r['rate']:.0f}/s"
              f" (budget 1000/s); flood waits {r['flood_waits']}; busiest second {r['busiest_second']}")
    if "group" in results:
        r = results["group"]
        vip = "n/a" if r["vip_first_wait"] is None else (
            f"{r['vip_first_wait']:.1f}s first, {r['vip_last_wait']:.1f}s last")
        print(f"group: {r['relayed']}/{r['posted']} relayed in {r['seconds']:.0f}s ="
              f" {r['per_minute']:.1f} messages/min in {r['calls_per_minute']:.1f} calls/min"
              f" (budget 20 calls/min); VIP wait {vip}; flood waits {r['flood_waits']}")
        print(desk_delivery.report("group desk", r["desk"]))
    if "desk" in results:
        print(desk_delivery.report("desk", results["desk"]))
    if "desk_baseline" in results:
        print(desk_delivery.report("desk off (baseline)", results["desk_baseline"]))


if __name__ == "__main__":
    main()
