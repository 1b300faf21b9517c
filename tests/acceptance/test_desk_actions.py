"""The desk's actions and refusals: priority, close and reopen with the topic,
assignment only to operators, quick replies checked when saved, notes and the
live card, inline mode for operators only, custom ranges in order."""

from __future__ import annotations

import json

import pytest

from core.admin.roles import Role
from core.desk import csv_exports
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as GROUP
from core.sandbox.telegram import media
from tests import builders
from tests.acceptance.admin_kit import (
    ADMIN,
    AGENT,
    ANALYST,
    STRANGER,
    buttons,
    make_operators,
    press,
    say,
    start,
)
from tests.acceptance.desk_kit import conversation, in_topic, run_desk_sweeps, topic_id
from tests.builders import MARIA, OWNER, Person
from tests.harness import System


async def _conversation_screen(system: System) -> dict:
    listing = await say(system, AGENT, "/conversations")
    await press(system, AGENT, listing, next(d for label, d in buttons(listing).items() if "Maria" in label))
    return (await system.sent(AGENT.id))[-1]


async def test_priority_close_and_reopen_follow_into_the_group(system: System) -> None:
    await make_operators(system, (AGENT, Role.AGENT))
    await start(system, MARIA, AGENT)
    await system.write(builders.private_text(MARIA, "help"))
    thread = await topic_id(system, MARIA)

    screen = await _conversation_screen(system)
    assert await press(system, AGENT, screen, buttons(screen)["🔴 Priority on"]) == \
        "High priority: first in the group's queue."
    assert (await conversation(system, MARIA))["high_priority"] is True
    await system.write(builders.private_text(MARIA, "still there?"))
    relay = await system.pool.fetchrow(
        "SELECT priority FROM outbox WHERE method = 'relayToTopic' ORDER BY id DESC LIMIT 1")
    assert relay["priority"] == 1000  # ahead of every tier (vip is 20)
    listing = await say(system, AGENT, "/conversations high")
    assert "🔴 <b>" not in listing["text"]  # the text is plain; the marker shows
    assert "🔴 Maria Silva" in listing["text"]

    screen = await _conversation_screen(system)
    assert await press(system, AGENT, screen, buttons(screen)["🔒 Close"]) == "Closed."
    assert (await conversation(system, MARIA))["status"] == "closed"
    [topic] = [t for t in await system.model.topics(GROUP) if t.topic_id == thread]
    assert topic.closed
    screen = (await system.sent(AGENT.id))[-1]
    assert await press(system, AGENT, screen, buttons(screen)["🔓 Reopen"]) == "Reopened."
    [topic] = [t for t in await system.model.topics(GROUP) if t.topic_id == thread]
    assert not topic.closed
    actions = [r["action"] for r in await system.pool.fetch(
        "SELECT action FROM admin_audit WHERE action LIKE 'conversation.%' ORDER BY id")]
    assert actions == ["conversation.priority", "conversation.close", "conversation.reopen"]


async def test_assigning_to_someone_who_is_not_an_operator_changes_nothing(system: System) -> None:
    await make_operators(system, (AGENT, Role.AGENT), (ANALYST, Role.ANALYST))
    await start(system, MARIA, AGENT, ANALYST)
    await system.write(builders.private_text(MARIA, "help"))
    screen = await _conversation_screen(system)
    await press(system, AGENT, screen, buttons(screen)["👥 Assign to…"])
    for who in ("@maria_s", f"{ANALYST.id}", "@nobody_here"):
        answer = await say(system, AGENT, who)
        assert "is not an operator who answers users. Nothing was changed." in answer["text"], who
        assert (await conversation(system, MARIA))["assignee_id"] is None
        await press(system, AGENT, screen, buttons(screen)["👥 Assign to…"])
    answer = await say(system, AGENT, str(OWNER.id))
    assert answer["text"].startswith("Assigned to")
    assert (await conversation(system, MARIA))["assignee_id"] == OWNER.id


async def test_quick_replies_are_checked_when_saved_and_only_admins_edit_them(system: System) -> None:
    await make_operators(system, (ADMIN, Role.ADMIN), (AGENT, Role.AGENT))
    await start(system, ADMIN, AGENT)
    refused = await say(system, ADMIN, "/qr add refund Hi {firstname}, your refund of {amount} is on its way")
    assert refused["text"] == ("Unknown variable {amount}, {firstname}. Variables: {first_name}, {name},"
                               " {balance}, {tier}, {pass_until}. Nothing was saved.")
    assert await system.pool.fetchval("SELECT count(*) FROM quick_replies") == 0
    assert "Not allowed" in (await say(system, AGENT, "/qr add refund Hi"))["text"]
    assert "Saved" in (await say(system, ADMIN, "/qr add refund Hi {first_name}, refunded."))["text"]
    assert "Updated" in (await say(system, ADMIN, "/qr add refund Hello {first_name}, refunded."))["text"]
    screen = await say(system, AGENT, "/quickreplies")
    assert "general: 1" in screen["text"]
    assert "Not allowed" in (await say(system, AGENT, "/qr del refund"))["text"]
    assert "Deleted" in (await say(system, ADMIN, "/qr del refund"))["text"]
    assert "no quick reply named “refund”" in (await say(system, ADMIN, "/qr del refund"))["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM quick_replies") == 0
    assert [r["action"] for r in await system.pool.fetch(
        "SELECT action FROM admin_audit WHERE action LIKE 'quick_reply.%' ORDER BY id")] == [
        "quick_reply.save", "quick_reply.save", "quick_reply.delete"]


async def test_inline_mode_offers_quick_replies_to_operators_only(system: System) -> None:
    await make_operators(system, (AGENT, Role.AGENT))
    await start(system, AGENT, STRANGER)
    await say(system, OWNER, "/qr add refund_policy Refunds take 5 days.")
    for person, query_id in ((AGENT, "7001"), (STRANGER, "7002")):
        await system.write({"update_id": builders.next_update_id(), "inline_query": {
            "id": query_id, "from": person.as_user(), "query": "refund", "offset": "",
            "chat_type": "supergroup"}})
    answers = {a.query_id: a for a in await system.model.query_answers()}
    [result] = answers["7001"].results or []
    assert result["title"] == "!refund_policy · general"
    assert result["input_message_content"]["message_text"] == "!refund_policy"
    assert answers["7002"].results == []


async def test_notes_are_on_the_card_and_the_card_in_the_topic_follows_the_tier(system: System) -> None:
    await start(system, MARIA)
    await system.write(builders.private_text(MARIA, "help"))
    thread = await topic_id(system, MARIA)
    card = (await in_topic(system, MARIA))[0]
    assert "tier: free" in card["text"]
    await system.write(builders.topic_message(builders.OPERATOR, thread, "// prefers email, asked twice"))
    await system.write(builders.with_command_entity(builders.topic_message(OWNER, thread, "/card")))
    posted = (await in_topic(system, MARIA))[-1]
    assert "Last notes\n📝 // prefers email, asked twice" in posted["text"]

    await system.write(builders.with_command_entity(builders.topic_message(OWNER, thread, "/tier vip")))
    await run_desk_sweeps(system, 2)
    [edited] = [m for m in await in_topic(system, MARIA) if m["message_id"] == card["message_id"]]
    assert "tier: vip" in edited["text"]
    edits = await system.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE method = 'editMessageText' AND params ->> 'message_id' = $1",
        str(card["message_id"]))
    assert edits == 1


async def test_a_custom_range_in_the_wrong_order_is_refused(system: System) -> None:
    await make_operators(system, (ANALYST, Role.ANALYST))
    await start(system, ANALYST)
    answer = await say(system, ANALYST, "/analytics 2026-03-01 2026-02-01")
    assert answer["text"] == ("The range is in the wrong order: the first day comes first."
                              " Nothing was changed.")
    answer = await say(system, ANALYST, "/analytics 2024-01-01 2026-02-01")
    assert "at most 366 (a year)" in answer["text"]
    assert await system.pool.fetchval(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'admin.desk_report'") == 0


async def _send_file(system: System, person: Person, name: str, content: bytes) -> None:
    unique = f"qrfile{builders.next_update_id()}"
    await system.model.store_file(unique, "application/octet-stream", name, content)
    update = builders.private_text(person, "")
    del update["message"]["text"]
    update["message"]["document"] = {"file_id": media.file_id_of("document", unique),
                                     "file_unique_id": unique, "file_name": name, "file_size": len(content)}
    await system.write(update)


async def test_quick_replies_go_out_as_a_file_and_come_back_all_or_nothing(system: System) -> None:
    await make_operators(system, (ADMIN, Role.ADMIN))
    await start(system, ADMIN)
    await say(system, ADMIN, "/qr add hello Hello {first_name}!")

    async def ask_import() -> None:
        screen = await say(system, ADMIN, "/quickreplies")
        await press(system, ADMIN, screen, buttons(screen)["⬆️ Import"])

    # A bad row names its line, and nothing of the file is saved.
    await ask_import()
    await _send_file(system, ADMIN, "replies.csv",
                     b"name,category,text\nrefund,billing,Refunds take 5 days\nBad Name,x,y\n")
    assert (await system.sent(ADMIN.id))[-1]["text"] == (
        "Line 3: “Bad Name” is not a usable name: 1 to 32 letters a-z, digits or _. Nothing was imported.")
    await ask_import()
    await _send_file(system, ADMIN, "replies.json", b"\xff\xfe not utf-8")
    assert (await system.sent(ADMIN.id))[-1]["text"] == "The file is not UTF-8 text. Nothing was imported."
    assert await system.pool.fetchval("SELECT count(*) FROM quick_replies") == 1

    await ask_import()
    await _send_file(system, ADMIN, "replies.json", json.dumps([
        {"name": "refund", "category": "billing", "text": "Refunds take 5 days, {first_name}."},
        {"name": "hello", "category": "general", "text": "Hi {name}!"}]).encode())
    assert (await system.sent(ADMIN.id))[-1]["text"] == "✅ Imported 2 quick replies (1 new, 1 replaced)."
    assert dict(await system.pool.fetch("SELECT name, text FROM quick_replies")) == {
        "refund": "Refunds take 5 days, {first_name}.", "hello": "Hi {name}!"}

    screen = await say(system, ADMIN, "/quickreplies")
    await press(system, ADMIN, screen, buttons(screen)["⬇️ JSON"])
    document = (await system.sent(ADMIN.id))[-1]
    assert document["kind"] == "document"
    data = b"".join(r["data"] for r in await system.pool.fetch(
        "SELECT data FROM desk_file_parts WHERE file_id = (SELECT max(id) FROM desk_files) ORDER BY seq"))
    assert sorted(r["name"] for r in json.loads(data)) == ["hello", "refund"]


async def test_signed_replies_carry_the_alias_or_the_first_name(system: System) -> None:
    await make_operators(system, (AGENT, Role.AGENT))
    await start(system, MARIA, AGENT)
    await system.write(builders.private_text(MARIA, "help"))
    thread = await topic_id(system, MARIA)
    # Off (the default): anonymous, a copy of the operator's message.
    await system.write(builders.topic_message(AGENT, thread, "Hello!"))
    assert (await system.sent(MARIA.id))[-1]["text"] == "Hello!"

    await system.pool.execute("INSERT INTO bot_settings (key, value) VALUES ('reply_signature', 'true')")
    reply = builders.topic_message(AGENT, thread, "Checking now")
    reply["message"]["entities"] = [{"type": "bold", "offset": 0, "length": 8}]
    await system.write(reply)
    assert (await system.sent(MARIA.id))[-1]["text"] == "Checking now\n\n— Alex"
    assert "Your replies are signed “Sasha”." in (await say(system, AGENT, "/alias Sasha"))["text"]
    await system.write(builders.topic_message(AGENT, thread, "Done <3"))
    last = (await system.sent(MARIA.id))[-1]
    assert last["text"] == "Done <3\n\n— Sasha"
    assert "Owners named in the configuration" in (await say(system, OWNER, "/alias Boss"))["text"]


async def test_a_reply_is_edited_and_recategorised_on_its_screen(system: System) -> None:
    await make_operators(system, (ADMIN, Role.ADMIN))
    await start(system, ADMIN)
    await say(system, ADMIN, "/qr add refund Refunds take 5 days.")
    screen = await say(system, ADMIN, "/quickreplies")
    await press(system, ADMIN, screen, buttons(screen)["general (1)"])
    listing = (await system.sent(ADMIN.id))[-1]
    await press(system, ADMIN, listing, buttons(listing)["!refund"])
    card = (await system.sent(ADMIN.id))[-1]

    await press(system, ADMIN, card, buttons(card)["🏷 Category"])
    assert "not a usable category" in (await say(system, ADMIN, "Billing stuff"))["text"]
    await press(system, ADMIN, card, buttons(card)["🏷 Category"])
    assert (await say(system, ADMIN, "billing"))["text"] == "✅ Saved !refund."
    await press(system, ADMIN, card, buttons(card)["✏️ Text"])
    assert "Unknown variable {days}" in (await say(system, ADMIN, "Takes {days} days"))["text"]
    await press(system, ADMIN, card, buttons(card)["✏️ Text"])
    await say(system, ADMIN, "Refunds take 3 days, {first_name}.")
    row = await system.pool.fetchrow("SELECT category, text FROM quick_replies WHERE name = 'refund'")
    assert dict(row) == {"category": "billing", "text": "Refunds take 3 days, {first_name}."}


async def test_a_large_export_says_how_many_rows_and_edits_its_progress(
        system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_exports, "PROGRESS_ROWS", 2)  # "large" from 3 rows on, for the test
    await make_operators(system, (ANALYST, Role.ANALYST))
    await start(system, ANALYST, MARIA, AGENT)
    screen = await say(system, ANALYST, "/analytics")
    notice = await press(system, ANALYST, screen, buttons(screen)["📄 users"])
    assert notice == "📄 The users export is on its way."
    progress, document = (await system.sent(ANALYST.id))[-2:]
    assert progress["text"].startswith("✅ users-")
    assert progress["text"].endswith(".csv is ready: 3 rows.")
    assert document["kind"] == "document"
    assert document["text"].endswith(": 3 rows.")
    edits = await system.pool.fetch(
        "SELECT params ->> 'text' AS text FROM outbox WHERE method = 'editMessageText' AND chat_id = $1",
        ANALYST.id)
    assert [e["text"][0] for e in edits] == ["✅"]
    first = await system.pool.fetchval(
        "SELECT params ->> 'text' FROM outbox WHERE method = 'sendMessage' AND chat_id = $1"
        " AND params ->> 'text' LIKE '⏳ Exporting%'", ANALYST.id)
    assert first.endswith(": 3 rows…")
    data = b"".join(r["data"] for r in await system.pool.fetch(
        "SELECT data FROM desk_file_parts WHERE file_id = (SELECT max(id) FROM desk_files) ORDER BY seq"))
    rows = data.decode().splitlines()
    assert rows[0].startswith("id,telegram_id,username,first_name")
    assert len(rows) == 4


async def test_active_users_are_counted_once_per_past_day_and_live_today(system: System) -> None:
    from datetime import UTC, datetime, timedelta

    from core.desk import analytics

    await start(system, MARIA)
    await system.write(builders.private_text(MARIA, "today"))
    await system.pool.execute(
        "INSERT INTO messages (user_id, direction, status, kind, text, created_at)"
        " SELECT id, 'in', 'relayed', 'text', 'before', now() - interval '2 days' FROM users")
    today = datetime.now(UTC).date()
    period = analytics.Period(today - timedelta(days=3), today)
    async with system.pool.acquire() as conn:
        s = await analytics.series(conn, analytics.Kind.ACTIVE_USERS, period)
        assert s.lines["active users"] == [0.0, 1.0, 0.0, 1.0]
        assert await conn.fetchval("SELECT count(*) FROM desk_daily") == 3
        # Kept: a message written into a past day later does not change its count.
        await conn.execute("DELETE FROM messages WHERE text = 'before'")
        s = await analytics.series(conn, analytics.Kind.ACTIVE_USERS, period)
        assert s.lines["active users"] == [0.0, 1.0, 0.0, 1.0]
        # Today's signups and relayed messages: the open hours, counted live.
        joined = await analytics.series(conn, analytics.Kind.NEW_USERS, period)
        assert joined.lines["new users"] == [0.0, 0.0, 0.0, 1.0]
        relayed = await analytics.series(conn, analytics.Kind.MESSAGES, period)
        assert relayed.lines["messages"] == [0.0, 0.0, 0.0, 1.0]
        # First responses: a day a week old is kept once counted; the last days are live.
        await conn.execute(
            "INSERT INTO desk_tickets (conversation_id, user_id, opened_at, first_response_at, closed_at)"
            " SELECT id, user_id, now() - interval '10 days',"
            " now() - interval '10 days' + interval '30 minutes', now() - interval '9 days'"
            " FROM conversations")
        week = analytics.Period(today - timedelta(days=10), today)
        times = await analytics.series(conn, analytics.Kind.RESPONSE, week)
        assert times.lines["p50"][0] == pytest.approx(30.0)
        assert await conn.fetchval("SELECT count(*) FROM desk_daily_response") == 4  # 10 to 7 days ago
        # The sweep keeps the day that just ended, so no chart pays for it.
        await conn.execute("TRUNCATE desk_daily, desk_daily_response")
        await analytics.keep_past_days(conn, today)
        assert await conn.fetchval("SELECT array_agg(day) FROM desk_daily") == [today - timedelta(days=1)]
        assert await conn.fetchval("SELECT array_agg(day) FROM desk_daily_response") == [
            today - timedelta(days=analytics.RESPONSE_LIVE_DAYS)]
