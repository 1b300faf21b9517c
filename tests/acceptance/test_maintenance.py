"""The admin worker's hourly upkeep, in sandbox mode."""

from __future__ import annotations

import pytest

from tests.harness import System
from workers import maintenance
from workers.runtime import Container


async def test_the_hourly_prune_forgets_the_stand_in_telegrams_old_sends(system: System) -> None:
    # Sends an hour old decide no limit any more; the one of a moment ago still does.
    await system.pool.execute(
        """INSERT INTO sandbox_chat_sends (chat_id, chat_seq, messages, paid, at)
           VALUES (42, 1, 1, false, now() - interval '1 hour'), (42, 2, 1, false, now());
           INSERT INTO sandbox_lane_sends (lane, lane_seq, messages, at)
           VALUES ('normal', 1, 1, now() - interval '1 hour'), ('normal', 2, 1, now());
           INSERT INTO sandbox_flood_waits (chat_id, messages, paid, seconds, at)
           VALUES (42, 1, false, 3, now() - interval '1 hour')"""
    )
    await system.run_admin_task("maintenance.prune")

    assert await system.pool.fetchval(
        # The one deferred here, not one the periodic deferrer may add at minute 17.
        "SELECT status FROM procrastinate_jobs"
        " WHERE task_name = 'maintenance.prune' AND args->>'timestamp' = '0'"
    ) == "succeeded"
    assert [r["chat_seq"] for r in await system.pool.fetch("SELECT chat_seq FROM sandbox_chat_sends")] == [2]
    assert [r["lane_seq"] for r in await system.pool.fetch("SELECT lane_seq FROM sandbox_lane_sends")] == [2]
    assert await system.pool.fetchval("SELECT count(*) FROM sandbox_flood_waits") == 0


async def test_the_15_second_sweeps_run_as_one_job(system: System) -> None:
    # An update its drain left behind a minute ago: the inbox sweep queues the shard again.
    await system.pool.execute("INSERT INTO inbox (shard, update_id, payload, received_at)"
                              " VALUES (5, 77, '{}', now() - interval '2 minutes')")
    await system.run_admin_task("maintenance.sweeps")
    assert await system.pool.fetchval(
        "SELECT status FROM procrastinate_jobs WHERE task_name = 'maintenance.sweeps'"
        " AND args->>'timestamp' = '0'") == "succeeded"
    assert await system.pool.fetchval(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'messaging.drain'"
        " AND args->>'shard' = '5' AND status = 'todo'") == 1


async def test_a_failing_sweep_holds_up_none_of_the_others_and_fails_the_job(system: System) -> None:
    ran: list[str] = []

    async def broken(_c: Container, _worker: int | None) -> None:
        ran.append("broken")
        raise RuntimeError("the desk is on fire")

    async def fine(_c: Container, _worker: int | None) -> None:
        ran.append("fine")

    assert system.container is not None
    with pytest.raises(RuntimeError, match="the desk is on fire"):
        await maintenance.sweep_all(system.container, None, {"broken": broken, "fine": fine})
    assert ran == ["broken", "fine"]
