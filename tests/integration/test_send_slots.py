"""Reserving send slots for a batch in one statement (reserve_send_slots)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from core.delivery.budgets import Lane, Limiter, SendLimits

LIMITS = SendLimits(global_per_second=10.0, global_burst=1.0, chat_per_second=1.0, chat_burst=1.0,
                    overall_margin=1.0)


async def test_a_batch_is_reserved_in_order_at_the_budgets_pace(db_pool: asyncpg.Pool) -> None:
    limiter = Limiter(db_pool, LIMITS)
    offsets = await limiter.reserve([(100 + i, Lane.NORMAL, 1) for i in range(5)], horizon=1.0)
    # One slot at once, then one every tenth of a second on the shared budget.
    assert offsets == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4], abs=0.01)
    # The next batch queues behind the first one's reservations.
    [later] = await limiter.reserve([(200, Lane.NORMAL, 1)], horizon=1.0)
    assert later == pytest.approx(0.5, abs=0.02)


async def test_calls_beyond_the_horizon_get_nothing_and_come_back_spread_out(db_pool: asyncpg.Pool) -> None:
    limiter = Limiter(db_pool, LIMITS)
    offsets = await limiter.reserve([(100 + i, Lane.NORMAL, 1) for i in range(8)], horizon=0.35)
    assert offsets[:4] == pytest.approx([0.0, 0.1, 0.2, 0.3], abs=0.01)
    # Refused: minus the wait, growing as if each had been reserved.
    assert offsets[4:] == pytest.approx([-0.4, -0.5, -0.6, -0.7], abs=0.01)
    # Nothing was taken for them: the next call's slot follows the four reserved.
    [after] = await limiter.reserve([(300, Lane.NORMAL, 1)], horizon=1.0)
    assert after == pytest.approx(0.4, abs=0.02)


async def test_a_chat_refused_once_keeps_its_order(db_pool: asyncpg.Pool) -> None:
    limiter = Limiter(db_pool, LIMITS)
    # Chat 7's second call waits a second for the chat's budget: beyond the horizon,
    # so its third is refused too even though the shared budget would allow it.
    offsets = await limiter.reserve(
        [(7, Lane.NORMAL, 1), (7, Lane.NORMAL, 1), (8, Lane.NORMAL, 1), (7, Lane.NORMAL, 1)],
        horizon=0.5)
    assert offsets[0] == pytest.approx(0.0, abs=0.01)
    assert offsets[1] < 0
    assert offsets[2] >= 0
    assert offsets[3] < 0


async def test_a_flood_wait_blocks_the_chat_for_its_seconds(db_pool: asyncpg.Pool) -> None:
    limiter = Limiter(db_pool, LIMITS)
    await limiter.flood_wait(9, Lane.NORMAL, 3.0)
    [blocked, other] = await limiter.reserve([(9, Lane.NORMAL, 1), (10, Lane.NORMAL, 1)], horizon=1.0)
    assert blocked == pytest.approx(-3.0, abs=0.05)
    assert other >= 0


async def test_a_flood_wait_and_reservations_of_the_same_group_never_deadlock(db_pool: asyncpg.Pool) -> None:
    # A flood wait locks the group's key and the shared one; reservations lock them
    # too. In different orders, the two deadlocked (one of them aborted by Postgres).
    limiter = Limiter(db_pool, LIMITS)
    group = -1_001_000_000_777
    await limiter.reserve([(group, Lane.NORMAL, 1)], horizon=1.0)
    for _ in range(30):
        await asyncio.gather(
            *(limiter.flood_wait(group, Lane.NORMAL, 0.01) for _ in range(3)),
            *(limiter.reserve([(group, Lane.NORMAL, 1), (5, Lane.NORMAL, 1)], horizon=0.01)
              for _ in range(3)),
        )
