"""The admin worker's hourly upkeep, in sandbox mode."""

from __future__ import annotations

from core.jobs.queues import Queue
from tests.harness import System
from workers import wiring


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
    assert system.container is not None
    app = wiring.build_app(system.container, [Queue.ADMIN], system.settings.database_url or "")
    async with app.open_async():
        await app.tasks["maintenance.prune"].defer_async(timestamp=0)
        await app.run_worker_async(queues=[Queue.ADMIN.value], wait=False, install_signal_handlers=False)

    assert await system.pool.fetchval(
        # The one deferred here, not one the periodic deferrer may add at minute 17.
        "SELECT status FROM procrastinate_jobs"
        " WHERE task_name = 'maintenance.prune' AND args->>'timestamp' = '0'"
    ) == "succeeded"
    assert [r["chat_seq"] for r in await system.pool.fetch("SELECT chat_seq FROM sandbox_chat_sends")] == [2]
    assert [r["lane_seq"] for r in await system.pool.fetch("SELECT lane_seq FROM sandbox_lane_sends")] == [2]
    assert await system.pool.fetchval("SELECT count(*) FROM sandbox_flood_waits") == 0
