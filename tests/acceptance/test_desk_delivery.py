"""The desk's writes into the admin group (topic titles, the live card) spend the
group's budget only when no customer's message needs it: coalesced, last in
the queue, and never ahead of a relay."""

from __future__ import annotations

from core.delivery import engine, outbox
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as GROUP
from tests import builders
from tests.acceptance.admin_kit import start
from tests.acceptance.desk_kit import conversation, run_desk_sweeps, topic_id
from tests.builders import MARIA, Person
from tests.harness import System

ANA = Person(310_000_555, "Ana", "Costa", "ana_c", "pt-br")


async def _titles(system: System) -> dict[int, str]:
    return {t.topic_id: t.name for t in await system.model.topics(GROUP)}


async def test_topic_titles_show_the_state_latest_only(system: System) -> None:
    await start(system, MARIA)
    await system.write(builders.private_text(MARIA, "hello"))
    thread = await topic_id(system, MARIA)
    await run_desk_sweeps(system, 1)
    assert (await _titles(system))[thread] == "🆕 Maria Silva · @maria_s · 123456789"

    # Answered, then closed before any sweep: one edit, to the latest state.
    await system.write(builders.topic_message(builders.OPERATOR, thread, "hi!"))
    await system.pool.execute("UPDATE conversations SET status = 'closed' WHERE id = $1",
                              (await conversation(system, MARIA))["id"])
    edits = await system.pool.fetchval("SELECT count(*) FROM outbox WHERE method = 'editForumTopic'")
    await run_desk_sweeps(system, 2)
    assert (await _titles(system))[thread] == "🔒 Maria Silva · @maria_s · 123456789"
    assert await system.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE method = 'editForumTopic'") == edits + 1

    # A title waiting for budget is replaced by a newer one: only the latest is sent.
    await system.pool.execute("UPDATE conversations SET status = 'waiting_user' WHERE id = $1",
                              (await conversation(system, MARIA))["id"])
    await system.pool.execute(
        "INSERT INTO send_budgets (key, rate, burst, tokens) VALUES ($1, 1000, 3, -1000)"
        " ON CONFLICT (key) DO UPDATE SET tokens = -1000, updated_at = clock_timestamp()", f"group:{GROUP}")
    await run_desk_sweeps(system, 1, deliver=False)
    await system.pool.execute("UPDATE conversations SET status = 'closed' WHERE id = $1",
                              (await conversation(system, MARIA))["id"])
    await run_desk_sweeps(system, 1, deliver=False)
    await system.drain_scheduled()
    rows = await system.pool.fetch(
        "SELECT status, params ->> 'name' AS name FROM outbox WHERE method = 'editForumTopic' ORDER BY id")
    assert [r["status"] for r in rows[-2:]] == ["superseded", "sent"]
    assert rows[-1]["name"].startswith("🔒")


async def test_the_setting_turns_the_titles_off(system: System) -> None:
    await system.pool.execute(
        "INSERT INTO bot_settings (key, value) VALUES ('topic_status_enabled', 'false')")
    await start(system, MARIA)
    await system.write(builders.private_text(MARIA, "hello"))
    await run_desk_sweeps(system, 2)
    assert await system.pool.fetchval("SELECT count(*) FROM outbox WHERE method = 'editForumTopic'") == 0
    assert not await system.pool.fetchval("SELECT bool_or(status_dirty) FROM conversations")


async def test_status_edits_wait_for_spare_budget_and_never_delay_a_customer(system: System) -> None:
    await start(system, MARIA, ANA)
    await system.write(builders.private_text(MARIA, "first"), builders.private_text(ANA, "first too"))
    # The group's budget is spent for about a second; the desk's titles are queued now.
    await system.pool.execute(
        "UPDATE send_budgets SET tokens = -1000, updated_at = clock_timestamp() WHERE key = $1",
        f"group:{GROUP}")
    await run_desk_sweeps(system, 1, deliver=False)  # queues the titles; they cannot go yet
    background = await system.pool.fetch(
        "SELECT id, status FROM outbox WHERE method = 'editForumTopic'")
    assert [r["status"] for r in background] == ["pending", "pending"]
    await system.pool.execute(
        "UPDATE send_budgets SET tokens = -1000, updated_at = clock_timestamp() WHERE key = $1",
        f"group:{GROUP}")
    await system.write(builders.private_text(MARIA, "are you there?"))

    rows = await system.pool.fetch(
        "SELECT method, priority, status, created_at, sent_at FROM outbox"
        " WHERE chat_id = $1 AND method IN ('relayToTopic', 'editForumTopic') ORDER BY id", GROUP)
    relay = [r for r in rows if r["method"] == "relayToTopic"][-1]
    edits = [r for r in rows if r["method"] == "editForumTopic"]
    assert all(r["status"] == "sent" for r in rows)
    assert all(e["priority"] == outbox.BACKGROUND_PRIORITY for e in edits)
    # The customer's message went first, as soon as the budget allowed (a second of
    # empty budget), and every title after it.
    assert all(relay["sent_at"] < e["sent_at"] for e in edits)
    assert (relay["sent_at"] - relay["created_at"]).total_seconds() < 1.6


async def test_a_groups_rows_put_back_keep_a_drainer_when_it_ran_early(system: System) -> None:
    assert system.container is not None
    async with system.pool.acquire() as conn:
        await outbox.add(conn, GROUP, "sendMessage", {"chat_id": GROUP, "text": "later"}, cause="t",
                         delay_seconds=2)
    # A drainer brought forward for an earlier row finds nothing due yet...
    assert await engine.deliver_group(system.container.courier, GROUP) == 0
    wait = await system.pool.fetchval(
        "SELECT extract(epoch FROM scheduled_at - now()) FROM procrastinate_jobs"
        " WHERE queueing_lock = $1 AND status = 'todo'", f"deliver:{GROUP}")
    # ...and leaves one for when the row is due, which then sends it.
    assert 1.0 < float(wait) <= 2.0
    await system.drain_scheduled()
    assert [m["text"] for m in await system.sent(GROUP)] == ["later"]
