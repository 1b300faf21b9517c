"""📢 Broadcast and 🎁 Mass Gift through the ingress with real workers: the audience
gets the copy exactly once (the others nothing, blocked users marked), bad input
is refused, and a mass gift is granted once per user however often it is
confirmed. Pause / resume, a crash and a relay during a broadcast:
test_campaign_crash.py (worker processes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests import builders
from tests.acceptance.conftest import assert_ledger_invariant
from tests.builders import OWNER, Person
from tests.harness import System

GROUP = builders.SANDBOX_ADMIN_GROUP_ID
PEOPLE = [Person(710_000_001 + i, f"User{i}", None, f"user{i}", ("en", "pt", "es", "uk")[i % 4])
          for i in range(8)]
INACTIVE = PEOPLE[6:]
BLOCKED = PEOPLE[2]


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b.get("callback_data") or b.get("url", "")
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}


def _group_photo(person: Person, caption: str) -> dict[str, Any]:
    update = builders.admin_group_text(person, "")
    message = update["message"]
    del message["text"]
    message["photo"] = [{"file_id": f"AgACAgQAAxkBAAIB{message['message_id']}",
                         "file_unique_id": f"AQAD{message['message_id']}", "file_size": 90000,
                         "width": 1280, "height": 720}]
    message["caption"] = caption
    return update


def _reply(person: Person, text: str, to: dict[str, Any]) -> dict[str, Any]:
    update = builders.with_command_entity(builders.admin_group_text(person, text))
    update["message"]["reply_to_message"] = to["message"]
    return update


async def _group_messages(system: System) -> list[dict[str, Any]]:
    return await system.sent(GROUP)


async def _press(system: System, sent: dict[str, Any], label: str, *, drain: bool = True) -> str | None:
    update = builders.press(OWNER, sent, _buttons(sent)[label])
    if drain:
        await system.write(update)
    else:
        status, _ = await system.post_update(update)
        assert status == 200
        return None
    answers = {a.query_id: a for a in await system.model.query_answers()}
    return answers[update["callback_query"]["id"]].text


async def _users(system: System, people: list[Person]) -> None:
    for person in people:
        await system.write(builders.private_text(person, "/start"))
    await system.pool.execute("UPDATE users SET last_seen_at = now() - interval '30 days'"
                              " WHERE telegram_id = ANY ($1::bigint[])", [p.id for p in INACTIVE])


async def _photos(system: System, person: Person) -> list[dict[str, Any]]:
    return [m for m in await system.sent(person.id) if m.get("kind") == "photo"]


async def _campaign(system: System) -> Any:
    return await system.pool.fetchrow("SELECT * FROM campaigns ORDER BY id DESC LIMIT 1")


async def test_an_admin_broadcasts_a_photo_with_a_button_to_users_active_in_7_days(system: System) -> None:
    await _users(system, PEOPLE)
    await system.model.set_blocked(BLOCKED.id)
    photo = _group_photo(OWNER, "Big news: <b>new plans</b>")
    await system.write(photo)
    await system.write(_reply(OWNER, "/broadcast active:7\nOpen the shop https://example.com/shop", photo))

    preview_copy, preview = (await _group_messages(system))[-2:]
    assert preview_copy["kind"] == "photo"
    assert preview_copy["text"] == "Big news: <b>new plans</b>"
    assert _buttons(preview_copy) == {"Open the shop": "https://example.com/shop"}
    assert "· 6 users" in preview["text"]
    assert "⭐" in preview["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM outbox WHERE lane <> 'normal'") == 0

    assert await _press(system, preview, "✅ Send (free lane)") == "Started."
    # A second press of the same Confirm changes nothing.
    assert await _press(system, preview, "✅ Send (free lane)") == "Already done."
    assert await _press(system, preview, "⭐ Send paid (1 ⭐)") == "Already started."

    c = await _campaign(system)
    assert (c["status"], c["sent"], c["blocked"], c["failed"], c["lane"]) == ("done", 5, 1, 0, "broadcast")
    for person in PEOPLE:
        got = await _photos(system, person)
        if person in INACTIVE or person is BLOCKED:
            assert got == [], person
        else:
            assert len(got) == 1, person
            assert got[0]["text"] == "Big news: <b>new plans</b>"
            assert _buttons(got[0]) == {"Open the shop": "https://example.com/shop"}
    assert await system.pool.fetchval("SELECT blocked_bot_at IS NOT NULL FROM users WHERE telegram_id = $1",
                                      BLOCKED.id)
    statuses = dict(await system.pool.fetch("SELECT telegram_id, status FROM campaign_recipients"))
    assert statuses == {p.id: ("blocked" if p is BLOCKED else "sent") for p in PEOPLE if p not in INACTIVE}
    progress = (await _group_messages(system))[-1]
    assert "✅ done" in progress["text"]
    assert "Sent 5" in progress["text"]
    assert "blocked 1" in progress["text"]
    assert "⏸ Pause" not in _buttons(progress)
    assert await _press(system, progress, "📄 CSV") == "CSV on its way."
    # A pause of a finished campaign: refused, nothing changed.
    pause = builders.press(OWNER, progress, f"adm:cmp:p:{c['id']}")
    await system.write(pause)
    answers = {a.query_id: a.text for a in await system.model.query_answers()}
    assert answers[pause["callback_query"]["id"]] == "Cannot pause: the campaign is done."
    actions = [r["action"] for r in await system.pool.fetch("SELECT action FROM admin_audit ORDER BY id")]
    assert actions == ["campaign.broadcast.start", "campaign.export"]


async def test_a_send_made_again_after_a_crash_is_refused_by_telegram_not_sent_twice(system: System) -> None:
    """What a worker killed between Telegram's answer and its record leaves: the send is
    returned and made again with the same random ids; Telegram refuses the repeat."""
    await _users(system, PEOPLE[:3])
    photo = _group_photo(OWNER, "Once only")
    await system.write(photo)
    await system.write(_reply(OWNER, "/broadcast all", photo))
    await _press(system, (await _group_messages(system))[-1], "✅ Send (free lane)")
    person = PEOPLE[0]
    assert len(await _photos(system, person)) == 1
    # As the stall recovery returns a dead worker's claimed send, and the campaign resumes.
    async with system.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchval("UPDATE campaign_recipients SET status = 'sending' WHERE telegram_id = $1"
                                  " RETURNING outbox_id", person.id)
        await conn.execute("UPDATE outbox SET status = 'pending', result = NULL WHERE id = $1", row)
        await conn.execute("UPDATE campaigns SET status = 'running', finished_at = NULL,"
                           " sent = sent - 1")
        await conn.execute("SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('broadcast', 'broadcast.run', 0,"
                           " 'campaign:1', 'campaign:1', '{\"campaign_id\": 1}'::jsonb, NULL)"
                           "::procrastinate_job_to_defer_v1])")
    await system.drain()
    assert len(await _photos(system, person)) == 1
    result = await system.pool.fetchval("SELECT result FROM outbox WHERE id = $1", row)
    assert result == {"already_sent": True}
    c = await _campaign(system)
    assert (c["status"], c["sent"]) == ("done", 3)


async def test_bad_broadcasts_are_answered_and_change_nothing(system: System) -> None:
    await _users(system, PEOPLE[:2])
    photo = _group_photo(OWNER, "x")
    cases = {
        "/broadcast active:7": "Send the message to broadcast first",
        "/broadcast nobody": "unknown segment",
    }
    for text, answer in cases.items():
        await system.write(builders.with_command_entity(builders.admin_group_text(OWNER, text)))
        if "nobody" in text:
            await system.write(_reply(OWNER, text, photo))
        assert answer in (await _group_messages(system))[-1]["text"]
    await system.write(_reply(OWNER, "/broadcast tier:vip", photo))
    assert "Nobody is in" in (await _group_messages(system))[-1]["text"]
    await system.write(_reply(OWNER, "/broadcast all\nno link here", photo))
    assert "is not a button" in (await _group_messages(system))[-1]["text"]
    album = _group_photo(OWNER, "one of many")
    album["message"]["media_group_id"] = "1234"
    await system.write(_reply(OWNER, "/broadcast all", album))
    assert "did not see this album arrive" in (await _group_messages(system))[-1]["text"]
    for text, answer in {"/massgift all 0": "0 credits", "/massgift all 10000000": "At most",
                         "/massgift all": "Write /massgift"}.items():
        await system.write(builders.with_command_entity(builders.admin_group_text(OWNER, text)))
        assert answer in (await _group_messages(system))[-1]["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM campaigns") == 0


async def test_a_mass_gift_with_a_notice_grants_each_user_once_even_confirmed_twice(system: System) -> None:
    await _users(system, PEOPLE)
    before = dict(await system.pool.fetch("SELECT telegram_id, credits FROM users"))
    command = builders.admin_group_text(OWNER, "/massgift all 7 Happy new year")
    await system.write(builders.with_command_entity(command))
    preview = (await _group_messages(system))[-1]
    assert "· 8 users" in preview["text"]
    assert "56 credits in all" in preview["text"]
    first = builders.press(OWNER, preview, _buttons(preview)["✅ Gift + notice"])
    second = builders.press(OWNER, preview, _buttons(preview)["✅ Gift + notice"])
    silent = builders.press(OWNER, preview, _buttons(preview)["✅ Gift silently"])
    await system.write(first, second, silent)
    after = dict(await system.pool.fetch("SELECT telegram_id, credits FROM users"))
    assert {k: after[k] - before[k] for k in before} == {p.id: 7 for p in PEOPLE}
    rows = await system.pool.fetch("SELECT u.telegram_id, l.idempotency_key FROM credit_ledger l"
                                   " JOIN users u ON u.id = l.user_id WHERE l.reason = 'mass_gift'")
    c = await _campaign(system)
    assert sorted(r["telegram_id"] for r in rows) == sorted(p.id for p in PEOPLE)
    assert all(r["idempotency_key"].startswith(f"campaign:{c['id']}:user:") for r in rows)
    assert (c["status"], c["granted"], c["sent"]) == ("done", 8, 8)
    for person in PEOPLE:
        notices = [m["text"] for m in await system.sent(person.id) if "🎁" in (m["text"] or "")]
        assert len(notices) == 1, person
        assert "7" in notices[0]
        assert "Happy new year" in notices[0]
    assert "Você recebeu" in [m["text"] for m in await system.sent(PEOPLE[1].id)][-1]
    await assert_ledger_invariant(system.pool)


async def test_a_gift_over_the_cap_needs_an_owner(system: System) -> None:
    admin = Person(2_000_000_050, "Adam", None, "adam_admin", "en")
    await system.pool.execute("INSERT INTO operators (telegram_id, role, added_by) VALUES ($1, 'admin', $2)",
                              admin.id, OWNER.id)
    await _users(system, PEOPLE)
    await system.pool.execute("INSERT INTO bot_settings (key, value) VALUES ('mass_gift_cap', '50')"
                              " ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    await system.write(builders.with_command_entity(builders.admin_group_text(admin, "/massgift all 7")))
    assert "only an owner can send it" in (await _group_messages(system))[-1]["text"]
    await system.write(builders.with_command_entity(builders.admin_group_text(OWNER, "/massgift all 7")))
    assert "Over the cap of 50" in (await _group_messages(system))[-1]["text"]


async def test_a_broadcast_scheduled_in_the_operators_time_zone_starts_at_its_time(system: System) -> None:
    await _users(system, PEOPLE[:3])
    await system.pool.execute("INSERT INTO bot_settings (key, value) VALUES ('timezone', '\"Europe/Kyiv\"')"
                              " ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    kyiv = ZoneInfo("Europe/Kyiv")
    photo = _group_photo(OWNER, "Later")
    await system.write(photo)
    past = (datetime.now(kyiv) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    await system.write(_reply(OWNER, f"/broadcast all at:{past}", photo))
    assert "has passed" in (await _group_messages(system))[-1]["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM campaigns") == 0

    when = (datetime.now(kyiv) + timedelta(seconds=3)).replace(microsecond=0)  # typed to the second
    await system.write(_reply(OWNER, f"/broadcast all at:{when:%Y-%m-%dT%H:%M:%S}", photo))
    preview = (await _group_messages(system))[-1]
    assert f"Scheduled for {when:%Y-%m-%d %H:%M} (Europe/Kyiv)" in preview["text"]
    await system.post_update(builders.press(OWNER, preview, _buttons(preview)["✅ Send (free lane)"]))
    await system.drain()
    c = await _campaign(system)
    assert c["status"] == "scheduled"
    assert c["scheduled_at"] == when
    assert await _photos(system, PEOPLE[0]) == []
    await system.drain_scheduled()
    c = await _campaign(system)
    assert (c["status"], c["sent"]) == ("done", 3)
    assert c["started_at"] >= when
    assert len(await _photos(system, PEOPLE[0])) == 1


async def test_a_previewed_broadcast_saved_as_a_template_is_sent_again_from_it(system: System) -> None:
    await _users(system, PEOPLE[:2])
    photo = _group_photo(OWNER, "Weekly digest")
    await system.write(photo)
    await system.write(_reply(OWNER, "/broadcast all\nRead it https://example.com/digest", photo))
    preview = (await _group_messages(system))[-1]
    await _press(system, preview, "💾 Save as template")
    assert "Name the template" in (await _group_messages(system))[-1]["text"]
    await system.write(builders.admin_group_text(OWNER, "bad name!"))
    assert "one word" in (await _group_messages(system))[-1]["text"]
    await system.write(builders.admin_group_text(OWNER, "digest"))
    assert "Saved as template digest" in (await _group_messages(system))[-1]["text"]

    assert "No template named “nope”" in (await _say_group(system, "/broadcast lang:en tpl:nope"))["text"]
    await _say_group(system, "/broadcast lang:en tpl:Digest")
    copy, preview = (await _group_messages(system))[-2:]
    assert copy["kind"] == "photo"
    assert copy["text"] == "Weekly digest"
    assert _buttons(copy) == {"Read it": "https://example.com/digest"}
    assert "· 1 users" in preview["text"]
    await _press(system, preview, "✅ Send (free lane)")
    assert len(await _photos(system, PEOPLE[0])) == 1
    assert await _photos(system, PEOPLE[1]) == []
    history = await _say_group(system, "/broadcast")
    assert "Templates" in history["text"]
    assert "digest" in history["text"]
    actions = [r["action"] for r in await system.pool.fetch("SELECT action FROM admin_audit ORDER BY id")]
    assert actions == ["campaign.template.save", "campaign.broadcast.start"]


async def _say_group(system: System, text: str) -> dict[str, Any]:
    await system.write(builders.with_command_entity(builders.admin_group_text(OWNER, text)))
    return (await _group_messages(system))[-1]


async def test_a_cancelled_broadcast_sends_nothing_more_and_cannot_be_resumed(system: System) -> None:
    await _users(system, PEOPLE[:3])
    photo = _group_photo(OWNER, "Maybe later")
    await system.write(photo)
    when = datetime.now(ZoneInfo("UTC")) + timedelta(hours=1)
    await system.write(_reply(OWNER, f"/broadcast all at:{when:%Y-%m-%dT%H:%M}", photo))
    preview = (await _group_messages(system))[-1]
    await _press(system, preview, "✅ Send (free lane)")
    assert (await _campaign(system))["status"] == "scheduled"
    [progress] = [m for m in await _group_messages(system) if "Broadcast #1 ·" in str(m["text"] or "")][-1:]
    assert "✖️ Cancel" in _buttons(progress)

    assert await _press(system, progress, "✖️ Cancel") == "Cancelled."
    c = await _campaign(system)
    assert c["status"] == "cancelled"
    # Its time comes: nothing goes out, and it cannot be brought back.
    await system.pool.execute("UPDATE campaigns SET scheduled_at = now() WHERE id = $1", c["id"])
    await system.pool.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
    await system.drain_scheduled()
    assert [await _photos(system, p) for p in PEOPLE[:3]] == [[], [], []]
    assert (await _campaign(system))["sent"] == 0
    assert await _press(system, progress, "✖️ Cancel") == "Cannot cancel: the campaign is cancelled."
    resume = builders.press(OWNER, progress, f"adm:cmp:r:{c['id']}")
    await system.write(resume)
    answers = {a.query_id: a.text for a in await system.model.query_answers()}
    assert answers[resume["callback_query"]["id"]] == "Cannot resume: the campaign is cancelled."
    assert (await _campaign(system))["status"] == "cancelled"
    actions = [r["action"] for r in await system.pool.fetch("SELECT action FROM admin_audit ORDER BY id")]
    assert actions == ["campaign.broadcast.start", "campaign.broadcast.cancel"]
