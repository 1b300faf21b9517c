"""The desk's writes into an admin group, measured inside bench/delivery.py.

The desk's sweep runs beside the delivery workers as the admin worker runs it
(every 15 s): each conversation whose state changed gets its topic title
edited, as a background row (coalesced, sent by the group's drainer on spare
budget only). Reported: the share of the group's 20/min budget the status
edits used, how many went out while a customer's relay waited (must be 0),
and the customers' relay latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import asyncpg

from core.desk import sweep
from core.platform import database
from core.platform.config import SANDBOX_ADMIN_GROUP_ID
from core.sandbox.telegram.limits import Limits
from core.sandbox.telegram.model import TelegramModel
from workers.wiring import delivery_methods

SWEEP_SECONDS = 15.0
GROUP_PER_MINUTE = 20.0


async def sweeper(pool: asyncpg.Pool, every: float = SWEEP_SECONDS) -> None:
    """The admin worker's periodic desk sweep, until cancelled."""
    methods = delivery_methods()
    while True:
        await sweep.sweep(pool, methods)
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def sweeping(pool: asyncpg.Pool) -> Any:
    task = asyncio.create_task(sweeper(pool))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)] if ordered else 0.0


async def figures(pool: asyncpg.Pool, started: float, ended: float) -> dict[str, Any]:
    """Status edits against the group's budget over [started, ended] (epoch seconds)."""
    edits = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE method = 'editForumTopic' AND status = 'sent'")
    superseded = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE method = 'editForumTopic' AND status = 'superseded'")
    pending = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE method = 'editForumTopic' AND status IN ('pending', 'sending')")
    # An edit sent while a customer's relay to the group had been waiting (queued over
    # half a second, not merely committed the same instant) and was not sent yet.
    ahead = await pool.fetchval(
        "SELECT count(*) FROM outbox e WHERE e.method = 'editForumTopic' AND e.status = 'sent'"
        " AND EXISTS (SELECT 1 FROM outbox r WHERE r.method = 'relayToTopic' AND r.chat_id = e.chat_id"
        "             AND r.created_at < e.sent_at - interval '0.5 seconds'"
        "             AND (r.sent_at IS NULL OR r.sent_at > e.sent_at))")
    racing = await pool.fetchval(
        "SELECT count(*) FROM outbox e WHERE e.method = 'editForumTopic' AND e.status = 'sent'"
        " AND EXISTS (SELECT 1 FROM outbox r WHERE r.method = 'relayToTopic' AND r.chat_id = e.chat_id"
        "             AND r.created_at BETWEEN e.sent_at - interval '0.5 seconds' AND e.sent_at"
        "             AND (r.sent_at IS NULL OR r.sent_at > e.sent_at))")
    minutes = max(ended - started, 1.0) / 60
    return {"edits": edits, "superseded": superseded, "edits_pending": pending, "edits_ahead": ahead,
            "edits_racing": racing,
            "share": edits / (GROUP_PER_MINUTE * minutes), "minutes": minutes}


async def steady(url: str, env: dict[str, str], users: int, per_minute: float, seconds: float,
                 start_workers: Any, stop: Any, *, desk: bool = True) -> dict[str, Any]:
    """Customers write at ``per_minute`` (under the budget) for ``seconds`` and an operator
    answers each message a few seconds later (the state flips: new, answered, waiting…),
    while the desk sweeps (``desk``; without: the baseline): what share of the spare
    budget the titles take, and the relays' wait."""
    from core.jobs import queues
    from core.jobs.queues import JobRequest, Queue, Task

    pool = await database.create_pool(url, max_size=8)
    model = TelegramModel(pool)
    setup = TelegramModel(pool, limits=Limits(enabled=False))  # the workers' sends alone are limited
    await model.ensure_chat(SANDBOX_ADMIN_GROUP_ID, type="supergroup", title="Support", is_forum=True)
    base = 6_000_000_000
    for i in range(users):
        tid = base + i
        await model.ensure_chat(tid, type="private", first_name=f"user{i}")
        uid = await pool.fetchval(
            "INSERT INTO users (telegram_id, first_name, credits) VALUES ($1, $2, 1000) RETURNING id",
            tid, f"user{i}")
        await pool.execute(
            "INSERT INTO credit_ledger (user_id, delta, balance_after, reason, idempotency_key)"
            " VALUES ($1, 1000, 1000, 'bench', $2)", uid, f"bench:{uid}")
        topic = await setup.create_topic(SANDBOX_ADMIN_GROUP_ID, f"user{i}", 0)
        await pool.execute("INSERT INTO conversations (user_id, admin_chat_id, topic_id) VALUES ($1, $2, $3)",
                           uid, SANDBOX_ADMIN_GROUP_ID, topic.message_id)
    procs = start_workers(2, env)
    started = time.time()
    sent = 0
    topics = {r["telegram_id"]: r["topic_id"] for r in await pool.fetch(
        "SELECT u.telegram_id, c.topic_id FROM conversations c JOIN users u ON u.id = c.user_id")}
    operator = {"id": 999_000_111, "is_bot": False, "first_name": "Olek"}
    try:
        async with sweeping(pool) if desk else contextlib.nullcontext():
            while time.time() - started < seconds:
                tid = base + sent % users
                message = {"message_id": 1000 + sent, "date": int(time.time()), "text": f"m{sent}",
                           "from": {"id": tid, "is_bot": False, "first_name": f"user{tid}"},
                           "chat": {"id": tid, "type": "private", "first_name": f"user{tid}"}}
                await model.record_incoming(message)
                job = JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE, f"user:{tid}",
                                 {"update": {"update_id": sent + 1, "message": message}})
                async with pool.acquire() as conn:
                    await queues.defer(conn, [job])
                sent += 1
                await asyncio.sleep(60.0 / per_minute / 2)
                # The operator answers in the topic (their own message: not the bot's budget).
                answer = {"message_id": 500_000 + sent, "date": int(time.time()), "text": f"a{sent}",
                          "from": operator, "message_thread_id": topics[tid], "is_topic_message": True,
                          "chat": {"id": SANDBOX_ADMIN_GROUP_ID, "type": "supergroup", "is_forum": True}}
                await model.record_incoming(answer)
                job = JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE,
                                 f"topic:{SANDBOX_ADMIN_GROUP_ID}:{topics[tid]}",
                                 {"update": {"update_id": 100_000 + sent, "message": answer}})
                async with pool.acquire() as conn:
                    await queues.defer(conn, [job])
                await asyncio.sleep(60.0 / per_minute / 2)
            await asyncio.sleep(30)  # the last relays and the titles' spare slots
    finally:
        stop(procs)
    ended = time.time()
    latency = [float(r["wait"]) for r in await pool.fetch(
        "SELECT extract(epoch FROM sent_at - created_at) AS wait FROM outbox"
        " WHERE method = 'relayToTopic' AND status = 'sent'")]
    result = await figures(pool, started, ended)
    result.update({"posted": sent, "relayed": len(latency), "relay_p50": _pct(latency, 0.5),
                   "relay_p90": _pct(latency, 0.9), "relay_max": max(latency, default=0.0),
                   "flood_waits": len(await model.flood_waits())})
    await pool.close()
    return result


def report(name: str, r: dict[str, Any]) -> str:
    line = (f"{name}: status edits {r['edits']} sent ({r['superseded']} superseded,"
            f" {r['edits_pending']} still waiting) = {r['share'] * 100:.1f}% of the group's 20/min"
            f" over {r['minutes']:.1f} min;"
            f" sent while a customer relay waited: {r['edits_ahead']}"
            f" (racing a relay committed <0.5 s before: {r['edits_racing']})")
    if "relay_p50" in r:
        line += (f"; customer relays {r['relayed']}/{r['posted']}, wait p50 {r['relay_p50']:.2f}s"
                 f" p90 {r['relay_p90']:.2f}s max {r['relay_max']:.2f}s; flood waits {r['flood_waits']}")
    return line
