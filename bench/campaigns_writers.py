"""The free-lane broadcast with customers writing during it (bench/campaigns.py ``free``).

Issue 15 asks two things of the same run: the broadcast uses the overall budget
it shares with everything else (≥ 97% of 30/s, no flood wait), and customers
who write meanwhile are not held back by it (p99 from their update to their
relay and its confirmation ≤ 2 s). So this run is the whole system: the real
ingress and one worker process per queue (tests/chaos_kit.py's rig, in sandbox
mode), and Telegram's limits as they are: 30/s overall, 1/s per chat, 20 a
minute per group. The writers are spread over as many admin groups as there
are writers, so that what a relay waits for is the overall budget the
broadcast shares, not a group's 20 a minute (which holds relays back
broadcast or not).

Every figure is counted at the fake Telegram: the rate at the overall lane's
own timestamps (every send: the broadcast's and the customers'), the
broadcast's copies apart, and each customer message's latency from its post
until its copy exists in the topic and its confirmation in the user's chat.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.sandbox.telegram.model import TelegramModel
from tests import chaos_broadcast
from tests.chaos_kit import QUIET, Plan, Rig, wait_for

#: Broadcast recipients' Telegram ids start here (the writers are the rig's own users).
BASE = 6_000_000_000
SOURCE = 1000001
TEXT = "Hello from the bench"
ENV = {
    "TELEGRAM_GLOBAL_PER_SECOND": "30",
    "TELEGRAM_PAID_PER_SECOND": "1000",
    "TELEGRAM_CHAT_PER_SECOND": "1",
    "TELEGRAM_GROUP_PER_MINUTE": "20",
}


@dataclass(frozen=True)
class Result:
    recipients: int
    sent: int
    failed: int
    #: Every send the overall lane let through, per second of the broadcast.
    overall_rate: float
    #: The broadcast's copies alone, per second.
    broadcast_rate: float
    flood_waits: int
    #: Where they were met: "group", "writer" (a writer's own chat), "recipient".
    flood_waits_at: dict[str, int]
    writers: int
    written: int
    relayed: int
    latencies_ms: list[float]
    seconds: float

    def report(self) -> str:
        lat = sorted(self.latencies_ms)
        p50 = statistics.median(lat) if lat else 0.0
        p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))] if lat else 0.0
        return (
            f"free: {self.sent}/{self.recipients} sent ({self.failed} failed) in {self.seconds:.0f} s;"
            f" overall lane {self.overall_rate:.1f}/s = {self.overall_rate / 30 * 100:.1f}% of 30/s,"
            f" the broadcast alone {self.broadcast_rate:.1f}/s (fake Telegram's timestamps);"
            f" flood waits {self.flood_waits} {self.flood_waits_at}\n"
            f"      {self.writers} users wrote {self.written} messages during it: {self.relayed} relayed and"
            f" confirmed; update to relay and confirmation p50 {p50:.0f} ms, p99 {p99:.0f} ms,"
            f" max {max(lat, default=0):.0f} ms")


async def _recipients(rig: Rig, model: TelegramModel, count: int) -> None:
    await rig.pool.execute("INSERT INTO users (telegram_id, first_name, last_seen_at)"
                           " SELECT $1::bigint + g, 'u' || g, now() FROM generate_series(1, $2::int) g",
                           BASE, count)
    sem = asyncio.Semaphore(8)

    async def ensure(chat: int) -> None:
        async with sem:
            await model.ensure_chat(chat, type="private", first_name=f"u{chat}")

    await asyncio.gather(*(ensure(BASE + i) for i in range(1, count + 1)))
    await model.ensure_chat(SOURCE, type="private", first_name="Owner")
    await model.record_incoming({"message_id": 1, "chat": {"id": SOURCE, "type": "private"},
                                 "from": {"id": SOURCE, "is_bot": False, "first_name": "Owner"},
                                 "date": int(time.time()), "text": TEXT})


async def _start_campaign(rig: Rig, count: int) -> int:
    # The broadcast's audience is the recipients only: the writers' ids are below theirs.
    first = await rig.pool.fetchval("SELECT min(id) - 1 FROM users WHERE telegram_id > $1", BASE)
    return await chaos_broadcast.run_broadcast(rig.pool, audience=count, selected_through=int(first))


async def _write(rig: Rig, span: float, per_writer: int, seed: int) -> dict[str, float]:
    """Each writer posts ``per_writer`` messages at random moments of ``span`` seconds."""
    rng = random.Random(seed)
    posted: dict[str, float] = {}
    plan = sorted((rng.uniform(0, span), p, n) for p in rig.people for n in range(per_writer))
    start = time.monotonic()
    for at, person, n in plan:
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        text = f"writer {person.id} {n}"
        posted[text] = time.time()
        rig.post_soon(rig._update(person, text))
    return posted


async def _latencies(rig: Rig, posted: dict[str, float]) -> list[float]:
    """Post until both the topic's copy and the user's confirmation after it exist, ms."""
    rows = await rig.pool.fetch(
        "SELECT c.text, extract(epoch FROM c.created_at) AS copied,"
        " (SELECT extract(epoch FROM min(k.created_at)) FROM sandbox_messages k"
        "  WHERE k.chat_id = m.user_chat AND k.from_bot AND k.created_at >= c.created_at"
        "    AND k.text IS DISTINCT FROM $2) AS confirmed"
        " FROM sandbox_messages c"
        " JOIN LATERAL (SELECT split_part(c.text, ' ', 2)::bigint AS user_chat) m ON true"
        " WHERE c.chat_id < 0 AND c.from_bot AND c.text = ANY ($1::text[])",
        list(posted), TEXT)
    return [(max(float(r["copied"]), float(r["confirmed"] or 1e18)) - posted[r["text"]]) * 1000
            for r in rows if r["confirmed"] is not None]


async def run(url: str, logs: Path, count: int, writers: int, per_writer: int = 3) -> Result:
    plan = Plan(users=writers, rate=0.0, seconds=0.0, kill_every=None, stripe_payments=0, stars_payments=0,
                replies_per_second=0.0, groups=writers, latency_ms=0)
    rig = Rig(url, logs, plan, None, env=ENV)
    async with rig.open():
        rig.workers.start("broadcast")  # the rig runs it only for its own chaos broadcast
        await wait_for(rig.pool, "SELECT count(*) >= 4 FROM procrastinate_workers", timeout=90)
        await rig.onboard()
        # Each writer's topic first: what is measured is a relay, not a topic's creation.
        for person in rig.people:
            rig.post_soon(rig._update(person, f"writer {person.id} first"))
        try:
            await wait_for(rig.pool, "SELECT count(*) = $1 FROM conversations WHERE topic_id IS NOT NULL",
                           writers, timeout=300)
        except AssertionError:
            state = await rig.pool.fetch(
                "SELECT 'message ' || status AS what, count(*) FROM messages GROUP BY 1"
                " UNION ALL SELECT 'outbox ' || method || ' ' || status || ' ' || coalesce(last_error, ''),"
                " count(*) FROM outbox GROUP BY 1 UNION ALL SELECT 'users', count(*) FROM users")
            raise AssertionError(f"the writers' topics were not created: {[tuple(r) for r in state]}"
                                 f"\n{rig.workers.log_tail()}") from None
        await wait_for(rig.pool, QUIET, timeout=120)
        model = TelegramModel(rig.pool)
        await _recipients(rig, model, count)
        began = datetime.now(UTC)
        started = time.monotonic()
        cid = await _start_campaign(rig, count)
        # Writing over the first 80% of the broadcast's expected run, at 30/s.
        posted = await _write(rig, count / 30 * 0.8, per_writer, seed=15)
        await wait_for(rig.pool, "SELECT status = 'done' FROM campaigns WHERE id = $1", cid,
                       timeout=count / 10 + 120)
        seconds = time.monotonic() - started
        await wait_for(rig.pool, QUIET, timeout=120)
        c = await rig.pool.fetchrow("SELECT sent, failed FROM campaigns WHERE id = $1", cid)
        times = [t for t in await model.sent_times(paid=False) if t >= began]
        copies = [r["created_at"] for r in await rig.pool.fetch(
            "SELECT created_at FROM sandbox_messages WHERE chat_id > 0 AND from_bot AND text = $1"
            " ORDER BY created_at", TEXT)]
        floods = [f for f in await model.flood_waits() if f.at >= began]
        writer_chats = {p.id for p in rig.people}
        where: dict[str, int] = {}
        for f in floods:
            kind = "group" if f.chat_id < 0 else "writer" if f.chat_id in writer_chats else "recipient"
            where[kind] = where.get(kind, 0) + 1
        latencies = await _latencies(rig, posted)
    return Result(count, int(c["sent"]), int(c["failed"]), _rate(times), _rate(copies), len(floods), where,
                  writers,
                  len(posted), len(latencies), latencies, seconds)


def _rate(times: list[Any]) -> float:
    if len(times) < 2:
        return 0.0
    span = (max(times) - min(times)).total_seconds()
    return (len(times) - 1) / span if span else 0.0
