"""⚙️ Settings in the control center: every setting listed with its value, changed through
buttons, a typed answer or ``/set``, always as before → after with a Confirm that works
once, audited, refused to roles without the right, and in force at the next update."""

from __future__ import annotations

from typing import Any

from tests import builders
from tests.acceptance.admin_kit import buttons as _buttons
from tests.acceptance.admin_kit import say as _say
from tests.acceptance.admin_kit import screen as _screen
from tests.builders import MARIA, OWNER, Person
from tests.harness import System

AGENT = Person(2_000_000_001, "Alex", "Agent", "alex_agent", "en")
ANALYST = Person(2_000_000_002, "Ana", "Lyst", "ana_lyst", "en")
ADMIN = Person(2_000_000_003, "Adam", "Min", "adam_min", "en")
JOAO = Person(2_000_000_010, "João", "Costa", "joao_c", "pt-br")
ISOLATE = ("\u2068", "\u2069")


async def _press(system: System, person: Person, sent: dict[str, Any],
                 label: str) -> tuple[str | None, dict[str, Any]]:
    """Press the button labelled ``label`` on ``sent``: the press's notice and the screen after it."""
    update = builders.press(person, sent, _buttons(sent)[label])
    await system.write(update)
    answers = {a.query_id: a for a in await system.model.query_answers()}
    return answers[update["callback_query"]["id"]].text, await _screen(system, person, sent["message_id"])


async def _value(system: System, key: str) -> Any:
    return await system.pool.fetchval("SELECT value FROM bot_settings WHERE key = $1", key)


async def _audit(system: System) -> list[tuple[int, str, str, Any, Any]]:
    rows = await system.pool.fetch(
        "SELECT operator_id, action, target, before, after FROM admin_audit ORDER BY id")
    return [(r["operator_id"], r["action"], r["target"], r["before"], r["after"]) for r in rows]


async def _table(system: System) -> list[tuple[str, Any, Any]]:
    rows = await system.pool.fetch("SELECT key, value, updated_by FROM bot_settings ORDER BY key")
    return [(r["key"], r["value"], r["updated_by"]) for r in rows]


async def test_the_list_shows_every_setting_by_group_with_its_value_on_three_pages(system: System) -> None:
    first = await _say(system, OWNER, "/settings")
    assert first["text"].startswith("⚙️ Settings · 20 settings · page 1/3")
    assert "\n\n🔀 Features\n• Stripe card payments (stripe_enabled): ✅ on\n" in first["text"]
    assert "• Telegram Stars payments (stars_enabled): ✅ on" in first["text"]
    assert "• Self-service /reset (reset_enabled): ⛔ off" in first["text"]
    assert "• Low-credit warning at most every (low_credit_warning_hours): 24 hours" in first["text"]
    assert "• Messages per minute (messages_per_minute): 120 messages" in first["text"]
    assert "• Messages waiting for credits (max_held_messages): 100 messages" in first["text"]
    assert len([b for b in _buttons(first) if b not in ("◀️", "▶️", "1/3", "⬅️ Back", "🏠 Home")]) == 8
    _, second = await _press(system, OWNER, first, "▶️")
    assert second["text"].startswith("⚙️ Settings · 20 settings · page 2/3")
    assert "\n\n💳 Credits\n• Announce credits taken (announce_credit_takes): ✅ on\n" in second["text"]
    assert "• Message cost (message_cost): 1 credit" in second["text"]
    assert "• Mass gift cap (mass_gift_cap): 100,000 credits" in second["text"]
    assert "• Welcome text (welcome_text): built-in in every language" in second["text"]
    assert list(_buttons(second)) == ["Announce credits taken", "Message cost", "Signup credits",
                                      "Mass gift cap", "Time zone", "Welcome text", "Terms (/terms)",
                                      "Payment support (/paysupport)", "◀️", "2/3", "▶️", "🏠 Home"]
    _, third = await _press(system, OWNER, second, "▶️")
    assert third["text"].startswith("⚙️ Settings · 20 settings · page 3/3")
    assert "📝 Texts" in third["text"]
    assert "\n\n💬 Desk\n• First-response SLA (first_response_minutes): 15 minutes\n" in third["text"]
    assert f"• Internal note prefix (note_prefix): “{ISOLATE[0]}//{ISOLATE[1]}”" in third["text"]
    assert "low_balance_buttons" not in first["text"] + second["text"] + third["text"]
    assert list(_buttons(third)) == ["Internal note prefix", "First-response SLA", "Status in topic titles",
                                     "Signed replies", "◀️", "3/3", "🏠 Home"]
    _, back = await _press(system, OWNER, third, "◀️")
    assert back["text"] == second["text"]

    # Home's ⚙️ Settings button opens the same list.
    home = await _say(system, OWNER, "/admin")
    _, opened = await _press(system, OWNER, home, "⚙️ Settings")
    assert opened["text"].startswith("⚙️ Settings · 20 settings")


async def test_stars_switched_off_with_buttons_and_buy_stops_offering_them(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    listing = await _say(system, OWNER, "/settings")
    _, detail = await _press(system, OWNER, listing, "Telegram Stars payments")
    assert "Type: on or off" in detail["text"]
    assert "Default: ✅ on\nNow: ✅ on\n" in detail["text"]
    assert "Never changed here." in detail["text"]
    assert "• ✅ On" in _buttons(detail)

    notice, proposal = await _press(system, OWNER, detail, "⛔ Off")
    assert notice is None
    assert "Change Telegram Stars payments?" in proposal["text"]
    assert "✅ on → ⛔ off" in proposal["text"]
    assert await _value(system, "stars_enabled") is True  # nothing yet: it waits for Confirm

    notice, saved = await _press(system, OWNER, proposal, "✅ Confirm")
    assert notice == "Saved."
    assert saved["text"].startswith("✅ Saved: ✅ on → ⛔ off.")
    # The owner never wrote to the bot as a user: no name to show but the id.
    assert "Now: ⛔ off\nLast changed just now by 1000001." in saved["text"]
    row = await system.pool.fetchrow("SELECT value, updated_by, updated_at FROM bot_settings"
                                     " WHERE key = 'stars_enabled'")
    assert (row["value"], row["updated_by"]) == (False, OWNER.id)

    # The confirmation works once, however often it is pressed.
    again = builders.press(OWNER, proposal, _buttons(proposal)["✅ Confirm"])
    await system.write(again)
    answers = {a.query_id: a.text for a in await system.model.query_answers()}
    assert answers[again["callback_query"]["id"]] == "Already done."
    assert await _audit(system) == [
        (OWNER.id, "setting.change", "stars_enabled", {"value": True}, {"value": False})]

    # In force at the user's next update: the catalog offers cards only.
    await system.write(builders.private_text(MARIA, "/buy"))
    catalog = (await system.sent(MARIA.id))[-1]
    data = [b["callback_data"] for row in catalog["reply_markup"]["inline_keyboard"] for b in row]
    assert data
    assert all(d.startswith("pay:stripe:") for d in data)


async def test_message_cost_asked_by_a_question_then_charged_at_the_next_message(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    detail = await _say(system, OWNER, "/settings message_cost")
    assert "Type: a whole number of credits from 0 to 1,000 (0: messages are free)" in detail["text"]
    _, question = await _press(system, OWNER, detail, "✏️ Change…")
    assert "Send the new value: a whole number of credits from 0 to 1,000" in question["text"]

    # Typos are refused with the reason, change nothing, and the question stays open.
    for typed, reason in (("two", "“two” is not a whole number: write digits only, e.g. 1."),
                          ("5000", "Message cost is between 0 and 1,000; 5000 is out of range."),
                          ("-1", "Message cost is between 0 and 1,000; -1 is out of range.")):
        refusal = await _say(system, OWNER, typed)
        assert refusal["text"] == f"{reason} Nothing was changed: send another value, or /cancel."
    assert await _value(system, "message_cost") == 1
    assert await system.pool.fetchval("SELECT count(*) FROM admin_confirmations") == 0

    await system.write(builders.private_text(OWNER, "2"))
    proposal = await _screen(system, OWNER, question["message_id"])  # the question's screen, in place
    assert "1 credit → 2 credits" in proposal["text"]
    notice, _ = await _press(system, OWNER, proposal, "✅ Confirm")
    assert notice == "Saved."
    assert await _value(system, "message_cost") == 2
    assert await system.pool.fetchval("SELECT count(*) FROM messages") == 0  # the answers were not relayed

    # In force at the user's next message, wherever it is processed.
    await system.write(builders.private_text(MARIA, "hello"))
    deltas = await system.pool.fetch("SELECT delta FROM credit_ledger WHERE reason = 'message'")
    assert [r["delta"] for r in deltas] == [-2]


async def test_set_changes_each_type_after_its_confirmation(system: System) -> None:
    proposal = await _say(system, OWNER, "/set reset_enabled on")
    assert "⛔ off → ✅ on" in proposal["text"]
    assert (await _press(system, OWNER, proposal, "✅ Confirm"))[0] == "Saved."

    proposal = await _say(system, OWNER, "/set signup_credits 10")
    assert "3 credits → 10 credits" in proposal["text"]
    assert (await _press(system, OWNER, proposal, "✅ Confirm"))[0] == "Saved."

    proposal = await _say(system, OWNER, "/set note_prefix !!")
    assert f"“{ISOLATE[0]}//{ISOLATE[1]}” → “{ISOLATE[0]}!!{ISOLATE[1]}”" in proposal["text"]
    assert (await _press(system, OWNER, proposal, "✅ Confirm"))[0] == "Saved."

    proposal = await _say(system, OWNER, "/set message_cost default")
    assert "nothing to change" in proposal["text"]
    assert not any("Confirm" in b for b in _buttons(proposal))

    assert await _value(system, "reset_enabled") is True
    assert await _value(system, "signup_credits") == 10
    assert await _value(system, "note_prefix") == "!!"
    assert [(a[2], a[3], a[4]) for a in await _audit(system)] == [
        ("reset_enabled", {"value": False}, {"value": True}),
        ("signup_credits", {"value": 3}, {"value": 10}),
        ("note_prefix", {"value": "//"}, {"value": "!!"})]

    # A new user gets the new signup credits; /set … default brings a default back.
    await system.write(builders.private_text(MARIA, "/start"))
    assert await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", MARIA.id) == 10
    proposal = await _say(system, OWNER, "/set signup_credits default")
    assert "10 credits → 3 credits" in proposal["text"]


async def test_texts_are_previewed_escaped_and_stored_as_typed(system: System) -> None:
    typed = "Our <b>rules</b> & fees 🙂 — שלום עולם"
    proposal = await _say(system, OWNER, f"/set terms_text {typed}")
    # Escaped on the screen: the tags arrive as text, not as formatting.
    assert f"built-in text → “{ISOLATE[0]}{typed}{ISOLATE[1]}”" in proposal["text"]
    assert f"As users will see it (en):\n{typed}\n" in proposal["text"]
    assert (await _press(system, OWNER, proposal, "✅ Confirm"))[0] == "Saved."
    assert await _value(system, "terms_text") == typed
    await system.write(builders.private_text(MARIA, "/terms"))
    assert (await system.sent(MARIA.id))[-1]["text"] == typed

    # A welcome per language, with its placeholder filled in the preview.
    proposal = await _say(system, OWNER, "/set welcome_text pt Olá {name}! <i>Bem-vindo</i> & até já 👋")
    assert "As users will see it (pt):\nOlá Maria Silva! <i>Bem-vindo</i> & até já 👋" in proposal["text"]
    assert (await _press(system, OWNER, proposal, "✅ Confirm"))[0] == "Saved."
    assert await _value(system, "welcome_text") == {"pt": "Olá {name}! <i>Bem-vindo</i> & até já 👋"}
    await system.write(builders.private_text(JOAO, "/start"))  # a new user whose Telegram speaks pt-br
    welcome = (await system.sent(JOAO.id))[0]
    assert welcome["text"].startswith("Olá João Costa! <i>Bem-vindo</i> & até já 👋\n\n")

    # The language's screen clears it again; the other languages never had one.
    overview = await _say(system, OWNER, "/settings welcome_text")
    assert "Now: custom in pt" in overview["text"]
    assert list(_buttons(overview))[:4] == ["en · built-in", "pt · custom", "es · built-in", "uk · built-in"]
    _, language = await _press(system, OWNER, overview, "pt · custom")
    assert "Olá Maria Silva! <i>Bem-vindo</i>" in language["text"]
    _, proposal = await _press(system, OWNER, language, "🗑 Clear (built-in)")
    assert "→ the built-in welcome" in proposal["text"]
    assert "As users will see it (pt):\nBoas-vindas, Maria Silva!" in proposal["text"]
    assert (await _press(system, OWNER, proposal, "✅ Confirm"))[0] == "Saved."
    assert await _value(system, "welcome_text") == {}
    assert [(a[2], a[3], a[4]) for a in await _audit(system)][-2:] == [
        ("welcome_text", {"lang": "pt", "value": None},
         {"lang": "pt", "value": "Olá {name}! <i>Bem-vindo</i> & até já 👋"}),
        ("welcome_text", {"lang": "pt", "value": "Olá {name}! <i>Bem-vindo</i> & até já 👋"},
         {"lang": "pt", "value": None})]


async def test_refusals_name_the_problem_and_change_nothing(system: System) -> None:
    table = await _table(system)
    long_terms = "x" * 2999 + "🙂"  # 3,001 as Telegram counts
    nothing = " Nothing was changed."
    cases = {
        "/set mesage_cost 2": ("Unknown setting “mesage_cost”. Did you mean message_cost?"
                               " /settings lists them all."),
        "/set message_cost two": "“two” is not a whole number: write digits only, e.g. 1." + nothing,
        "/set message_cost 1001": "Message cost is between 0 and 1,000; 1001 is out of range." + nothing,
        "/set signup_credits 10001": (
            "Signup credits is between 0 and 10,000; 10001 is out of range." + nothing),
        "/set stars_enabled maybe": "“maybe” is not on or off: write on or off (true or false)." + nothing,
        "/set welcome_text xx Hi": ("“xx” is not a language of the bot: write one of en, pt, es, uk. Usage:"
                                    " /set welcome_text <language> <text>."),
        "/set welcome_text pt Olá {nome} {name}": (
            "Unknown placeholder {nome}: Welcome text may use {name} only." + nothing),
        "/set terms_text Hi {name}": (
            "Unknown placeholder {name}: Terms (/terms) has no placeholders; leave out the braces."
            + nothing),
        f"/set terms_text {long_terms}": ("Terms (/terms) is at most 3,000 characters; this one has 3,001"
                                          " (an emoji counts as two)." + nothing),
        "/set note_prefix ab": ("Internal note prefix may not contain letters, digits or spaces (an ordinary"
                                " reply could start with it): use symbols such as // or !!." + nothing),
        "/set low_balance_buttons false": (
            "low_balance_buttons is in the table but nothing in this version reads it (seeded in 0006 for the"
            " buy buttons under the low-balance notice, which are always shown), so it is not offered here."),
        "/set message_cost 1": "Message cost is 1 credit already: nothing to change.",
    }
    for command, answer in cases.items():
        said = await _say(system, OWNER, command)
        assert said["text"].split("\n\n")[0] == answer, command
    assert await _table(system) == table
    assert await _audit(system) == []
    assert await system.pool.fetchval("SELECT count(*) FROM admin_confirmations") == 0


async def test_set_alone_explains_itself_and_lists_every_key(system: System) -> None:
    usage = await _say(system, OWNER, "/set")
    assert usage["text"].startswith("⚙️ /set\nType /set <key> <value>")
    for key in ("stripe_enabled", "stars_enabled", "reset_enabled", "tutorial_bonus_credits",
                "low_credit_threshold", "low_credit_warning_hours", "message_cost", "signup_credits",
                "welcome_text", "terms_text", "paysupport_text", "note_prefix", "messages_per_minute",
                "max_held_messages"):
        assert f"• {key}: " in usage["text"], key
    assert "• message_cost: a whole number of credits from 0 to 1,000 (0: messages are free)" in usage["text"]
    _, listing = await _press(system, OWNER, usage, "⬅️ Back")
    assert listing["text"].startswith("⚙️ Settings · 20 settings · page 1/3")


async def test_only_owners_and_admins_change_settings(system: System) -> None:
    for person in (AGENT, ANALYST, ADMIN):
        await system.write(builders.private_text(person, "/start"))
    for person, role in ((AGENT, "agent"), (ANALYST, "analyst"), (ADMIN, "admin")):
        await _say(system, OWNER, f"/operator add {person.id} {role}")
    table = await _table(system)

    refused = await _say(system, AGENT, "/set message_cost 5")
    assert refused["text"] == "🚫 Not allowed for your role (agent)."
    assert (await _say(system, ANALYST, "/settings"))["text"] == "🚫 Not allowed for your role (analyst)."
    # Buttons of the owner's screens, forwarded or forged, do no more.
    detail = await _say(system, OWNER, "/settings stars_enabled")
    flip = builders.press(AGENT, detail, _buttons(detail)["⛔ Off"])
    proposal = await _say(system, OWNER, "/set message_cost 5")
    confirm = builders.press(AGENT, proposal, _buttons(proposal)["✅ Confirm"])
    await system.write(flip, confirm)
    answers = {a.query_id: a.text for a in await system.model.query_answers()}
    assert answers[flip["callback_query"]["id"]] == "🚫 Not allowed for your role (agent)."
    assert answers[confirm["callback_query"]["id"]] == "Only the operator who asked can confirm this."
    assert await _table(system) == table

    # An admin may.
    proposal = await _say(system, ADMIN, "/set tutorial_bonus_credits 0")
    assert "2 credits → 0 credits (no bonus)" in proposal["text"]
    assert (await _press(system, ADMIN, proposal, "✅ Confirm"))[0] == "Saved."
    assert await _value(system, "tutorial_bonus_credits") == 0
    assert (await _audit(system))[-1] == (ADMIN.id, "setting.change", "tutorial_bonus_credits",
                                          {"value": 2}, {"value": 0})

    # A role taken away between the proposal and the press: the press is refused.
    proposal = await _say(system, ADMIN, "/set tutorial_bonus_credits 4")
    await _say(system, OWNER, f"/operator add {ADMIN.id} agent")
    assert (await _press(system, ADMIN, proposal, "✅ Confirm"))[0] == "🚫 Not allowed for your role (agent)."
    assert await _value(system, "tutorial_bonus_credits") == 0


async def test_a_confirmation_older_than_the_value_is_refused(system: System) -> None:
    first = await _say(system, OWNER, "/set low_credit_threshold 5")
    second = await _say(system, OWNER, "/set low_credit_threshold 7")
    assert (await _press(system, OWNER, second, "✅ Confirm"))[0] == "Saved."
    notice, screen = await _press(system, OWNER, first, "✅ Confirm")
    assert notice == "Changed meanwhile: nothing was saved."
    assert screen["text"].startswith("⚠️ Low-credit warning below changed meanwhile (now 7 credits)")
    assert await _value(system, "low_credit_threshold") == 7
    assert len(await _audit(system)) == 1


async def test_a_feature_switched_off_by_its_zero(system: System) -> None:
    detail = await _say(system, OWNER, "/settings low_credit_threshold")
    _, proposal = await _press(system, OWNER, detail, "⛔ Off (never warn)")
    assert "2 credits → 0 credits (never warn)" in proposal["text"]
    _, saved = await _press(system, OWNER, proposal, "✅ Confirm")
    assert "Now: 0 credits (never warn)" in saved["text"]
    assert "↩️ Default (2 credits)" in _buttons(saved)
    assert await _value(system, "low_credit_threshold") == 0


async def test_texts_changed_through_buttons_and_a_typed_answer(system: System) -> None:
    listing = await _say(system, OWNER, "/settings")
    _, texts = await _press(system, OWNER, listing, "▶️")
    _, welcome = await _press(system, OWNER, texts, "Welcome text")
    _, spanish = await _press(system, OWNER, welcome, "es · built-in")
    assert "Now: the built-in welcome" in spanish["text"]
    _, question = await _press(system, OWNER, spanish, "✏️ Change…")
    assert "Send the new value: a text per language, up to 3,000 characters" in question["text"]

    refusal = await _say(system, OWNER, "¡Hola {nombre}!")
    assert refusal["text"].startswith("Unknown placeholder {nombre}")
    await system.write(builders.private_text(OWNER, "¡Hola {name}! 🎉 <3"))
    proposal = await _screen(system, OWNER, question["message_id"])
    # The owner's typed answers made them known to the bot: the preview greets them by name.
    assert "As users will see it (es):\n¡Hola Olga Owner! 🎉 <3" in proposal["text"]
    assert (await _press(system, OWNER, proposal, "✅ Confirm"))[0] == "Saved."
    assert await _value(system, "welcome_text") == {"es": "¡Hola {name}! 🎉 <3"}

    support = await _say(system, OWNER, "/settings paysupport_text")
    _, question = await _press(system, OWNER, support, "✏️ Change…")
    await system.write(builders.private_text(OWNER, "Write to billing@example.com\nor call +1 555 0100"))
    proposal = await _screen(system, OWNER, question["message_id"])
    assert "As users will see it (en):\nWrite to billing@example.com\nor call +1 555 0100" in proposal["text"]
    assert (await _press(system, OWNER, proposal, "✅ Confirm"))[0] == "Saved."
    assert await _value(system, "paysupport_text") == "Write to billing@example.com\nor call +1 555 0100"
    await system.write(builders.private_text(MARIA, "/paysupport"))
    assert (await system.sent(MARIA.id))[-1]["text"] == "Write to billing@example.com\nor call +1 555 0100"
    assert [a[2] for a in await _audit(system)] == ["welcome_text", "paysupport_text"]
