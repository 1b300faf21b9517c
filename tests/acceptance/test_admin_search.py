"""🔍 Search: users by every key, payments by id and amount, messages by words with
escaped snippets and links into their topics, paging, roles, and input that stays inert."""

from __future__ import annotations

from typing import Any

import asyncpg

from core.platform.config import SANDBOX_ADMIN_GROUP_ID as ADMIN
from tests import builders
from tests.builders import MARIA, OWNER, Person
from tests.harness import System

ANALYST = Person(2_000_000_002, "Ana", "Lyst", "ana_lyst", "en")
AGENT = Person(2_000_000_001, "Alex", "Agent", "alex_agent", "en")
STRANGER = Person(2_000_000_099, "Stan", None, "stan_ger", "en")

# Users the searches must tell apart: prefixes, usernames, a Stripe customer.
PEOPLE = [
    # telegram_id, first, last, username, stripe customer
    (700000001, "Maria", "Silva", "maria_s", "cus_MARIA12345"),
    (700000002, "Mario", "Rossi", None, None),
    (700000003, "Ana", "Marques", "ana99", None),
    (700000004, "Omar", "Khan", "omar_k", None),
    (700000005, "Lena", "Smart", "lsmart", None),
]


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b.get("callback_data", "") for row in (message["reply_markup"] or {}).get(
        "inline_keyboard", []) for b in row}


async def _say(system: System, person: Person, text: str) -> dict[str, Any]:
    await system.write(builders.private_text(person, text))
    return (await system.sent(person.id))[-1]


async def _press(system: System, person: Person, sent: dict[str, Any], data: str) -> str | None:
    update = builders.press(person, sent, data)
    await system.write(update)
    answers = {a.query_id: a for a in await system.model.query_answers()}
    return answers[update["callback_query"]["id"]].text


async def _screen(system: System, chat_id: int, message_id: int) -> dict[str, Any]:
    return next(m for m in await system.sent(chat_id) if m["message_id"] == message_id)


async def _styled(system: System, sent: dict[str, Any], kind: str) -> list[str]:
    """The parts of a message the bot wrote in ``kind`` (bold, text_link url)."""
    message = await system.model.message(int(sent["chat_id"]), int(sent["message_id"]))
    assert message is not None
    assert message.text is not None
    units = message.text.encode("utf-16-le")
    return [e["url"] if kind == "text_link" else
            units[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in message.entities or () if e["type"] == kind]


async def _people(pool: asyncpg.Pool) -> None:
    for telegram_id, first, last, username, customer in PEOPLE:
        await pool.execute(
            "INSERT INTO users (telegram_id, first_name, last_name, username, stripe_customer_id, credits)"
            " VALUES ($1, $2, $3, $4, $5, 0)", telegram_id, first, last, username, customer)


async def _operators(system: System) -> None:
    for person, role in ((ANALYST, "analyst"), (AGENT, "agent")):
        await system.pool.execute("INSERT INTO operators (telegram_id, role, added_by) VALUES ($1, $2, $3)",
                                  person.id, role, OWNER.id)


def _listed(text: str) -> list[int]:
    """The users a results screen names, by their /user command, in order."""
    return [int(line.split("/user ")[1].split()[0]) for line in text.splitlines() if "/user " in line]


async def test_users_are_found_by_name_prefix_username_id_and_customer(system: System) -> None:
    await _people(system.pool)
    found = await _say(system, OWNER, "/search mar")
    assert "👥 Users: 3" in found["text"]
    # Word prefixes of first, last and user names, newest first; "Omar" does not start with "mar".
    assert _listed(found["text"]) == [700000003, 700000002, 700000001]
    assert _listed((await _say(system, OWNER, "/search mar sil"))["text"]) == [700000001]
    assert _listed((await _say(system, OWNER, "/search @maria_s"))["text"]) == [700000001]
    assert _listed((await _say(system, OWNER, "/search 700000004"))["text"]) == [700000004]
    assert _listed((await _say(system, OWNER, "/search cus_MARIA12345"))["text"]) == [700000001]
    assert _listed((await _say(system, OWNER, "/search smart"))["text"]) == [700000005]
    missing = await _say(system, OWNER, "/search @nobody_here")
    assert "👥 Users: 0" in missing["text"]
    assert "No user has the username @nobody_here" in missing["text"]


async def _payments(pool: asyncpg.Pool) -> None:
    user_id = await pool.fetchval("SELECT id FROM users WHERE telegram_id = 700000001")
    rows = [
        # rail, status, amount, currency, external_id, payment intent, charge, invoice
        ("stripe", "succeeded", 999, "usd", "cs_test_a1b2c3d4e5", "pi_3Nabc123def", "ch_3Nabc123def", None),
        ("stripe", "succeeded", 999, "eur", "cs_test_f6g7h8i9j0", None, None, None),
        ("stripe", "refunded", 2999, "usd", "in_1Qsub0renewal1", None, None, "in_1Qsub0renewal1"),
        ("stars", "succeeded", 500, "XTR", "stxAbCdEfGh123456", None, None, None),
        ("stars", "succeeded", 999, "XTR", "stxZyXwVu987654321", None, None, None),
    ]
    for i, (rail, status, amount, currency, external, intent, charge, invoice) in enumerate(rows):
        await pool.execute(
            "INSERT INTO transactions (user_id, rail, status, amount, currency, external_id, idempotency_key,"
            " stripe_payment_intent, stripe_charge, stripe_invoice, amount_refunded, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() - make_interval(hours => $12))",
            user_id, rail, status, amount, currency, external, f"test:{i}", intent, charge, invoice,
            amount if status == "refunded" else 0, i)


def _payment_refs(text: str) -> list[str]:
    """The provider ids of the payments a screen lists."""
    return [line.split()[0] for line in (ln.strip() for ln in text.splitlines())
            if line.startswith(("cs_", "in_", "stx", "pi_"))]


async def test_payments_are_found_by_each_id_and_by_amount(system: System) -> None:
    await _people(system.pool)
    await _payments(system.pool)
    for typed, expected in (("cs_test_a1b2c3d4e5", ["cs_test_a1b2c3d4e5"]),
                            ("pi_3Nabc123def", ["cs_test_a1b2c3d4e5"]),
                            ("ch_3Nabc123def", ["cs_test_a1b2c3d4e5"]),
                            ("in_1Qsub0renewal1", ["in_1Qsub0renewal1"]),
                            ("stxAbCdEfGh123456", ["stxAbCdEfGh123456"]),
                            ("$9.99", ["cs_test_a1b2c3d4e5"]),
                            ("9,99 €", ["cs_test_f6g7h8i9j0"]),
                            ("9.99", ["cs_test_a1b2c3d4e5", "cs_test_f6g7h8i9j0"]),
                            ("500⭐", ["stxAbCdEfGh123456"]),
                            ("500 stars", ["stxAbCdEfGh123456"]),
                            ("999 xtr", ["stxZyXwVu987654321"])):
        text = (await _say(system, OWNER, f"/search {typed}"))["text"]
        assert f"💳 Payments: {len(expected)}" in text, typed
        assert _payment_refs(text) == expected, typed
        assert "/user 700000001" in text
    refunded = (await _say(system, OWNER, "/search in_1Qsub0renewal1"))["text"]
    assert "$29.99 · refunded ($29.99 refunded) · stripe" in refunded
    whole = (await _say(system, OWNER, "/search cs_test_a1b2"))["text"]
    assert "💳 Payments: 0" in whole
    assert "Ids are matched whole" in whole


async def _conversation(system: System) -> int:
    """Maria writes, an operator answers and leaves a note; the topic's id."""
    await system.write(builders.private_text(MARIA, "/start"),
                       builders.private_text(MARIA, "I want a refund <b>now</b> please & thanks"))
    topic = int(await system.pool.fetchval("SELECT topic_id FROM conversations"))
    await system.write(builders.topic_message(builders.OPERATOR, topic, "We will refund you today"),
                       builders.topic_message(builders.OPERATOR, topic, "// refund approved by Olga"),
                       builders.topic_message(builders.OPERATOR, topic, "Anything else?"))
    return topic


async def test_messages_are_found_with_escaped_snippets_and_links_to_their_topic(system: System) -> None:
    topic = await _conversation(system)
    found = await _say(system, OWNER, "/search refund")
    text = found["text"]
    assert "👥 Users: 0 · 💳 Payments: — · 💬 Messages: 3" in text
    assert "💬 Messages 1–3 of 3 (newest first):" in text
    # What Maria typed is shown as typed: her <b> is text, not formatting.
    assert "I want a refund <b>now</b> please & thanks" in text
    assert "📝 note on Maria Silva (@maria_s)" in text
    assert "📤 to Maria Silva (@maria_s)" in text
    assert "📥 from Maria Silva (@maria_s)" in text
    assert "Anything else?" not in text
    assert await _styled(system, found, "bold") == ["🔍 Search", "refund", "refund", "refund"]
    rows = await system.pool.fetch(
        "SELECT admin_message_id FROM messages WHERE text LIKE '%refund%' ORDER BY id DESC")
    chat = str(ADMIN).removeprefix("-100")
    assert await _styled(system, found, "text_link") == [
        f"https://t.me/c/{chat}/{topic}/{r['admin_message_id']}" for r in rows]
    assert text.count(f"/user {MARIA.id}") == 3
    phrase = await _say(system, OWNER, '/search "refund you"')
    assert "💬 Messages: 1" in phrase["text"]
    assert "We will refund you today" in phrase["text"]
    excluded = await _say(system, OWNER, "/search refund -approved")
    assert "💬 Messages: 2" in excluded["text"]


async def test_messages_are_paged_eight_at_a_time_in_place(system: System) -> None:
    await _people(system.pool)
    await system.pool.execute(
        "INSERT INTO messages (user_id, direction, status, kind, text, created_at)"
        " SELECT u.id, 'in', 'relayed', 'text', 'parcel number ' || n, now() - make_interval(mins => 30 - n)"
        " FROM users u, generate_series(1, 20) AS n WHERE u.telegram_id = 700000002")
    first = await _say(system, OWNER, "/search parcel")
    assert "💬 Messages 1–8 of 20 (newest first):" in first["text"]
    # A search's messages are counted once: the pages are of what it found then.
    await system.pool.execute(
        "INSERT INTO messages (user_id, direction, status, kind, text)"
        " SELECT id, 'in', 'relayed', 'text', 'parcel number 21' FROM users WHERE telegram_id = 700000002")
    assert "parcel number 20" in first["text"]
    assert "parcel number 13" in first["text"]
    assert "parcel number 12" not in first["text"]
    assert "not in a topic" in first["text"]
    pager = _buttons(first)
    assert "1/3" in pager
    assert "◀️" not in pager
    assert await _press(system, OWNER, first, pager["▶️"]) is None
    second = await _screen(system, OWNER.id, first["message_id"])  # edited in place
    assert "💬 Messages 9–16 of 20" in second["text"]
    assert "parcel number 12" in second["text"]
    assert "parcel number 5" in second["text"]
    await _press(system, OWNER, second, _buttons(second)["▶️"])
    third = await _screen(system, OWNER.id, first["message_id"])
    assert "💬 Messages 17–20 of 20" in third["text"]
    assert "▶️" not in _buttons(third)
    await _press(system, OWNER, third, _buttons(third)["• 👥 Users 0".replace("• ", "")])
    users = await _screen(system, OWNER.id, first["message_id"])
    assert "Nothing found." in users["text"]


async def test_analysts_search_users_and_payments_but_not_messages(system: System) -> None:
    await _operators(system)
    await _conversation(system)
    owner_screen = await _say(system, OWNER, "/search refund")
    messages_button = _buttons(owner_screen)["• 💬 Messages 3"]

    analyst_screen = await _say(system, ANALYST, "/search refund")
    assert "💬 Messages: not for your role" in analyst_screen["text"]
    assert "refund <b>now</b>" not in analyst_screen["text"]
    assert not any("Messages" in label for label in _buttons(analyst_screen))
    # A button of someone else's screen does not get around the role.
    assert await _press(system, ANALYST, analyst_screen, messages_button) == (
        "🚫 Not allowed for your role (analyst).")
    assert "💬 Messages: 3" in (await _say(system, AGENT, "/search refund"))["text"]

    await system.write(builders.private_text(STRANGER, "/start"))
    before = await system.sent(STRANGER.id)
    stranger = await _say(system, STRANGER, "/search refund")
    assert stranger["text"] == "Unknown command. Send /help to see what you can do."
    assert len(await system.sent(STRANGER.id)) == len(before) + 1


async def test_the_category_asks_for_a_term_and_shows_results_in_place(system: System) -> None:
    await _people(system.pool)
    home = await _say(system, OWNER, "/admin")
    await _press(system, OWNER, home, _buttons(home)["🔍 Search"])
    prompt = await _screen(system, OWNER.id, home["message_id"])
    assert "Send what to look for" in prompt["text"]
    await system.write(builders.private_text(OWNER, "lena"))
    results = await _screen(system, OWNER.id, home["message_id"])
    assert _listed(results["text"]) == [700000005]
    assert set(_buttons(results)) >= {"⬅️ Back", "🏠 Home"}


async def test_hostile_input_gets_a_specific_answer_and_changes_nothing(system: System) -> None:
    await _people(system.pool)
    await _conversation(system)
    await system.pool.execute(
        "INSERT INTO messages (user_id, direction, status, kind, text)"
        " SELECT id, 'in', 'relayed', 'text', 'مرحبا، أريد استرداد المال'"
        " FROM users WHERE telegram_id = 700000003")
    tables = ("users", "messages", "transactions", "credit_ledger", "conversations", "operators")

    async def snapshot() -> list[int]:
        return [await system.pool.fetchval(f"SELECT count(*) FROM {t}") for t in tables]  # noqa: S608

    before = await snapshot()
    nothing = "There is nothing to search for in that: it has no letters or digits."
    for typed in ("%", "_", "\\", "'", '"', "''", "%_\\", "🔥🔥", "-- ;"):
        answer = await _say(system, OWNER, f"/search {typed}")
        assert answer["text"].startswith(f"🔍 {nothing}"), typed
        assert "Send another search, or /cancel." in answer["text"]
    asked = await _say(system, OWNER, "/search")
    assert "Send what to look for" in asked["text"]

    long = await _say(system, OWNER, "/search " + "refund " * 600)
    assert "✂️ Only the first 200 characters were searched." in long["text"]
    assert "💬 Messages: 3" in long["text"]  # every word of the kept 200 characters is "refund"

    arabic = await _say(system, OWNER, "/search مرحبا")
    assert "💬 Messages: 1" in arabic["text"]
    assert "“\u2068مرحبا\u2069”" in arabic["text"]  # the echo is isolated from the sentence around it
    assert "أريد استرداد المال" in arabic["text"]

    injected = await _say(system, OWNER, "/search ' OR 1=1; DROP TABLE users; --")
    assert "💬 Messages: 0" in injected["text"]
    only_excluded = await _say(system, OWNER, "/search -refund")
    assert "💬 Messages: —" in only_excluded["text"]
    quoted = await _say(system, OWNER, '/search "refund')
    assert "💬 Messages: 3" in quoted["text"]
    emoji = await _say(system, OWNER, "/search refund 🔥")
    assert "💬 Messages: 3" in emoji["text"]
    assert await snapshot() == before
    assert await system.pool.fetchval("SELECT count(*) FROM users WHERE first_name = 'DROP'") == 0


async def test_many_messages_are_estimated_or_capped_and_paged_from_the_newest(system: System) -> None:
    """A common word is not counted (the planner's estimate is shown) and its pages
    walk back from the newest message; a word with more matches than are counted
    pages through the text index. Either way ▶️ and ◀️ follow on exactly."""
    await _people(system.pool)
    await system.pool.execute(
        "INSERT INTO messages (user_id, direction, status, kind, text)"
        " SELECT u.id, 'in', 'relayed', 'text',"
        "        'parcel number ' || n || CASE WHEN n % 20 = 0 THEN ' zebra' ELSE '' END"
        " FROM users u, generate_series(1, 25000) AS n WHERE u.telegram_id = 700000002")
    await system.pool.execute("ANALYZE messages")

    def numbers(text: str) -> list[int]:
        return [int(line.split("parcel number ")[1].split()[0].rstrip("”"))
                for line in text.splitlines() if "parcel number " in line]

    common = await _say(system, OWNER, "/search parcel")
    assert "💬 Messages: ≈25,000" in common["text"]
    assert "💬 Messages 1–8 of ≈25,000 (newest first):" in common["text"]
    assert numbers(common["text"]) == list(range(25000, 24992, -1))
    assert "1/≈3,125" in _buttons(common)
    await _press(system, OWNER, common, _buttons(common)["▶️"])
    second = await _screen(system, OWNER.id, common["message_id"])
    assert "💬 Messages 9–16 of ≈25,000" in second["text"]
    assert numbers(second["text"]) == list(range(24992, 24984, -1))
    await _press(system, OWNER, second, _buttons(second)["◀️"])
    back = await _screen(system, OWNER.id, common["message_id"])
    assert numbers(back["text"]) == list(range(25000, 24992, -1))

    capped = await _say(system, OWNER, "/search zebra")
    assert "💬 Messages: 1,000+" in capped["text"]
    assert numbers(capped["text"]) == list(range(25000, 24840, -20))
    await _press(system, OWNER, capped, _buttons(capped)["▶️"])
    following = await _screen(system, OWNER.id, capped["message_id"])
    assert "💬 Messages 9–16 of 1,000+" in following["text"]
    assert numbers(following["text"]) == list(range(24840, 24680, -20))
