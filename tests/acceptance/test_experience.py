"""The user experience end to end: tour, menus, balance card, warnings, reset, languages."""

from __future__ import annotations

import itertools
from typing import Any

from core.accounts import ledger, users
from core.delivery.effects import Effects
from core.experience.router import welcome as show_welcome
from core.jobs.processed import Source
from core.platform import bot_settings
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as ADMIN
from core.relay import low_credit
from tests import builders
from tests.builders import BOT, DATE, MARIA, Person
from tests.harness import System
from workers.runtime import apply_once

ADA = Person(555000111, "Ada", "Lovelace", "ada_l", "en")
_keys = itertools.count(1)


async def _user(system: System, person: Person = ADA) -> Any:
    return await system.pool.fetchrow("SELECT * FROM users WHERE telegram_id = $1", person.id)


async def _last(system: System, person: Person = ADA) -> dict[str, Any]:
    return (await system.sent(person.id))[-1]


def _data(message: dict[str, Any]) -> list[str]:
    markup = message["reply_markup"] or {"inline_keyboard": []}
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


def tap(
    person: Person, message: dict[str, Any] | None, data: str, *, accessible: bool = True
) -> dict[str, Any]:
    """A button press on a message the bot sent (``message=None``: on one Telegram no longer shows)."""
    update = builders.callback(person, data)
    shown = update["callback_query"]["message"]
    if message is not None:
        shown["message_id"] = message["message_id"]
    if not accessible:
        update["callback_query"]["message"] = {"message_id": shown["message_id"], "date": 0,
                                               "chat": person.as_private_chat()}
    else:
        shown.update({"from": BOT, "date": DATE})
    return update


async def _answer(system: System, update: dict[str, Any]) -> str | None:
    query_id = update["callback_query"]["id"]
    [answer] = [a for a in await system.model.query_answers() if a.query_id == query_id]
    return answer.text


async def _run(system: System, effects: Any) -> None:
    assert system.container is not None
    await apply_once(system.container, Source.INTERNAL, f"test:{next(_keys)}", effects)
    await system.drain_scheduled()


async def test_tour_resumes_where_it_was_left_and_grants_the_bonus_once(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"), builders.private_text(ADA, "/tutorial"))
    step1 = await _last(system)
    assert step1["text"].startswith("Step 1/3 · Messages and credits")
    assert _data(step1) == ["tut:2", "tut:skip"]

    await system.write(tap(ADA, step1, "tut:2"))
    edited = await _last(system)
    assert edited["message_id"] == step1["message_id"]  # the same message, edited
    assert edited["text"].startswith("Step 2/3 · Buying credits")
    assert (await _user(system))["tutorial_step"] == 2

    # Left and come back: /tutorial resumes at step 2, in a new message.
    await system.write(builders.private_text(ADA, "/tutorial"))
    resumed = await _last(system)
    assert resumed["message_id"] != step1["message_id"]
    assert resumed["text"].startswith("Step 2/3")

    await system.write(tap(ADA, resumed, "tut:3"), tap(ADA, resumed, "tut:done"))
    done = await _last(system)
    assert done["text"] == "🎉 Tour finished! You got 2 bonus credits."
    assert "menu:balance" in _data(done)
    user = await _user(system)
    assert (user["credits"], user["tutorial_completed"], user["tutorial_bonus_granted"]) == (5, True, True)

    # Finishing again, from the older message, grants nothing and says why.
    again = tap(ADA, step1, "tut:done")
    await system.write(again)
    assert await _answer(system, again) == "You already received the tour bonus."
    bonus = await system.pool.fetch("SELECT delta, idempotency_key FROM credit_ledger"
                                    " WHERE reason = 'tutorial_bonus'")
    assert [(r["delta"], r["idempotency_key"]) for r in bonus] == [(2, f"tutorial_bonus:{user['id']}")]
    assert (await _user(system))["credits"] == 5


async def test_skipping_the_tour_shows_the_main_menu(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"), builders.private_text(ADA, "/tutorial"))
    step1 = await _last(system)
    skip = tap(ADA, step1, "tut:skip")
    await system.write(skip)
    menu = await _last(system)
    assert menu["message_id"] == step1["message_id"]
    assert menu["text"].startswith("Menu\nBalance: 3 credits · one message costs 1 credit.")
    assert _data(menu) == ["menu:balance", "menu:buy", "menu:history", "menu:billing", "menu:help",
                           "menu:language"]
    assert await _answer(system, skip) == "You can take the tour any time with /tutorial."
    user = await _user(system)
    assert (user["tutorial_completed"], user["credits"]) == (False, 3)


async def test_welcome_offers_the_tour_until_it_is_finished(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"))
    user = await users.get(system.pool, (await _user(system))["id"])
    assert user is not None

    async def welcome(tx: Effects) -> None:
        await show_welcome(tx, await bot_settings.load(tx.conn), user, new=True, credits=3)

    await _run(system, welcome)
    greeting = await _last(system)
    assert greeting["text"].startswith("Welcome, Ada Lovelace!")
    assert "get 2 free credits at the end" in greeting["text"]
    assert _data(greeting) == ["tut:start", "menu:open"]

    await system.write(tap(ADA, greeting, "tut:start"))
    step1 = await _last(system)
    assert step1["message_id"] != greeting["message_id"]  # the welcome stays as it was
    await system.write(tap(ADA, step1, "tut:2"))
    await _run(system, welcome)
    back = await _last(system)
    assert back["reply_markup"]["inline_keyboard"][0][0]["text"] == "▶️ Continue the tour (2/3)"


async def test_balance_card_shows_usage_advice_and_is_edited_in_place(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"),
                 builders.private_text(ADA, "one"), builders.private_text(ADA, "two"),
                 builders.private_text(ADA, "/balance"))
    card = await _last(system)
    lines = card["text"].split("\n")
    assert lines[0] == "Your balance"
    assert lines[1] == "🟥🟥🟥🟥⬜⬜⬜⬜⬜⬜  1 credit"
    assert "You send about 2 messages a day; at that pace your credits last less than a day." in card["text"]
    assert "Best fit for you: 100 credits for $29.99, enough for about 50 days at your pace." in card["text"]
    assert "40% less per credit than the pack of 10 credits: you save $19.91." in card["text"]
    assert _data(card) == ["bal:refresh", "menu:buy", "menu:main"]
    count = len(await system.sent(ADA.id))

    refresh = tap(ADA, card, "bal:refresh")
    await system.write(refresh)
    assert await _answer(system, refresh) == "Balance updated"
    await system.write(tap(ADA, card, "menu:main"))
    assert (await _last(system))["text"].startswith("Menu\nBalance: 1 credit")
    await system.write(tap(ADA, card, "menu:balance"), tap(ADA, card, "menu:help"))
    shown = await _last(system)
    assert shown["text"].startswith("How it works")
    assert len(await system.sent(ADA.id)) == count  # every tap edited the one card
    assert shown["message_id"] == card["message_id"]


async def test_buttons_from_stale_messages_are_answered_with_a_notice(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"), builders.private_text(ADA, "/menu"))
    menu = await _last(system)
    count = len(await system.sent(ADA.id))

    unknown = tap(ADA, menu, "feature_removed_long_ago:7")
    no_data = tap(ADA, menu, "tut:9")
    gone_language = tap(ADA, menu, "lang:xx")
    await system.write(unknown, no_data, gone_language)
    assert await _answer(system, unknown) == "This button is no longer active. Send /menu to continue."
    assert await _answer(system, no_data) == "This button is no longer active. Send /menu to continue."
    assert await _answer(system, gone_language) == (
        "This language is not available. Send /language to choose another one.")
    assert len(await system.sent(ADA.id)) == count
    assert (await _last(system))["text"] == menu["text"]

    # A button on a message Telegram no longer shows us: the screen comes as a new message.
    old = tap(ADA, None, "menu:balance", accessible=False)
    await system.write(old)
    assert len(await system.sent(ADA.id)) == count + 1
    assert (await _last(system))["text"].startswith("Your balance")
    assert await _answer(system, old) is None


async def test_low_credit_warning_is_sent_once_per_period(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"))
    user_id = (await _user(system))["id"]
    outcomes: list[bool] = []

    async def debit(tx: Effects) -> None:
        cfg = await bot_settings.load(tx.conn)
        before = (await ledger.lock_balance(tx.conn, user_id)).credits
        change = await ledger.apply(tx.conn, user_id, -1, reason="message", key=f"test-debit:{next(_keys)}")
        assert change.balance is not None
        outcomes.append(await low_credit.after_debit(tx, cfg, user_id, change.balance, None, before=before))

    async def top_up(tx: Effects) -> None:
        await ledger.apply(tx.conn, user_id, 3, reason="gift", key=f"test-gift:{next(_keys)}")

    await _run(system, debit)  # 3 -> 2: at the threshold, not below it
    await _run(system, debit)  # 2 -> 1: below it
    warning = await _last(system)
    assert warning["text"] == (
        "⚠️ Only 1 credit left. Top up now so your next messages go through without waiting.")
    assert _data(warning) == ["menu:buy"]
    await _run(system, debit)  # 1 -> 0: below already, no crossing
    await _run(system, top_up)  # 0 -> 3
    await _run(system, debit)  # 3 -> 2
    await _run(system, debit)  # 2 -> 1: crosses again, but within the period
    assert outcomes == [False, True, False, False, False]

    await system.pool.execute("UPDATE users SET last_low_credit_warning_at = now() - interval '25 hours'")
    await _run(system, top_up)  # 1 -> 4
    await _run(system, debit)  # 4 -> 3
    await _run(system, debit)  # 3 -> 2
    await _run(system, debit)  # 2 -> 1: crosses, a day later
    assert outcomes[5:] == [False, False, True]
    warnings = [m for m in await system.sent(ADA.id) if (m["text"] or "").startswith("⚠️")]
    assert len(warnings) == 2


async def test_reset_is_refused_while_disabled(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"), builders.private_text(ADA, "hi"),
                 builders.private_text(ADA, "/reset"))
    assert (await _last(system))["text"] == "Resetting an account is turned off on this bot."
    assert (await _user(system))["credits"] == 2
    assert await system.pool.fetchval("SELECT count(*) FROM account_resets") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM messages") == 1  # /reset was not relayed


async def test_reset_restores_the_signup_balance_without_deleting_history(system: System) -> None:
    await system.pool.execute("UPDATE bot_settings SET value = 'true' WHERE key = 'reset_enabled'")
    await system.write(builders.private_text(ADA, "/start"),
                 *[builders.private_text(ADA, f"m{i}") for i in range(5)],
                 builders.private_text(ADA, "/tutorial"))
    await system.write(tap(ADA, await _last(system), "tut:2"))
    assert (await _user(system))["credits"] == 0
    ledger_before = await system.pool.fetchval("SELECT count(*) FROM credit_ledger")

    reset = builders.private_text(ADA, "/reset")
    await system.write(reset, reset)  # delivered twice: reset once
    said = await _last(system)
    assert said["text"].startswith("♻️ Your account was reset for testing: your balance is 3 credits")
    assert "2 saved messages were discarded." in said["text"]
    assert _data(said) == ["tut:start"]

    user = await _user(system)
    assert (user["credits"], user["tutorial_step"], user["tutorial_completed"]) == (3, 0, False)
    rows = await system.pool.fetch("SELECT reason, delta, idempotency_key FROM credit_ledger ORDER BY id")
    assert len(rows) == ledger_before + 1
    assert (rows[-1]["reason"], rows[-1]["delta"]) == ("reset", 3)
    assert rows[-1]["idempotency_key"] == f"reset:{user['id']}:telegram:{reset['update_id']}"
    statuses = [r["status"] for r in await system.pool.fetch("SELECT status FROM messages ORDER BY id")]
    assert statuses == ["relayed"] * 3 + ["refused"] * 2
    record = await system.pool.fetchrow("SELECT * FROM account_resets")
    assert (record["credits_before"], record["credits_after"], record["held_refused"],
            record["tutorial_step"]) == (0, 3, 2, 2)

    # At the signup balance already: recorded, no ledger row without a change.
    await system.write(builders.private_text(ADA, "/reset"))
    assert await system.pool.fetchval("SELECT count(*) FROM account_resets") == 2
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger") == ledger_before + 1


async def test_hostile_names_never_break_a_message(system: System) -> None:
    hostile = Person(555000222, '<b>Zoë</b> & "Al" *_x_*', "Иван 李 مرحبا </i>", "zoe_x", "uk")
    await system.write(builders.private_text(hostile, "/start"), builders.private_text(hostile, "hello"),
                 builders.private_text(hostile, "/menu"), builders.private_text(hostile, "/balance"))
    sent = await system.sent(hostile.id)
    assert '<b>Zoë</b> & "Al" *_x_* Иван 李 مرحبا </i>!' in sent[0]["text"]
    assert sent[-2]["text"].startswith("Меню")
    assert sent[-1]["text"].startswith("Ваш баланс")
    summary = next(m for m in await system.sent(ADMIN) if m["thread_id"] and m["kind"] != "service")
    assert summary["text"].startswith('👤 <b>Zoë</b> & "Al" *_x_* Иван 李 مرحبا </i> (@zoe_x)')
    failed = await system.pool.fetchval("SELECT count(*) FROM outbox WHERE status = 'failed'")
    assert failed == 0


async def test_operator_welcome_text_per_language(system: System) -> None:
    await system.pool.execute(
        "UPDATE bot_settings SET value = $1 WHERE key = 'welcome_text'",
        {"pt": "Olá {name}! Escreva à vontade <3"},
    )
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(ADA, "/start"))
    for person in (MARIA, ADA):
        user = await users.get(system.pool, (await _user(system, person))["id"])
        assert user is not None

        async def welcome(tx: Effects, user: users.User = user) -> None:
            await show_welcome(tx, await bot_settings.load(tx.conn), user, new=True, credits=3)

        await _run(system, welcome)
    greeting = (await _last(system, MARIA))["text"]
    assert greeting.startswith("Olá Maria Silva! Escreva à vontade <3\n\nSaldo: 3")
    assert (await _last(system, ADA))["text"].startswith("Welcome, Ada Lovelace!")


async def test_language_follows_telegram_and_can_be_changed(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "/menu"))
    menu = await _last(system, MARIA)
    assert menu["text"].startswith("Menu\nSaldo: 3 créditos · cada mensagem custa 1 crédito.")
    assert menu["reply_markup"]["inline_keyboard"][0][0]["text"] == "💰 Saldo"

    await system.write(builders.private_text(MARIA, "/language"))
    picker = await _last(system, MARIA)
    assert picker["text"] == "🌐 Escolha seu idioma:"
    labels = [b["text"] for row in picker["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["English", "✓ Português", "Español", "Українська"]

    await system.write(tap(MARIA, picker, "lang:es"))
    chosen = await _last(system, MARIA)
    assert (chosen["message_id"], chosen["text"]) == (picker["message_id"], "✓ Ahora el bot habla español.")
    assert (await _user(system, MARIA))["language"] == "es"

    await system.write(builders.private_text(MARIA, "/balance"))
    assert (await _last(system, MARIA))["text"].startswith("Tu saldo")
    await system.write(builders.private_text(MARIA, "/menu"))
    assert (await _last(system, MARIA))["text"].startswith("Menú\nSaldo: 3 créditos")
    # Telegram's language no longer decides once the user chose.
    assert (await _user(system, MARIA))["language_code"] == "pt-br"


async def test_menu_buttons_of_payments_point_to_their_command_when_unhandled(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"), builders.private_text(ADA, "/menu"))
    menu = await _last(system)
    billing = tap(ADA, menu, "menu:billing")
    await system.write(billing)
    answer = await _answer(system, billing)
    # Payments may answer this button itself; otherwise the answer names the command.
    assert answer is None or answer == "Send /billing for your receipts and saved card."


async def test_start_welcomes_in_the_users_language_and_offers_the_tour(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    [welcome] = await system.sent(MARIA.id)
    assert welcome["text"].startswith("Boas-vindas, Maria Silva!")
    assert "Faça o tour de 1 minuto e ganhe 2 créditos grátis no final." in welcome["text"]
    assert _data(welcome) == ["tut:start", "menu:open"]
    await system.write(tap(MARIA, welcome, "tut:start"), builders.private_text(MARIA, "/help"))
    sent = await system.sent(MARIA.id)
    assert sent[1]["text"].startswith("Passo 1/3 · Mensagens e créditos")
    assert sent[2]["text"].startswith("Como funciona")


async def test_a_debit_below_the_threshold_warns_once(system: System) -> None:
    await system.write(builders.private_text(ADA, "/start"))
    for i in range(3):  # one at a time: each is relayed on its own
        await system.write(builders.private_text(ADA, f"m{i}"))
    texts = [m["text"] for m in await system.sent(ADA.id)]
    warnings = [t for t in texts if t.startswith("⚠️")]
    assert warnings == ["⚠️ Only 1 credit left. Top up now so your next messages go through without waiting."]
    # The warning follows the confirmation of the relay that crossed the threshold.
    assert texts[-3:] == ["✓ Message delivered · 1 credit left", warnings[0],
                          "✓ Message delivered · 0 credits left"]
    assert (await _user(system))["last_low_credit_warning_at"] is not None


async def test_a_burst_relayed_at_once_warns_after_its_confirmation_with_the_same_balance(
    system: System,
) -> None:
    await system.write(builders.private_text(ADA, "/start"),
                       *[builders.private_text(ADA, f"m{i}") for i in range(3)])
    sent = await system.sent(ADA.id)
    texts = [m["text"] for m in sent]
    assert [t for t in texts if t.startswith("⚠️")] == [
        "⚠️ You are out of credits. New messages are saved and sent as soon as you top up."]
    assert texts[-2:] == ["✓ 3 messages delivered · 0 credits left", texts[-1]]
    assert texts[-1].startswith("⚠️")
    assert _data(sent[-1]) == ["menu:buy"]
