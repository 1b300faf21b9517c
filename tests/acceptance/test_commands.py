"""The bot's command lists reach Telegram once per distinct set."""

from __future__ import annotations

from tests.harness import System
from workers import wiring


async def test_command_lists_are_registered_once(system: System) -> None:
    assert system.container is not None
    await wiring.register_commands(system.container)
    await wiring.register_commands(system.container)  # a restart changes nothing

    rows = await system.pool.fetch("SELECT status, params FROM outbox WHERE method = 'setMyCommands'")
    assert rows
    assert {r["status"] for r in rows} == {"sent"}
    languages = {r["params"]["language_code"] for r in rows}
    assert {"", "pt", "es", "uk"} <= languages
    english = next(r["params"] for r in rows if r["params"]["language_code"] == "")
    names = [c["command"] for c in english["commands"]]
    assert names[:3] == ["start", "menu", "balance"]
    assert english["scope"] == {"type": "all_private_chats"}
    calls = system.container.gateway._client.calls  # type: ignore[attr-defined]
    assert calls.count("bots.SetBotCommands") == len(rows)
