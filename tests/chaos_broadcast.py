"""A broadcast running through a chaos run (issue 18, item 1: "and a broadcast runs").

Recipients who never write are added besides the rig's users, and a free-lane
campaign to everyone starts with the load, on a broadcast worker the chaos
kills like the others. Afterwards every recipient must hold exactly one copy:
none lost to a kill, none twice (a copy carries random ids of its own, so a
send the stall recovery returns and makes again is refused by Telegram as a
repeat instead of reaching the user a second time).
"""

from __future__ import annotations

import time

import asyncpg

from core.sandbox.telegram.model import TelegramModel

#: The recipients' Telegram ids start here (the rig's users are at 710_000_000).
RECIPIENT_BASE = 720_000_000
OWNER = 1000001
TEXT = "chaos broadcast"


async def start(pool: asyncpg.Pool, recipients: int) -> int:
    """Add the recipients, the message to copy and a running campaign; the campaign's id."""
    await pool.execute("INSERT INTO users (telegram_id, first_name, last_seen_at)"
                       " SELECT $1::bigint + g, 'r' || g, now() FROM generate_series(1, $2::int) g",
                       RECIPIENT_BASE, recipients)
    model = TelegramModel(pool)
    for i in range(1, recipients + 1):
        await model.ensure_chat(RECIPIENT_BASE + i, type="private", first_name=f"r{i}")
    await model.ensure_chat(OWNER, type="private", first_name="Owner")
    await model.record_incoming({"message_id": 1, "chat": {"id": OWNER, "type": "private"},
                                 "from": {"id": OWNER, "is_bot": False, "first_name": "Owner"},
                                 "date": int(time.time()), "text": TEXT})
    audience = int(await pool.fetchval("SELECT count(*) FROM users"))
    return await run_broadcast(pool, audience=audience)


async def run_broadcast(pool: asyncpg.Pool, *, audience: int, selected_through: int = 0) -> int:
    """A running free-lane broadcast of the owner's message 1 to the users after
    ``selected_through`` (by id), its job queued; the campaign's id."""
    async with pool.acquire() as conn, conn.transaction():
        cid = int(await conn.fetchval(
            "INSERT INTO campaigns (kind, status, created_by, chat_id, segment, lane, source_chat_id,"
            " source_message_ids, selected_through, last_user_id, audience, started_at)"
            " VALUES ('broadcast', 'running', $1, $1, 'all', 'broadcast', $1, ARRAY[1], $2,"
            " (SELECT max(id) FROM users), $3, now()) RETURNING id", OWNER, selected_through, audience))
        await conn.execute("SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('broadcast', 'broadcast.run', 0,"
                           " $1, $1, jsonb_build_object('campaign_id', $2::bigint), NULL)"
                           "::procrastinate_job_to_defer_v1])", f"campaign:{cid}", cid)
    return cid

async def check(pool: asyncpg.Pool, campaign_id: int) -> tuple[dict[str, object], list[str]]:
    """The broadcast's figures and its broken promises (none when every user has one copy)."""
    c = await pool.fetchrow("SELECT status, audience, sent, failed, blocked FROM campaigns WHERE id = $1",
                            campaign_id)
    copies = await pool.fetch(
        "SELECT u.telegram_id, count(m.*) AS n FROM users u"
        " LEFT JOIN sandbox_messages m ON m.chat_id = u.telegram_id AND m.from_bot AND m.text = $1"
        " GROUP BY u.telegram_id", TEXT)
    lost = [r["telegram_id"] for r in copies if r["n"] == 0]
    twice = sum(r["n"] - 1 for r in copies if r["n"] > 1)
    repeats = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE lane = 'broadcast' AND result ->> 'already_sent' = 'true'")
    figures: dict[str, object] = {
        "broadcast": {"status": c["status"], "audience": c["audience"], "sent": c["sent"],
                      "failed": c["failed"], "blocked": c["blocked"], "recipients_without_copy": len(lost),
                      "copies_twice": twice, "repeats_refused_by_random_id": repeats}}
    broken = []
    if c["status"] != "done":
        broken.append(f"the broadcast ended {c['status']}")
    if lost:
        broken.append(f"{len(lost)} recipients never got the broadcast, e.g. {lost[:3]}")
    if twice:
        broken.append(f"{twice} broadcast copies made twice")
    return figures, broken
