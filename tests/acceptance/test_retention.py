"""Retention: the admin worker's prune deletes what aged past each setting and keeps
the rest, so the tables that grow with traffic stay bounded."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.jobs.queues import Queue
from tests import builders
from tests.builders import MARIA, OWNER, Person
from tests.harness import System, running_system
from workers import wiring

GROUP = builders.SANDBOX_ADMIN_GROUP_ID
RETENTION = {
    "RETENTION_PROCESSED_DAYS": "5",
    "RETENTION_OUTBOX_DAYS": "1",
    "RETENTION_FINISHED_JOBS_HOURS": "2",
    "RETENTION_FAILED_JOBS_DAYS": "3",
    "RETENTION_SANDBOX_DAYS": "1",
    "RETENTION_CAMPAIGN_SOURCES_DAYS": "10",
}


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[System]:
    async with running_system(database_url, env=RETENTION) as running:
        yield running


async def _prune(system: System) -> None:
    assert system.container is not None
    app = wiring.build_app(system.container, [Queue.ADMIN], system.settings.database_url or "")
    async with app.open_async():
        job_id = await app.tasks["maintenance.prune"].defer_async(timestamp=0)
        await app.run_worker_async(queues=[Queue.ADMIN.value], wait=False, install_signal_handlers=False)
    status = await system.pool.fetchval("SELECT status FROM procrastinate_jobs WHERE id = $1", job_id)
    assert status in (None, "succeeded")  # succeeded jobs are kept for the hours set, or deleted


async def _job(system: System, status: str, age: str) -> int:
    job_id: int = await system.pool.fetchval(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, status, args) VALUES ('admin', 'x', $1, '{}')"
        " RETURNING id", status)
    await system.pool.execute(
        "INSERT INTO procrastinate_events (job_id, type, at) VALUES ($1, $2, now() - $3::text::interval)",
        job_id, "failed" if status == "failed" else "aborted", age)
    return job_id


async def test_prune_keeps_each_kind_of_row_for_its_own_age(system: System) -> None:
    await system.pool.execute("""
        INSERT INTO processed_updates (source, key, processed_at) VALUES
            ('telegram', 'six days', now() - interval '6 days'),
            ('stripe', 'four days', now() - interval '4 days');
        -- (The pending row is due later: the outbox sweeper leaves it alone meanwhile.)
        INSERT INTO outbox (chat_id, method, params, status, created_at, not_before) VALUES
            (1, 'sendMessage', '{}', 'sent', now() - interval '2 days', now()),
            (1, 'sendMessage', '{}', 'failed', now() - interval '2 days', now()),
            (1, 'sendMessage', '{}', 'pending', now() - interval '2 days', now() + interval '1 hour'),
            (1, 'sendMessage', '{}', 'sent', now() - interval '1 hour', now());
        INSERT INTO stall_recoveries (kind, at) VALUES ('job_retried', now() - interval '9 days'),
                                                      ('job_retried', now());
    """)
    old_failed = await _job(system, "failed", "4 days")
    new_failed = await _job(system, "failed", "1 day")
    old_aborted = await _job(system, "aborted", "3 hours")
    new_aborted = await _job(system, "aborted", "1 hour")
    await system.model.ensure_chat(MARIA.id, first_name="Maria")
    await system.pool.execute("""
        INSERT INTO sandbox_messages (chat_id, message_id, from_bot, kind, text, created_at, recorded_at)
        VALUES
            ($1, 1, false, 'text', 'old', now() - interval '2 days', now() - interval '2 days'),
            ($1, 2, false, 'text', 'new', now(), now()),
            -- Dated long before the stand-in learnt it (a forward, a test's fixed date).
            ($1, 3, false, 'text', 'dated last year', now() - interval '1 year', now())""", MARIA.id)

    await _prune(system)

    assert [r["key"] for r in await system.pool.fetch("SELECT key FROM processed_updates")] == ["four days"]
    # Chat 1's rows: the alert about the failed jobs below is in the outbox too.
    kept = await system.pool.fetch("SELECT status, created_at > now() - interval '1 day' AS young"
                                   " FROM outbox WHERE chat_id = 1 ORDER BY id")
    assert [(r["status"], r["young"]) for r in kept] == [
        ("failed", False), ("pending", False), ("sent", True)]
    jobs = {r["id"] for r in await system.pool.fetch("SELECT id FROM procrastinate_jobs")}
    assert {new_failed, new_aborted} <= jobs
    assert not {old_failed, old_aborted} & jobs
    assert await system.pool.fetchval("SELECT count(*) FROM stall_recoveries") == 1
    # Maria's chat: the failed jobs above also raise an alert in the admin group.
    kept_texts = await system.pool.fetch("SELECT text FROM sandbox_messages WHERE chat_id = $1"
                                         " ORDER BY message_id", MARIA.id)
    texts = [r["text"] for r in kept_texts]
    assert texts == ["new", "dated last year"]


async def test_prune_keeps_the_message_a_broadcast_copies_whatever_its_date(system: System) -> None:
    """An operator's message reaches the stand-in with its update's date (the tests'
    is a year back); a campaign copies it for as long as it runs. The prune forgot it
    the first time it ran after, and every copy left failed with MESSAGE_ID_INVALID."""
    update = builders.admin_group_text(OWNER, "Hello everyone")
    message = update["message"]
    await system.model.record_incoming(message)
    await system.model.ensure_chat(MARIA.id, first_name="Maria")

    await _prune(system)

    copied = await system.model.forward(GROUP, [message["message_id"]], MARIA.id, copy=True)
    assert [(source, new.text) for source, new in copied] == [(message["message_id"], "Hello everyone")]


async def test_prune_folds_the_metric_counters_without_changing_a_total(system: System) -> None:
    await system.pool.execute("""
        INSERT INTO metric_counters (metric, labels, slot, value) VALUES
            ('messages_relayed', '{in}', 0, 10), ('messages_relayed', '{in}', 111, 5),
            ('messages_relayed', '{in}', 222, 7), ('messages_relayed', '{out}', 333, 2)""")
    await _prune(system)
    rows = await system.pool.fetch("SELECT labels, slot, value FROM metric_counters"
                                   " WHERE metric = 'messages_relayed' ORDER BY labels")
    assert [(list(r["labels"]), r["slot"], r["value"]) for r in rows] == [(["in"], 0, 22), (["out"], 0, 2)]


async def test_tables_stay_bounded_round_after_round(system: System) -> None:
    """Traffic, then time passing beyond every retention, then the prune: each round
    leaves the same number of rows behind, whatever came before."""
    left: list[dict[str, int]] = []
    # The maintenance worker also runs the desk's sweep, whose topic titles would
    # be fresh work still waiting for the group's drainer, not rows left behind.
    await system.pool.execute(
        "INSERT INTO bot_settings (key, value) VALUES ('topic_status_enabled', 'false')")
    for round_ in range(3):
        people = [Person(600_000_000 + round_ * 10 + i, f"P{i}") for i in range(4)]
        await system.write(*(builders.private_text(p, "/start") for p in people))
        await system.write(*(builders.private_text(p, "hello") for p in people))
        await system.pool.execute("""
            UPDATE processed_updates SET processed_at = processed_at - interval '6 days';
            UPDATE outbox SET created_at = created_at - interval '2 days';
            UPDATE sandbox_messages SET recorded_at = recorded_at - interval '2 days'""")
        await _prune(system)
        left.append({table: await system.pool.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
                     for table in ("processed_updates", "outbox", "inbox")})
    assert left == [{"processed_updates": 0, "outbox": 0, "inbox": 0}] * 3
    assert await system.pool.fetchval("SELECT count(*) FROM users") == 12


async def test_prune_drops_old_album_items_and_id_lists_no_unfinished_campaign_reads(system: System) -> None:
    await system.pool.execute("""
        INSERT INTO campaign_album_items (chat_id, message_id, media_group_id, kind, created_at) VALUES
            (-100, 1, 'old', 'photo', now() - interval '11 days'),
            (-100, 2, 'new', 'photo', now() - interval '9 days');
        INSERT INTO campaign_id_lists (created_by, file_name, given, unknown, created_at) VALUES
            (1, 'young.txt', 1, 0, now() - interval '9 days'),
            (1, 'old.txt', 2, 0, now() - interval '11 days'),
            (1, 'old-finished.txt', 1, 0, now() - interval '11 days'),
            (1, 'old-paused.txt', 1, 0, now() - interval '11 days');
        INSERT INTO campaign_id_list_users (list_id, telegram_id)
        SELECT id, 700 + n FROM campaign_id_lists, generate_series(1, given) AS n;
        INSERT INTO campaigns (kind, status, filter, created_by, chat_id, credits)
        SELECT 'gift', s, jsonb_build_object('list', l.id), 1, 1, 5
        FROM campaign_id_lists l,
             (VALUES ('done', 'old-finished.txt'), ('paused', 'old-paused.txt')) AS v(s, f)
        WHERE l.file_name = v.f""")

    await _prune(system)

    albums = await system.pool.fetch("SELECT media_group_id FROM campaign_album_items")
    assert [r["media_group_id"] for r in albums] == ["new"]
    kept = await system.pool.fetch(
        "SELECT l.file_name, count(u.*) AS users FROM campaign_id_lists l"
        " LEFT JOIN campaign_id_list_users u ON u.list_id = l.id GROUP BY l.file_name ORDER BY l.file_name")
    assert [(r["file_name"], r["users"]) for r in kept] == [("old-paused.txt", 1), ("young.txt", 1)]
