"""🔧 System: real figures on the screen, failed jobs and set-aside updates retried
and dismissed (audited), and nobody but owners and admins may touch them."""

from __future__ import annotations

import re
from pathlib import Path

from core.admin.system_screens import DismissJob, RetryJob, RetryUpdate
from core.jobs import inbox
from core.jobs.processed import Source
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.config import SANDBOX_ADMIN_GROUP_ID
from tests import builders
from tests.acceptance.failures import (
    broken_admin_update,
    buttons,
    failed_as_procrastinate_does,
    failed_by_a_worker,
    now_reads,
    press,
    say,
    set_aside_for_real,
)
from tests.builders import MARIA, OWNER, Person
from tests.harness import System
from workers.runtime import apply_once

ADMIN = Person(2_000_000_010, "Adam", "Admin", "adam_admin", "en")
AGENT = Person(2_000_000_001, "Alex", "Agent", "alex_agent", "en")
ANALYST = Person(2_000_000_002, "Ana", "Lyst", "ana_lyst", "en")
STRANGER = Person(2_000_000_099, "Stan", None, "stan_ger", "en")
ANA = Person(555000111, "Ana", None, "ana_vip", "en")


def _line(text: str, start: str) -> str:
    [line] = [x for x in text.splitlines() if x.startswith(start)]
    return line


async def _audit(system: System) -> list[tuple[str, str, dict | None, dict | None]]:
    rows = await system.pool.fetch("SELECT action, target, before, after FROM admin_audit ORDER BY id")
    return [(r["action"], r["target"], r["before"], r["after"]) for r in rows]


async def test_the_screen_shows_the_systems_real_figures(system: System) -> None:
    await failed_by_a_worker(system, broken_admin_update())
    await set_aside_for_real(system, MARIA)
    # A user who blocked the bot: the send fails for good. Another's send meets a flood wait.
    await system.write(builders.private_text(ANA, "/start"))
    await system.model.set_blocked(ANA.id)

    async def notice(tx: object) -> None:
        await tx.send("sendMessage", ANA.id, text="a notice")  # type: ignore[attr-defined]

    assert system.container is not None
    await apply_once(system.container, Source.INTERNAL, "notice", notice)
    await system.model.inject_fault("FLOOD_WAIT", value=1, chat_id=MARIA.id, method="messages.SendMessage")
    await system.write(builders.private_text(MARIA, "/start"))

    screen = await say(system, OWNER, "/system")
    text = screen["text"]
    assert text.startswith("🔧 System")
    assert re.search(r"Database ✅ reachable · [\d.,]+ (KB|MB) · \d+ of \d+ connections", text)
    shipped = sorted(p.name for p in (Path(__file__).parents[2] / "sql" / "migrations").glob("[0-9]*.sql"))
    assert f"latest {shipped[-1]} · up to date" in text
    assert _line(text, "admin:").startswith("admin: 0 · ")
    assert " · 1 ⚠️ · " in _line(text, "admin:")
    assert _line(text, "messaging:").endswith(" · 0 · —")
    assert _line(text, "Inbox") == "Inbox 0 waiting · 1 set aside"
    assert _line(text, "Outbox") == "Outbox 0 waiting · 1 failed"
    assert _line(text, "Sends, last hour") == (
        "Sends, last hour 1 flood wait · 1 error (RecipientUnavailable 1)")
    assert "Version 0.1.0" in text
    assert "Alerts none active" in text
    assert list(buttons(screen)) == ["❌ Failed jobs (1)", "📥 Set aside (1)", "🔄 Refresh", "🏠 Home"]
    # The home screen's button opens the same screen; nothing was changed by looking.
    assert await system.pool.fetchval("SELECT count(*) FROM admin_audit") == 0


async def test_failed_jobs_are_retried_and_dismissed_and_audited(system: System) -> None:
    # One failed earlier and would work now (the owner's /admin); one fails whatever happens.
    update = builders.private_text(OWNER, "/admin")
    good = await failed_as_procrastinate_does(
        system, JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, f"user:{OWNER.id}", {"update": update}))
    bad = await failed_by_a_worker(system, broken_admin_update())

    listing = await say(system, OWNER, "/system jobs")
    assert listing["text"].startswith("❌ Failed jobs — 2 in all")
    summary = f"update {update['update_id']} (message from {OWNER.id}: “/admin”)"
    assert f"#{good} admin.update (admin) · {summary}" in listing["text"]
    assert f"#{bad} admin.update (admin) · update None (callback_query)" in listing["text"]
    before = len(await system.sent(OWNER.id))

    assert await press(system, OWNER, listing, buttons(listing)[f"🔄 Retry #{good}"]) == (
        f"Job #{good} is back in its queue.")
    # It ran: the owner got the control center it had failed to show.
    sent = (await system.sent(OWNER.id))[before:]
    assert any((m["text"] or "").startswith("Control center") for m in sent)
    assert await system.pool.fetchval("SELECT status FROM procrastinate_jobs WHERE id = $1",
                                      good) == "succeeded"
    relisted = await now_reads(system, listing)
    assert relisted["text"].startswith("❌ Failed jobs — 1 in all")

    assert await press(system, OWNER, relisted, buttons(relisted)[f"🗑 Dismiss #{bad}"]) is None
    prompt = await now_reads(system, listing)
    assert prompt["text"].startswith(f"Dismiss failed job #{bad} admin.update")
    confirm = buttons(prompt)["✅ Dismiss"]
    assert await press(system, OWNER, prompt, confirm) == f"Job #{bad} dismissed."
    assert await system.pool.fetchval("SELECT count(*) FROM procrastinate_jobs WHERE id = $1", bad) == 0
    assert await press(system, OWNER, prompt, confirm) == "Already done."
    # Pressed again on the stale list: nothing left to retry.
    assert await press(system, OWNER, listing, RetryJob(bad, 0).pack()) == (
        f"Job #{bad} no longer exists: nothing changed.")

    audit = await _audit(system)
    assert [(a, t, after) for a, t, _, after in audit] == [
        ("system.retry_job", f"job:{good}", {"status": "todo"}),
        ("system.dismiss_job", f"job:{bad}", {"status": "deleted"})]
    assert audit[0][2]["args"] == {"update": update}
    assert audit[0][2]["status"] == "failed"
    assert audit[1][2]["task"] == "admin.update"
    assert audit[1][2]["failed_at"] is not None
    screen = await say(system, OWNER, "/system")
    assert f"system.dismiss_job · job:{bad}" in screen["text"]  # the latest actions


async def test_retrying_a_failed_drain_whose_shard_has_one_waiting_dismisses_it(system: System) -> None:
    lock = "drain:3"
    # A drain that failed for good (arguments its task does not take)...
    failed = await failed_by_a_worker(system, JobRequest(
        Queue.MESSAGING, Task.MESSAGING_DRAIN, lock, {"shard": 3, "stray": 1}, queueing_lock=lock))
    # ...and the shard's next drain already waiting (due later, so it is still waiting).
    async with system.pool.acquire() as conn:
        await inbox.requeue(conn, 3, delay=3600)
    waiting = await system.pool.fetchval("SELECT id FROM procrastinate_jobs WHERE status = 'todo'")

    listing = await say(system, OWNER, "/system jobs")
    assert await press(system, OWNER, listing, buttons(listing)[f"🔄 Retry #{failed}"]) == (
        f"A job doing the same work already waits, so #{failed} was dismissed instead of retried.")
    jobs = await system.pool.fetch(
        "SELECT id, status FROM procrastinate_jobs WHERE task_name = 'messaging.drain'")
    assert [(j["id"], j["status"]) for j in jobs] == [(waiting, "todo")]
    assert await system.pool.fetchval("SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'") == 0
    [(action, target, before, after)] = await _audit(system)
    assert (action, target, before["args"], after["status"]) == (
        "system.retry_job", f"job:{failed}", {"shard": 3, "stray": 1}, "deleted")


async def test_set_aside_updates_are_retried_and_dismissed_and_audited(system: System) -> None:
    broken = await set_aside_for_real(system, MARIA)
    # An update set aside by a bug fixed since: Ana's /start.
    start = builders.private_text(ANA, "/start")
    shard = inbox.shard_of(f"user:{ANA.id}", system.settings.messaging_shards)
    row = await system.pool.fetchval(
        "INSERT INTO inbox (shard, update_id, payload, failed_at, error) VALUES ($1, $2, $3, now(), $4)"
        " RETURNING id", shard, start["update_id"], start, "RuntimeError: <a bug> since fixed")

    listing = await say(system, OWNER, "/system updates")
    text = listing["text"]
    assert text.startswith("📥 Set-aside updates — 2 in all")
    assert f"u{row} · message from {ANA.id}: “/start”" in text
    # What came from outside reads as it was typed (escaped: Telegram parses the screen as HTML).
    assert "RuntimeError: <a bug> since fixed" in text
    assert "message from 123456789: “hello <b>there</b>”" in text
    assert "KeyError" in text

    assert await press(system, OWNER, listing, buttons(listing)[f"🔄 Retry u{row}"]) == (
        f"Update {start['update_id']} is back in its shard's queue.")
    [welcome] = await system.sent(ANA.id)
    assert welcome["text"].startswith("Welcome")
    assert await system.pool.fetchval("SELECT count(*) FROM inbox WHERE id = $1", row) == 0

    relisted = await now_reads(system, listing)
    [dismiss] = [d for label, d in buttons(relisted).items() if label.startswith("🗑 Dismiss")]
    assert await press(system, OWNER, relisted, dismiss) is None
    prompt = await now_reads(system, listing)
    assert "It will never be handled" in prompt["text"]
    assert await press(system, OWNER, prompt, buttons(prompt)["✅ Dismiss"]) == f"Update {broken} dismissed."
    assert await system.pool.fetchval("SELECT count(*) FROM inbox") == 0
    assert await press(system, OWNER, prompt, RetryUpdate(row, 0).pack()) == (
        f"Set-aside update u{row} is gone (retried or dismissed): nothing changed.")

    audit = await _audit(system)
    assert [(a, t) for a, t, _, _ in audit] == [
        ("system.retry_update", f"update:{start['update_id']}"),
        ("system.dismiss_update", f"update:{broken}")]
    assert audit[0][2]["error"] == "RuntimeError: <a bug> since fixed"
    # The dismissed update is kept whole in the audit log.
    assert audit[1][2]["update"]["update_id"] == broken
    assert audit[1][2]["update"]["message"]["text"] == "hello <b>there</b>"
    assert audit[1][2]["error"].startswith("KeyError")


async def test_only_owners_and_admins_reach_the_system_screen(system: System) -> None:
    failed = await failed_by_a_worker(system, broken_admin_update())
    for person in (ADMIN, AGENT, ANALYST, STRANGER):
        await system.write(builders.private_text(person, "/start"))
    for person, role in ((ADMIN, "admin"), (AGENT, "agent"), (ANALYST, "analyst")):
        await say(system, OWNER, f"/operator add {person.id} {role}")
    audited = await system.pool.fetchval("SELECT count(*) FROM admin_audit")

    assert (await say(system, ADMIN, "/system"))["text"].startswith("🔧 System")
    owners_listing = await say(system, OWNER, "/system jobs")
    dismissing = await press(system, OWNER, owners_listing, buttons(owners_listing)[f"🗑 Dismiss #{failed}"])
    assert dismissing is None
    owners_confirm = buttons(await now_reads(system, owners_listing))["✅ Dismiss"]

    for person, role in ((AGENT, "agent"), (ANALYST, "analyst")):
        refused = f"🚫 Not allowed for your role ({role})."
        assert (await say(system, person, "/system"))["text"] == refused
        assert (await say(system, person, "/system jobs"))["text"] == refused
        home = await say(system, person, "/admin")
        for data in (RetryJob(failed, 0).pack(), DismissJob(failed, 0).pack(), RetryUpdate(1, 0).pack()):
            assert await press(system, person, home, data) == f"🚫 Not allowed for your role ({role})."
        assert await press(system, person, home, owners_confirm) == (
            "Only the operator who asked can confirm this.")
    assert (await say(system, STRANGER, "/system"))["text"] == (
        "Unknown command. Send /help to see what you can do.")
    strangers_chat = (await system.sent(STRANGER.id))[-1]
    assert await press(system, STRANGER, strangers_chat, RetryJob(failed, 0).pack()) == "🚫 Not allowed."

    # Nothing changed: the job is still failed, nothing was audited, and the group heard nothing.
    assert await system.pool.fetchval("SELECT status FROM procrastinate_jobs WHERE id = $1",
                                      failed) == "failed"
    assert await system.pool.fetchval("SELECT count(*) FROM admin_audit") == audited
    assert await system.sent(SANDBOX_ADMIN_GROUP_ID) == []


async def test_a_mistyped_system_screen_gets_a_specific_answer(system: System) -> None:
    answer = await say(system, OWNER, "/system <jobz>")
    assert answer["text"] == ("“<jobz>” is not a System screen. Type /system for the overview, "
                              "/system jobs for failed jobs, /system updates for set-aside updates.")
