"""Making things fail for real in a running system: jobs procrastinate gives up on,
updates the drain sets aside, and operators pressing the System screen's buttons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core.jobs import inbox, queues, routing
from core.jobs.queues import JobRequest, Queue, Task
from tests import builders
from tests.builders import Person
from tests.harness import System
from workers import wiring


def buttons(message: Mapping[str, Any]) -> dict[str, str]:
    return {b["text"]: b.get("callback_data", "") for row in (message["reply_markup"] or {}).get(
        "inline_keyboard", []) for b in row}


async def say(system: System, person: Person, text: str) -> dict[str, Any]:
    """``person`` types ``text`` in their chat with the bot; the bot's last message there."""
    await system.write(builders.private_text(person, text))
    return (await system.sent(person.id))[-1]


async def press(system: System, person: Person, sent: Mapping[str, Any], data: str) -> str | None:
    """``person`` presses ``data`` on ``sent``; the notice their press was answered with."""
    update = builders.press(person, dict(sent), data)
    await system.write(update)
    answers = {a.query_id: a for a in await system.model.query_answers()}
    return answers[update["callback_query"]["id"]].text


async def say_to_the_admin_worker(system: System, person: Person, text: str) -> dict[str, Any]:
    """As :func:`say`, with only the admin queue's worker running: jobs waiting on the
    other queues stay waiting."""
    assert system.container is not None
    status, _ = await system.post_update(builders.private_text(person, text))
    assert status == 200
    app = wiring.build_app(system.container, [Queue.ADMIN], system.settings.database_url or "",
                           with_maintenance=False)
    async with app.open_async():
        await app.run_worker_async(queues=[Queue.ADMIN.value], wait=False, install_signal_handlers=False)
    return (await system.sent(person.id))[-1]


async def now_reads(system: System, sent: Mapping[str, Any]) -> dict[str, Any]:
    """The message ``sent`` as it reads now: a button's screen is edited in place."""
    [current] = [m for m in await system.sent(int(sent["chat_id"])) if m["message_id"] == sent["message_id"]]
    return current


async def failed_by_a_worker(system: System, request: JobRequest) -> int:
    """Queue ``request`` and let the real workers run it: it must fail for good; its id."""
    async with system.pool.acquire() as conn:
        [job_id] = await queues.defer(conn, [request])
    await system.drain()
    status = await system.pool.fetchval("SELECT status FROM procrastinate_jobs WHERE id = $1", job_id)
    assert status == "failed", status
    return int(job_id)


def broken_admin_update() -> JobRequest:
    """An admin job whose update has no update_id: its handler fails for good (KeyError)."""
    return JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, None, {"update": {"callback_query": {"id": "1"}}})


async def failed_as_procrastinate_does(system: System, request: JobRequest) -> int:
    """A job that failed earlier (say, a bug fixed since): taken and finished as failed
    through procrastinate's own functions, as a worker does; its id."""
    async with system.pool.acquire() as conn:
        [job_id] = await queues.defer(conn, [request])
        worker = await conn.fetchval("SELECT worker_id FROM procrastinate_register_worker_v1()")
        taken = await conn.fetchval("SELECT id FROM procrastinate_fetch_job_v2($1, $2)",
                                    [request.queue.value], worker)
        assert taken == job_id
        await conn.execute("SELECT procrastinate_finish_job_v1($1, 'failed', false)", job_id)
        await conn.execute("SELECT procrastinate_unregister_worker_v1($1)", worker)
    return int(job_id)


async def set_aside_for_real(system: System, person: Person) -> int:
    """A message the relay cannot work with (no message_id): the drain sets it aside; its update id."""
    broken = builders.private_text(person, "hello <b>there</b>")
    job = routing.route_update(broken, ())
    assert job is not None
    del broken["message"]["message_id"]
    # The ingress refuses it now (core.jobs.shapes): recorded as one that came before that
    # check, or any update a worker cannot handle, would be.
    async with system.pool.acquire() as conn:
        await inbox.record(conn, [replace(job, args={"update": broken})], system.settings.messaging_shards)
    await system.drain()
    assert await system.pool.fetchval(
        "SELECT count(*) FROM inbox WHERE update_id = $1 AND failed_at IS NOT NULL", broken["update_id"]) == 1
    return int(broken["update_id"])


async def run_alert_checks(system: System, times: int) -> None:
    """The admin worker's periodic alert check, run ``times`` times by a real worker."""
    assert system.container is not None
    app = wiring.build_app(system.container, [Queue.ADMIN], system.settings.database_url or "")
    async with app.open_async():
        for _ in range(times):
            job_id = await app.tasks["maintenance.check_alerts"].defer_async(timestamp=0)
            await app.run_worker_async(queues=[Queue.ADMIN.value], wait=False, install_signal_handlers=False)
            assert await system.pool.fetchval(
                "SELECT status FROM procrastinate_jobs WHERE id = $1", job_id) == "succeeded"
