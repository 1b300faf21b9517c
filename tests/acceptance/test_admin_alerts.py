"""Alerts in the admin group's General topic: one message when a condition starts,
one when it clears, never a stream; however many checks and workers see it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from core.admin import alerts
from core.admin.outages import OutageWatch
from core.admin.screens import GROUP_PRIORITY
from core.delivery import engine, outbox
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform import database
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as GROUP
from tests.acceptance.failures import (
    broken_admin_update,
    failed_by_a_worker,
    run_alert_checks,
    say,
    say_to_the_admin_worker,
)
from tests.builders import OWNER
from tests.harness import System
from workers import wiring


async def _general(system: System) -> list[str]:
    """What the bot said in the admin group's General topic."""
    return [m["text"] for m in await system.sent(GROUP) if m["thread_id"] is None]


async def _clear_for(system: System, condition: str, *, minutes: int, lasted_minutes: int) -> None:
    """Time passes: the condition has been clear ``minutes`` (and on ``lasted_minutes`` before)."""
    await system.pool.execute(
        "UPDATE admin_alerts SET clear_since = clear_since - make_interval(mins => $2),"
        " since = since - make_interval(mins => $2 + $3) WHERE condition = $1 AND clear_since IS NOT NULL",
        condition, minutes, lasted_minutes)


async def test_a_condition_lasting_several_checks_posts_one_start_and_one_clear(system: System) -> None:
    job = await failed_by_a_worker(system, broken_admin_update())
    await run_alert_checks(system, 3)
    started = ("🔴 Alert: failed work\n1 failed job.\n/system lists them, with Retry and Dismiss.")
    assert await _general(system) == [started]
    # At the lowest priority: customers' messages to the group go first.
    priority = await system.pool.fetchval("SELECT priority FROM outbox WHERE chat_id = $1", GROUP)
    assert priority == GROUP_PRIORITY

    # Cleared, then failing again before it stayed clear long enough: no message either way.
    await system.pool.execute("DELETE FROM procrastinate_jobs WHERE id = $1", job)
    await run_alert_checks(system, 2)
    again = await failed_by_a_worker(system, broken_admin_update())
    await run_alert_checks(system, 2)
    await system.pool.execute("DELETE FROM procrastinate_jobs WHERE id = $1", again)
    await run_alert_checks(system, 2)
    assert await _general(system) == [started]

    await _clear_for(system, alerts.FAILED, minutes=3, lasted_minutes=8)
    await run_alert_checks(system, 3)
    assert await _general(system) == [started, (
        "✅ Cleared: failed work\nNow: no failed jobs or set-aside updates."
        " It lasted 8 min; at most 1 at once.")]
    assert await system.pool.fetchval("SELECT active FROM admin_alerts WHERE condition = $1",
                                      alerts.FAILED) is False


async def test_checks_running_at_once_post_a_start_once(system: System) -> None:
    await failed_by_a_worker(system, broken_admin_update())
    assert system.container is not None
    methods = wiring.delivery_methods()
    posted = await asyncio.gather(*(alerts.check(system.pool, GROUP, methods) for _ in range(6)))
    assert sorted(len(p) for p in posted) == [0, 0, 0, 0, 0, 1]
    await engine.deliver(system.container.courier, [i for p in posted for i in p])
    assert len(await _general(system)) == 1


async def test_a_queue_left_waiting_starts_and_clears_an_alert(system: System) -> None:
    # A broadcast job nobody took for two minutes (no broadcast worker runs here).
    async with system.pool.acquire() as conn:
        [job] = await queues.defer(conn, [JobRequest(Queue.BROADCAST, Task.ADMIN_UPDATE, None, {})])
    await system.pool.execute(
        "UPDATE procrastinate_events SET at = now() - interval '2 minutes' WHERE job_id = $1", job)
    await run_alert_checks(system, 2)
    assert await _general(system) == [
        "🔴 Alert: the broadcast queue is behind\nIts oldest job has waited 2 min (alert above 1 min)."]

    _, health = await system.get("/health")
    assert [(a["condition"], a["detail"]) for a in health["alerts"]] == [
        ("queue_wait:broadcast", "its oldest job has waited 2 min")]
    screen = await say_to_the_admin_worker(system, OWNER, "/system")
    assert ("🔴 the broadcast queue is behind since just now: its oldest job has waited 2 min"
            in screen["text"])
    assert "broadcast: 1 · 0 · 0 · 2 min" in screen["text"]

    await system.pool.execute("DELETE FROM procrastinate_jobs WHERE id = $1", job)
    await run_alert_checks(system, 1)
    await _clear_for(system, "queue_wait:broadcast", minutes=2, lasted_minutes=5)
    await run_alert_checks(system, 2)
    assert (await _general(system))[1:] == [
        "✅ Cleared: the broadcast queue is behind\nNow: nothing waits. It lasted 5 min;"
        " the longest wait was 2 min."]
    assert (await system.get("/health"))[1]["alerts"] == []


async def _flood_waits(system: System, count: int) -> None:
    """Sends Telegram answered with a flood wait, recorded as delivery records them."""
    async with system.pool.acquire() as conn:
        for i in range(count):
            row = await outbox.add(conn, 1000 + i, "sendMessage", {"text": "hi"}, cause="test")
            await outbox.retry_later(conn, row, 3.0, "FloodWait: Telegram asked to wait 3 s (FLOOD_WAIT_X)")


async def test_a_spike_of_flood_waits_starts_and_clears_an_alert(system: System) -> None:
    await _flood_waits(system, 10)
    await run_alert_checks(system, 1)
    assert await _general(system) == []  # 10 is not over the threshold
    await _flood_waits(system, 2)
    await run_alert_checks(system, 3)
    assert await _general(system) == [
        "🔴 Alert: flood waits from Telegram\n12 flood waits in the last 5 min (alert above 10)."]

    # Ten minutes on, they are out of the window.
    await system.pool.execute("UPDATE send_events SET at = at - interval '10 minutes'")
    await run_alert_checks(system, 1)
    await _clear_for(system, alerts.FLOOD, minutes=2, lasted_minutes=9)
    await run_alert_checks(system, 1)
    assert (await _general(system))[1:] == [
        "✅ Cleared: flood waits from Telegram\nNow: 0 flood waits in the last 5 min. It lasted 9 min;"
        " at most 12 in 5 min."]


async def _watch(pool: Any, watch: OutageWatch, seconds: float) -> None:
    """A worker process's periodic use of the database (every 0.5 s here), for a while."""
    task = asyncio.create_task(wiring.watch_stalls(pool, 2.0, watch))
    await asyncio.sleep(seconds)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_an_outage_several_processes_noticed_is_announced_once(system: System,
                                                                     unused_tcp_port: int) -> None:
    unreachable = await database.create_pool(f"postgresql://postgres@127.0.0.1:{unused_tcp_port}/nowhere")
    messaging, admin = OutageWatch("messaging-101"), OutageWatch("admin-202")
    try:
        await _watch(unreachable, messaging, 1.2)
    finally:
        await unreachable.close()
    noticed = messaging.down_since
    assert noticed is not None
    admin.failed(noticed + timedelta(seconds=1))
    assert await system.pool.fetchval("SELECT count(*) FROM db_outages") == 0  # nothing written while down

    # Reachable again: each process records what it saw, as one outage.
    await _watch(system.pool, messaging, 1.2)
    assert messaging.down_since is None
    async with system.pool.acquire() as conn:
        assert await admin.reached(conn)
        assert not await admin.reached(conn)
    assert await system.pool.fetchval("SELECT count(*) FROM db_outages") == 1

    await run_alert_checks(system, 2)
    [announced] = await _general(system)
    assert announced.startswith("🔴 The database was unreachable for ")
    assert announced.endswith("(noticed by messaging-101).\n✅ It is reachable again.")

    # A third process reports the same outage later: merged, not announced again.
    late = OutageWatch("billing-303")
    late.failed(noticed + timedelta(seconds=2))
    async with system.pool.acquire() as conn:
        await late.reached(conn)
    await run_alert_checks(system, 2)
    assert await _general(system) == [announced]
    assert "Last unreachable: just now, for " in (await say(system, OWNER, "/system"))["text"]
