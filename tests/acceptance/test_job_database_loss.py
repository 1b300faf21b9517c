"""A job that meets the database going away mid-statement (a restart) is retried,
not failed: seen in the chaos test, a billing.checkout job ended failed on
asyncpg's InternalClientError, and its payer never got a checkout link."""

from __future__ import annotations

import asyncpg
from procrastinate import App, PsycopgConnector

from core.jobs.queues import Task
from tests.harness import System
from workers.runtime import Container, job


async def test_a_job_the_database_restart_breaks_is_retried_not_failed(system: System) -> None:
    assert system.container is not None
    app = App(connector=PsycopgConnector(conninfo=system.settings.database_url or ""))
    calls: list[str] = []

    @job(app, system.container, Task.BILLING_EXPORT_HISTORY)
    async def export(c: Container, user_id: int, cause: str) -> None:
        calls.append(cause)
        raise asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in progress")

    async with app.open_async():
        await app.tasks[Task.BILLING_EXPORT_HISTORY.value].defer_async(user_id=1, cause="restart")
        await app.run_worker_async(queues=["billing"], wait=False, install_signal_handlers=False)

    assert calls == ["restart"]
    row = await system.pool.fetchrow("SELECT status::text, attempts, scheduled_at > now() AS later"
                                     " FROM procrastinate_jobs")
    assert (row["status"], row["attempts"], row["later"]) == ("todo", 1, True)
