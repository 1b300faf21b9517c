"""Commands and buttons: the bot's command lists reach Telegram once per distinct set;
an unknown command is answered with a hint and never charged or relayed; every
button press is answered exactly once."""

from __future__ import annotations

from tests import builders
from tests.builders import MARIA
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
    users = next(r["params"] for r in rows if r["params"]["language_code"] == ""
                 and r["params"]["scope"] == {"type": "all_private_chats"})
    names = [c["command"] for c in users["commands"]]
    assert names[:3] == ["start", "menu", "balance"]
    assert "admin" not in names
    group = next(r["params"] for r in rows if r["params"]["language_code"] == ""
                 and r["params"]["scope"] == {"type": "chat", "chat_id": system.settings.admin_group_id})
    assert [c["command"] for c in group["commands"]][:3] == ["admin", "dashboard", "conversations"]
    calls = system.container.gateway._client.calls  # type: ignore[attr-defined]
    assert calls.count("bots.SetBotCommands") == len(rows)


async def _ledger_rows(system: System) -> int:
    return int(await system.pool.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'message'"))


async def test_an_unknown_command_gets_a_hint_and_costs_nothing(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    before = await system.sent(MARIA.id)
    # A typo of a command, a command of another bot, and text that starts with a slash.
    for text in ("/balanse", "/admin", "/start@other_bot", "/ hello", "/"):
        update = builders.private_text(MARIA, text)
        if text == "/start@other_bot":
            update["message"]["text"] = "/bogus@paid_desk_bot"
            update["message"]["entities"] = [{"offset": 0, "length": 20, "type": "bot_command"}]
        await system.write(update)

    sent = (await system.sent(MARIA.id))[len(before):]
    hint = "Comando desconhecido. Envie /help para ver o que você pode fazer."
    assert [m["text"] for m in sent] == [hint] * 5
    assert await _ledger_rows(system) == 0
    user = await system.pool.fetchrow("SELECT credits FROM users WHERE telegram_id = $1", MARIA.id)
    assert user["credits"] == 3
    assert await system.pool.fetchval("SELECT count(*) FROM messages") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM conversations WHERE topic_id IS NOT NULL") == 0


async def test_every_button_press_is_answered_once_even_when_its_data_is_stale(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    presses = [builders.callback(MARIA, data) for data in (
        "menu:balance",          # a screen
        "tut:9",                 # a tour step that does not exist
        "tut:x",                 # malformed: the step is not a number
        "pay:bitcoin:pack10",    # a rail that does not exist
        "nobody:reads:this",     # no router declares it
        "x" * 64,                # as long as Telegram allows, and nonsense
    )]
    await system.write(*presses)

    answers = {a.query_id: a for a in await system.model.query_answers()}
    ids = [p["callback_query"]["id"] for p in presses]
    assert set(ids) <= set(answers)
    stale = "Este botão não está mais ativo. Envie /menu para continuar."
    assert [answers[i].text for i in ids[1:]] == [stale] * 5
    calls = system.container.gateway._client.calls  # type: ignore[union-attr]
    assert calls.count("messages.SetBotCallbackAnswer") == len(presses)
    assert await _ledger_rows(system) == 0
