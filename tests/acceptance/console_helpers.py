"""Driving the sandbox console's routes over HTTP, as its page does."""

from __future__ import annotations

from typing import Any

from tests.harness import System


async def call(system: System, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with system.http.request(method, f"{system.base_url}{path}", json=body) as r:
        return r.status, await r.json()


async def new_user(system: System, first_name: str = "Ada", username: str | None = "ada_l",
                   language_code: str = "en", last_name: str | None = "Lovelace") -> int:
    status, body = await call(system, "POST", "/sandbox/users", {
        "first_name": first_name, "last_name": last_name, "username": username,
        "language_code": language_code})
    assert status == 201, body
    return int(body["chat_id"])


async def send(system: System, chat_id: int, text: str | None, *, drain: bool = True,
               **more: Any) -> dict[str, Any]:
    """Write as the console does; the workers then run until idle."""
    status, body = await call(system, "POST", "/sandbox/send", {"chat_id": chat_id, "text": text, **more})
    assert status == 200, body
    if drain:
        await system.drain_scheduled()
    return dict(body)


async def press(system: System, chat_id: int, message_id: int, data: str, **more: Any) -> str:
    status, body = await call(system, "POST", "/sandbox/press",
                              {"chat_id": chat_id, "message_id": message_id, "data": data, **more})
    assert status == 200, body
    await system.drain_scheduled()
    return str(body["query_id"])


async def conversation(system: System, chat_id: int, thread_id: int | None = None) -> list[dict[str, Any]]:
    """Both sides of a chat as the console shows it."""
    path = f"/sandbox/chat?chat_id={chat_id}" + (f"&thread_id={thread_id}" if thread_id else "")
    status, body = await call(system, "GET", path)
    assert status == 200, body
    return list(body["messages"])


def callbacks(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


async def world(system: System) -> dict[str, Any]:
    status, body = await call(system, "GET", "/sandbox/world")
    assert status == 200
    return dict(body)
