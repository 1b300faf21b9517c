"""Driving the operator desk as operators do, and reading what it did."""

from __future__ import annotations

from typing import Any

from core.jobs.queues import Queue
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as GROUP
from tests.builders import Person
from tests.harness import System
from workers import wiring


async def topic_id(system: System, person: Person) -> int:
    return int(await system.pool.fetchval(
        "SELECT c.topic_id FROM conversations c JOIN users u ON u.id = c.user_id WHERE u.telegram_id = $1",
        person.id))


async def conversation(system: System, person: Person) -> Any:
    return await system.pool.fetchrow(
        "SELECT c.* FROM conversations c JOIN users u ON u.id = c.user_id WHERE u.telegram_id = $1",
        person.id)


async def in_topic(system: System, person: Person) -> list[dict[str, Any]]:
    """The bot's messages in ``person``'s topic (service messages left out)."""
    thread = await topic_id(system, person)
    return [m for m in await system.sent(GROUP) if m["thread_id"] == thread and m["kind"] != "service"]


async def general(system: System) -> list[str]:
    return [m["text"] for m in await system.sent(GROUP) if m["thread_id"] is None]


async def stored(system: System, chat_id: int, message_id: int) -> Any:
    """A message as the stand-in Telegram keeps it (what it replies to, its entities)."""
    return await system.pool.fetchrow(
        "SELECT * FROM sandbox_messages WHERE chat_id = $1 AND message_id = $2", chat_id, message_id)


async def run_desk_sweeps(system: System, times: int, *, deliver: bool = True) -> None:
    """The admin worker's periodic desk sweep, run ``times`` times by a real worker,
    then (``deliver``) the deliveries it scheduled (the groups' drainers)."""
    assert system.container is not None
    app = wiring.build_app(system.container, [Queue.ADMIN], system.settings.database_url or "")
    async with app.open_async():
        for _ in range(times):
            job_id = await app.tasks["maintenance.desk_sweep"].defer_async(timestamp=0)
            await app.run_worker_async(queues=[Queue.ADMIN.value], wait=False, install_signal_handlers=False)
            assert await system.pool.fetchval(
                "SELECT status FROM procrastinate_jobs WHERE id = $1", job_id) == "succeeded"
    if deliver:
        await system.drain_scheduled()
