"""Background rows in an admin group (the desk's topic titles and live cards):
coalesced, sent only on spare budget, never ahead of or instead of a customer's."""

from __future__ import annotations

import asyncpg
import pytest

from core.delivery import outbox
from core.delivery.budgets import Lane, Limiter, SendLimits

GROUP = -100_777
LIMITS = SendLimits(global_per_second=100.0, global_burst=5.0, group_per_minute=63.0, group_burst=3.0,
                    overall_margin=1.0)


async def test_a_background_call_goes_only_on_a_full_bucket_and_blocks_nothing(db_pool: asyncpg.Pool) -> None:
    limiter = Limiter(db_pool, LIMITS)
    keep = limiter.background_keep
    assert keep == 2.0
    # A full bucket (3 tokens): the background call goes and leaves 2 to customers.
    [bg] = await limiter.reserve([(GROUP, Lane.NORMAL, 1)], horizon=1.0, keeps=[keep])
    assert bg == pytest.approx(0.0, abs=0.01)
    # Two tokens left: a background call is refused (nothing taken) and the
    # customer's call after it in the same batch goes at once, then the next.
    offsets = await limiter.reserve(
        [(GROUP, Lane.NORMAL, 1), (GROUP, Lane.NORMAL, 1), (GROUP, Lane.NORMAL, 1)],
        horizon=1.0, keeps=[keep, 0.0, 0.0])
    assert offsets[0] < 0
    assert offsets[1:] == pytest.approx([0.0, 0.0], abs=0.01)


async def test_a_customer_refused_for_budget_is_not_overtaken_by_a_background_call(
        db_pool: asyncpg.Pool) -> None:
    limiter = Limiter(db_pool, LIMITS)
    await limiter.reserve([(GROUP, Lane.NORMAL, 3)], horizon=1.0)  # the burst is spent
    offsets = await limiter.reserve([(GROUP, Lane.NORMAL, 1), (GROUP, Lane.NORMAL, 1)], horizon=0.1,
                                    keeps=[0.0, limiter.background_keep])
    # The customer waits for the next token; the background call must wait for a full bucket.
    assert -offsets[0] == pytest.approx(1.0, abs=0.05)
    assert -offsets[1] > -offsets[0]


async def test_keeps_must_match_the_calls(db_pool: asyncpg.Pool) -> None:
    with pytest.raises(ValueError, match="1 reserves for 2 calls"):
        await Limiter(db_pool, LIMITS).reserve([(1, Lane.NORMAL, 1), (2, Lane.NORMAL, 1)], 1.0, [0.0])


async def test_a_newer_state_supersedes_the_pending_one(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        first = await outbox.add(conn, GROUP, "editForumTopic", {"message_thread_id": 5, "name": "⏳ A"},
                                 cause="t", priority=outbox.BACKGROUND_PRIORITY, coalesce_key="topic:1")
        other = await outbox.add(conn, GROUP, "editForumTopic", {"message_thread_id": 6, "name": "⏳ B"},
                                 cause="t", priority=outbox.BACKGROUND_PRIORITY, coalesce_key="topic:2")
        second = await outbox.add(conn, GROUP, "editForumTopic", {"message_thread_id": 5, "name": "✅ A"},
                                  cause="t", priority=outbox.BACKGROUND_PRIORITY, coalesce_key="topic:1")
        rows = {r["id"]: r["status"] for r in await conn.fetch("SELECT id, status FROM outbox")}
        assert rows == {first: "superseded", other: "pending", second: "pending"}
        # Only the groups' drainers deliver background rows; the sweep leaves them.
        assert await outbox.due(conn) == []
        assert await outbox.background_groups(conn) == [GROUP]
        # While a customer's row of the group waits, the background row is held.
        customer = await outbox.add(conn, GROUP, "sendMessage", {"text": "hi"}, cause="t", priority=0,
                                    delay_seconds=30)
        found = await outbox.next_for_group(conn, GROUP)
        assert found is not None
        assert (found.held, found.id) == (True, other)
        await conn.execute("UPDATE outbox SET status = 'sent' WHERE id = $1", customer)
        found = await outbox.next_for_group(conn, GROUP)
        assert found is not None
        assert (found.held, found.id) == (False, other)

