"""The console hears every change of the stand-in Telegram as it happens: server-sent
events fed by Postgres LISTEN/NOTIFY, whichever process wrote the change."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from tests.acceptance.console_helpers import call, callbacks, conversation, new_user, press, send
from tests.harness import System

Event = tuple[str, dict[str, Any]]
#: A liveness bound: events arrive in milliseconds.
WAIT = 10.0


class Stream:
    """The events a page received, in order; a wait finds one however it interleaved with others."""

    def __init__(self) -> None:
        self.seen: list[Event] = []
        self.arrived = asyncio.Event()

    def add(self, event: Event) -> None:
        self.seen.append(event)
        self.arrived.set()

    async def next(self, wanted: Callable[[Event], bool]) -> Event:
        """The first event received that is ``wanted`` (waiting for it if need be)."""
        async with asyncio.timeout(WAIT):
            while True:
                found = next((e for e in self.seen if wanted(e)), None)
                if found is not None:
                    return found
                self.arrived.clear()
                await self.arrived.wait()


@asynccontextmanager
async def events(system: System) -> AsyncIterator[Stream]:
    stream = Stream()

    async def read() -> None:
        async with system.http.get(f"{system.base_url}/sandbox/events") as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            name, data = "message", ""
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[len("event: "):]
                elif line.startswith("data: "):
                    data = line[len("data: "):]
                elif not line and data:
                    stream.add((name, json.loads(data)))
                    name, data = "message", ""

    task = asyncio.create_task(read())
    try:
        hello = await stream.next(lambda e: e[0] in ("hello", "live"))
        if not hello[1].get("live", True):
            await stream.next(lambda e: e[0] == "live")  # listening from now on
        yield stream
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def message(message_id: int, **fields: Any) -> Callable[[Event], bool]:
    return lambda e: e[0] == "message" and e[1]["message_id"] == message_id and \
        all(e[1].get(k) == v for k, v in fields.items())


async def test_new_and_edited_messages_and_answers_arrive_without_asking(system: System) -> None:
    async with events(system) as stream:
        ada = await new_user(system)
        await stream.next(lambda e: e == ("chats", {"chat_id": ada}))

        start = await send(system, ada, "/start", drain=False)
        _, mine = await stream.next(message(start["message_id"], op="insert"))
        assert (mine["chat_id"], mine["from_bot"], mine["sender"]) == (ada, False, "Ada Lovelace")
        assert mine["text"] == "/start"

        await system.drain_scheduled()
        _, welcome = await stream.next(lambda e: e[0] == "message" and e[1]["from_bot"])
        assert welcome["text"].startswith("Welcome, Ada Lovelace!")
        assert callbacks(welcome)

        query_id = await press(system, ada, welcome["message_id"], callbacks(welcome)[0])
        _, answer = await stream.next(lambda e: e[0] == "answer" and e[1]["query_id"] == query_id)
        assert answer["kind"] == "callback_query"
        _, step = await stream.next(lambda e: e[0] == "message" and e[1]["text"].startswith("Step 1/3"))

        await press(system, ada, step["message_id"], callbacks(step)[0])
        _, edited = await stream.next(message(step["message_id"], op="update", edited=True))
        assert edited["text"].startswith("Step 2/3")


async def test_a_write_by_any_process_reaches_the_page(system: System) -> None:
    ada = await new_user(system)
    async with events(system) as stream:
        # Another process (a worker, a script with psql) writes to the stand-in Telegram directly.
        await system.pool.execute(
            "INSERT INTO sandbox_messages (chat_id, message_id, thread_id, from_bot, sender_id, kind, text)"
            " VALUES ($1, 77, NULL, true, 7000000001, 'text', 'from elsewhere')", ada)
        _, item = await stream.next(message(77))
        assert (item["text"], item["sender"]) == ("from elsewhere", "Paid Desk")
        await system.pool.execute("DELETE FROM sandbox_messages WHERE chat_id = $1 AND message_id = 77", ada)
        assert (await stream.next(lambda e: e[0] == "gone"))[1] == {"chat_id": ada, "message_id": 77}
    assert await conversation(system, ada) == []


async def test_the_panel_shows_the_users_balance_ledger_and_the_system(system: System) -> None:
    ada = await new_user(system)
    status, before = await call(system, "GET", f"/sandbox/panel?chat_id={ada}")
    assert (status, before["user"]) == (200, None)
    await send(system, ada, "/start")
    await send(system, ada, "Hello")

    status, panel = await call(system, "GET", f"/sandbox/panel?chat_id={ada}")
    assert status == 200
    assert panel["user"]["credits"] == 2
    assert [(e["reason"], e["change"]) for e in panel["ledger"]] == [("message", -1), ("signup_bonus", 3)]
    assert set(panel["queues"]) == {"messaging", "billing", "admin", "broadcast"}
    assert panel["outbox"] == {"pending": 0, "failed": 0}
    assert {s["status"] for s in panel["sends"]} == {"sent"}
    assert [b["key"] for b in panel["budgets"]] == ["global", f"chat:{ada}"]
    # The topic's panel is its customer's.
    group = (await call(system, "GET", "/sandbox/world"))[1]["groups"][0]
    topic = group["topics"][0]["topic_id"]
    path = f"/sandbox/panel?chat_id={group['chat_id']}&thread_id={topic}"
    status, topic_panel = await call(system, "GET", path)
    assert (status, topic_panel["telegram_id"], topic_panel["user"]["credits"]) == (200, ada, 2)
    assert topic_panel["budgets"][1]["key"] == f"group:{group['chat_id']}"
