from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.harness import System, running_system


async def assert_ledger_invariant(pool: asyncpg.Pool) -> None:
    """For every user, the cached balance is the sum of their ledger rows, never negative."""
    broken = await pool.fetch(
        """SELECT u.telegram_id, u.credits, coalesce(sum(l.delta), 0) AS ledger
           FROM users u LEFT JOIN credit_ledger l ON l.user_id = u.id
           GROUP BY u.id HAVING u.credits <> coalesce(sum(l.delta), 0) OR u.credits < 0"""
    )
    assert not broken, [dict(r) for r in broken]


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[System]:
    async with running_system(database_url) as running:
        yield running
        await assert_ledger_invariant(running.pool)


@pytest.fixture
async def system_with_telegram_limits(database_url: str) -> AsyncIterator[System]:
    """The system held to Telegram's real limits, on both sides."""
    async with running_system(database_url, real_limits=True) as running:
        yield running
        await assert_ledger_invariant(running.pool)
