"""A job whose work goes back in the queue rides out a database restart instead of
failing (seen walking scripts/run: a drain failed for good when Postgres stopped
under it, and showed as a failed job)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import pytest

from core.platform.errors import DatabaseUnavailable
from workers.runtime import requeue_patiently


class Requeue:
    """Refuses as a restarting Postgres does, ``refusals`` times."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.queued: list[tuple[Mapping[str, Any], float]] = []

    async def __call__(self, _c: Any, args: Mapping[str, Any], wait: float) -> None:
        if self.refusals:
            self.refusals -= 1
            raise asyncpg.CannotConnectNowError("the database system is shutting down")
        self.queued.append((args, wait))


async def test_the_work_is_queued_again_once_the_database_answers() -> None:
    requeue = Requeue(refusals=2)
    await requeue_patiently(requeue, object(), {"shard": 3}, 2.0)  # type: ignore[arg-type]
    assert requeue.queued == [({"shard": 3}, 2.0)]
    assert requeue.refusals == 0


async def test_past_its_patience_the_job_fails_with_the_database_unavailable() -> None:
    requeue = Requeue(refusals=100)
    with pytest.raises(DatabaseUnavailable):
        await requeue_patiently(requeue, object(), {"shard": 3}, 2.0, patience=0.5)  # type: ignore[arg-type]
    assert requeue.queued == []
    assert requeue.refusals < 100


async def test_a_fault_that_is_not_the_database_fails_at_once() -> None:
    async def broken(_c: Any, _args: Mapping[str, Any], _wait: float) -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        await requeue_patiently(broken, object(), {}, 0.0)  # type: ignore[arg-type]
