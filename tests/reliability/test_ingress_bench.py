"""bench/ingress.py counts what the ingress writes: the inbox and the update jobs."""

from __future__ import annotations

import asyncpg

from bench.ingress import RECORDED_SQL, check_recorded
from tests.harness import running_system


def _private(update_id: int, user: int) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1763900000, "text": "hello",
        "from": {"id": user, "is_bot": False, "first_name": "Ada"},
        "chat": {"id": user, "type": "private", "first_name": "Ada"}}}


def _pre_checkout(update_id: int) -> dict[str, object]:
    return {"update_id": update_id, "pre_checkout_query": {
        "id": f"pcq{update_id}", "currency": "XTR", "total_amount": 10, "invoice_payload": "x",
        "from": {"id": 77, "is_bot": False, "first_name": "Ada"}}}


async def _recorded(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval(RECORDED_SQL))


async def test_counts_inbox_rows_and_update_jobs_not_drain_jobs(database_url: str) -> None:
    async with running_system(database_url, with_workers=False) as system:
        updates = [_private(i, 500 + i % 7) for i in range(1, 41)] + [_pre_checkout(41)]
        for update in updates:
            status, _ = await system.post_update(update)
            assert status == 200
        # The same update again is acknowledged but is still one update.
        assert (await system.post_update(updates[0]))[0] == 200
        drains = await system.pool.fetchval(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'messaging.drain'")
        assert drains > 0  # jobs that are no update: counting them would hide a loss
        assert await _recorded(system.pool) == 41
        assert check_recorded(41, 41) is None

        # An acknowledged update that vanished is reported.
        await system.pool.execute("DELETE FROM inbox WHERE update_id = 3")
        lost = await _recorded(system.pool)
        assert lost == 40
        assert check_recorded(41, lost) == "LOST UPDATES: 1 acknowledged updates not recorded"
