"""🎁 A mass gift of pass days through the ingress with real workers: each user's pass
runs on by the days once (from its end while it runs, else from now), with one
pass_grants row keyed by the campaign, however often it is confirmed or its
selection is run again; bad gifts are answered and change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests import builders
from tests.builders import OWNER, Person
from tests.harness import System

GROUP = builders.SANDBOX_ADMIN_GROUP_ID
PEOPLE = [Person(730_000_001 + i, f"Pass{i}", None, f"pass{i}", lang)
          for i, lang in enumerate(("en", "pt", "es", "uk"))]
RUNNING = PEOPLE[0]
DAYS = timedelta(days=3)


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b.get("callback_data") or b.get("url", "")
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}


async def _say(system: System, text: str) -> dict[str, Any]:
    await system.write(builders.with_command_entity(builders.admin_group_text(OWNER, text)))
    return (await system.sent(GROUP))[-1]


async def _passes(system: System) -> dict[int, datetime | None]:
    return dict(await system.pool.fetch("SELECT telegram_id, pass_expires_at FROM users"))


async def test_a_mass_gift_of_credits_and_pass_days_is_granted_once_per_user(system: System) -> None:
    for person in PEOPLE:
        await system.write(builders.private_text(person, "/start"))
    # One user's pass runs for 10 more days (recorded as any pass change is).
    await system.pool.execute(
        "WITH u AS (UPDATE users SET pass_expires_at = date_trunc('second', now()) + interval '10 days'"
        " WHERE telegram_id = $1 RETURNING id, pass_expires_at)"
        " INSERT INTO pass_grants (user_id, seconds, expires_after, reason, idempotency_key)"
        " SELECT id, 864000, pass_expires_at, 'operator', 'test:running' FROM u", RUNNING.id)
    refusals = {"/massgift all 0d": "0 days changes nothing", "/massgift all 400d": "At most 365 days",
                "/massgift all 3days": "is not a gift", "/massgift all 0+3d": "write 3d alone"}
    for text, says in refusals.items():
        assert says in (await _say(system, text))["text"], text
    assert await system.pool.fetchval("SELECT count(*) FROM campaigns") == 0
    before = await _passes(system)
    credits = dict(await system.pool.fetch("SELECT telegram_id, credits FROM users"))

    preview = await _say(system, "/massgift all 5+3d Sorry for the outage")
    assert "· 4 users" in preview["text"]
    assert "5 credits + 3 days of pass each" in preview["text"]
    assert "20 credits in all" in preview["text"]
    assert "12 pass days in all" in preview["text"]
    assert "and a pass for 3 days" in preview["text"]
    started = datetime.now().astimezone()
    first = builders.press(OWNER, preview, _buttons(preview)["✅ Gift + notice"])
    second = builders.press(OWNER, preview, _buttons(preview)["✅ Gift + notice"])
    silent = builders.press(OWNER, preview, _buttons(preview)["✅ Gift silently"])
    await system.write(first, second, silent)
    finished = datetime.now().astimezone()

    c = await system.pool.fetchrow("SELECT * FROM campaigns")
    assert (c["status"], c["granted"], c["sent"], c["pass_days"], c["credits"]) == ("done", 4, 4, 3, 5)
    after = await _passes(system)
    running_until = before[RUNNING.id]
    assert running_until is not None
    assert after[RUNNING.id] == running_until + DAYS
    for person in PEOPLE[1:]:
        until = after[person.id]
        assert until is not None
        assert started + DAYS - timedelta(seconds=2) <= until <= finished + DAYS, person
    grants = await system.pool.fetch(
        "SELECT u.telegram_id, g.seconds, g.idempotency_key, g.expires_after FROM pass_grants g"
        " JOIN users u ON u.id = g.user_id WHERE g.reason = 'mass_gift'")
    assert sorted(g["telegram_id"] for g in grants) == sorted(p.id for p in PEOPLE)
    uids = dict(await system.pool.fetch("SELECT telegram_id, id FROM users"))
    for g in grants:
        assert g["seconds"] == 3 * 86400
        assert g["idempotency_key"] == f"campaign:{c['id']}:user:{uids[g['telegram_id']]}"
        assert g["expires_after"] == after[g["telegram_id"]]
    now_credits = dict(await system.pool.fetch("SELECT telegram_id, credits FROM users"))
    assert {p.id: now_credits[p.id] - credits[p.id] for p in PEOPLE} == {p.id: 5 for p in PEOPLE}
    for person in PEOPLE:
        notices = [m["text"] for m in await system.sent(person.id) if "🎁" in (m["text"] or "")]
        assert len(notices) == 1, person
        assert "Sorry for the outage" in notices[0]
    assert "абонемент на 3 дні" in [m["text"] for m in await system.sent(PEOPLE[3].id)][-1]

    # The selection run again from the start, its recipient rows lost (as if a worker had
    # died before recording them): the campaign's keys refuse every second grant.
    async with system.pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM campaign_recipients")
        await conn.execute("UPDATE campaigns SET status = 'running', finished_at = NULL,"
                           " selected_through = 0, selection_done = false, notice = false")
        await conn.execute("SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('broadcast', 'broadcast.run', 0,"
                           " 'campaign:1', 'campaign:1', '{\"campaign_id\": 1}'::jsonb, NULL)"
                           "::procrastinate_job_to_defer_v1])")
    await system.drain()
    assert await system.pool.fetchval("SELECT count(*) FROM campaign_recipients") == 4  # selected again
    assert await _passes(system) == after
    assert await system.pool.fetchval("SELECT count(*) FROM pass_grants WHERE reason = 'mass_gift'") == 4
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'mass_gift'") == 4
    assert dict(await system.pool.fetch("SELECT telegram_id, credits FROM users")) == now_credits


async def test_a_mass_gift_of_pass_days_alone_gives_no_credits(system: System) -> None:
    for person in PEOPLE[1:3]:
        await system.write(builders.private_text(person, "/start"))
    credits = dict(await system.pool.fetch("SELECT telegram_id, credits FROM users"))
    preview = await _say(system, "/massgift all 2d")
    assert "2 days of pass each · 4 pass days in all" in preview["text"]
    assert "credits in all" not in preview["text"]
    await system.write(builders.press(OWNER, preview, _buttons(preview)["✅ Gift silently"]))
    assert dict(await system.pool.fetch("SELECT telegram_id, credits FROM users")) == credits
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'mass_gift'") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM pass_grants WHERE reason = 'mass_gift'") == 2
    progress = (await system.sent(GROUP))[-1]
    assert "Granted: 2 users · 4 pass days" in progress["text"]


async def test_a_mass_gift_releases_the_messages_a_user_could_not_pay_for(system: System) -> None:
    """The gift is a grant like a payment: what the empty balance held goes to the topic,
    charged from the gift, and the user is told; a user with nothing held is only gifted."""
    broke, other = PEOPLE[0], PEOPLE[1]
    await system.write(builders.private_text(broke, "/start"),
                       *[builders.private_text(broke, f"m{i}") for i in range(5)],
                       builders.private_text(other, "/start"))
    held = "SELECT text FROM messages WHERE status = 'held' ORDER BY id"
    assert [r["text"] for r in await system.pool.fetch(held)] == ["m3", "m4"]

    preview = await _say(system, "/massgift all 5")
    await system.write(builders.press(OWNER, preview, _buttons(preview)["✅ Gift silently"]))
    await system.drain_scheduled()

    assert await system.pool.fetch(held) == []
    topic = [m["text"] for m in await system.sent(GROUP) if m["thread_id"] is not None and m["kind"] == "text"
             and (m["text"] or "").startswith("m")]
    assert topic == ["m0", "m1", "m2", "m3", "m4"]
    balances = dict(await system.pool.fetch("SELECT telegram_id, credits FROM users"))
    assert (balances[broke.id], balances[other.id]) == (5 - 2, 3 + 5)
    ledger = ("SELECT l.delta, l.reason, sum(l.delta) OVER (ORDER BY l.id) AS total FROM credit_ledger l"
              " JOIN users u ON u.id = l.user_id WHERE u.telegram_id = $1 ORDER BY l.id")
    tail = [(r["delta"], r["reason"]) for r in (await system.pool.fetch(ledger, broke.id))[-3:]]
    assert tail == [(5, "mass_gift"), (-1, "message"), (-1, "message")]
    for person in (broke, other):
        assert (await system.pool.fetch(ledger, person.id))[-1]["total"] == balances[person.id]
    told = [m["text"] for m in await system.sent(broke.id)][-1]
    assert told == "✓ Your 2 saved messages went through · 3 credits left"
    assert not any("saved message" in (m["text"] or "") for m in await system.sent(other.id))


async def test_a_gift_notice_made_again_after_a_crash_is_refused_by_telegram_not_sent_twice(
    system: System,
) -> None:
    """A worker killed between Telegram's answer and its record: the notice is returned
    and made again with the same random id, and Telegram refuses the repeat."""
    person = PEOPLE[2]
    await system.write(builders.private_text(person, "/start"))
    preview = await _say(system, "/massgift all 5 Thanks for waiting")
    await system.write(builders.press(OWNER, preview, _buttons(preview)["✅ Gift + notice"]))

    def notices(sent: list[dict[str, Any]]) -> list[str]:
        return [m["text"] for m in sent if "Thanks for waiting" in (m["text"] or "")]

    assert len(notices(await system.sent(person.id))) == 1
    async with system.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchval("UPDATE campaign_recipients SET status = 'sending' WHERE telegram_id = $1"
                                  " RETURNING outbox_id", person.id)
        await conn.execute("UPDATE outbox SET status = 'pending', result = NULL WHERE id = $1", row)
        await conn.execute("UPDATE campaigns SET status = 'running', finished_at = NULL, sent = sent - 1")
        await conn.execute("SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('broadcast', 'broadcast.run', 0,"
                           " 'campaign:1', 'campaign:1', '{\"campaign_id\": 1}'::jsonb, NULL)"
                           "::procrastinate_job_to_defer_v1])")
    await system.drain()

    assert len(notices(await system.sent(person.id))) == 1
    result = await system.pool.fetchval("SELECT result FROM outbox WHERE id = $1", row)
    assert result == {"already_sent": True}
    c = await system.pool.fetchrow("SELECT status, sent, granted FROM campaigns")
    assert (c["status"], c["sent"], c["granted"]) == ("done", 1, 1)
    assert await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", person.id) == 3 + 5
