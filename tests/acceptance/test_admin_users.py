"""👥 Users: finding users by every key, filters and sorts, paged lists, the user's card."""

from __future__ import annotations

import re
from typing import Any

from core.platform.config import SANDBOX_ADMIN_GROUP_ID
from tests import builders
from tests.acceptance.admin_kit import buttons, press, say, screen, start, user_id
from tests.builders import MARIA, OWNER, Person
from tests.harness import System

MARCOS = Person(300_000_001, "Marcos", "Lima", "marcos_l", "es")
OLEG = Person(300_000_002, "Олег", "Шевченко", None, "uk")
LAYLA = Person(300_000_003, "ليلى", "Haddad", "layla_q", "en")
ZOE = Person(300_000_004, "<b>Zoë</b>", "& Co", "zoe_x", "en")


def listed(message: dict[str, Any]) -> list[str]:
    """The first names a list shows, in its order (its numbered buttons)."""
    return [label.split(". ", 1)[1] for label in buttons(message) if re.match(r"\d+\. ", label)]


async def _saw(system: System, person: Person, minutes_ago: int | None) -> None:
    await system.pool.execute(
        "UPDATE users SET last_seen_at = CASE WHEN $2::int IS NULL THEN NULL"
        " ELSE now() - make_interval(mins => $2) END WHERE telegram_id = $1", person.id, minutes_ago)


async def _paid(system: System, person: Person, rail: str, amount: int, currency: str, *,
                status: str = "succeeded", refunded: int = 0) -> None:
    """A payment as the billing worker records it (the trigger keeps users' totals)."""
    uid = await user_id(system, person)
    await system.pool.execute(
        "INSERT INTO transactions (user_id, rail, status, amount, currency, amount_refunded, idempotency_key)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        uid, rail, status, amount, currency, refunded, f"test:{uid}:{amount}:{status}")


async def test_users_are_found_by_id_username_customer_id_and_words_of_their_name(system: System) -> None:
    await start(system, MARIA, MARCOS, OLEG, LAYLA, ZOE)
    await system.pool.execute("UPDATE users SET stripe_customer_id = 'cus_Q1w2E3' WHERE telegram_id = $1",
                              MARCOS.id)
    for minutes, person in enumerate((MARIA, MARCOS, OLEG, LAYLA, ZOE)):
        await _saw(system, person, minutes)

    assert (await say(system, OWNER, f"/users {MARIA.id}"))["text"].startswith("👤 Maria Silva (@maria_s)")
    assert (await say(system, OWNER, "/users @Marcos_L"))["text"].startswith("👤 Marcos Lima (@marcos_l)")
    assert (await say(system, OWNER, "/users cus_Q1w2E3"))["text"].startswith("👤 Marcos Lima")
    assert (await say(system, OWNER, "/user @maria_s"))["text"].startswith("👤 Maria Silva")

    found = await say(system, OWNER, "/users mar")
    assert listed(found) == ["Maria", "Marcos"]  # most recently seen first
    assert "1–2 of 2" in found["text"]
    assert listed(await say(system, OWNER, "/users MAR sil")) == ["Maria"]  # every word, any case
    assert listed(await say(system, OWNER, "/users шевч")) == ["Олег"]  # case-folded, any script
    assert listed(await say(system, OWNER, "/users ОЛЕГ")) == ["Олег"]
    assert listed(await say(system, OWNER, "/users ليل")) == ["ليلى"]  # right to left
    assert listed(await say(system, OWNER, "/users marcos_l")) == ["Marcos"]  # username words
    zoe = await say(system, OWNER, "/users zoë")
    assert listed(zoe) == ["<b>Zoë</b>"]
    assert "<b>Zoë</b> & Co (@zoe_x)" in zoe["text"]  # escaped: shown as typed, not as markup

    # Each item opens the card; its Back returns to the list.
    assert await press(system, OWNER, found, buttons(found)["2. Marcos"]) is None
    card = await screen(system, OWNER, found["message_id"])
    assert card["text"].startswith("👤 Marcos Lima (@marcos_l)")
    await press(system, OWNER, card, buttons(card)["⬅️ Back"])
    assert listed(await screen(system, OWNER, found["message_id"])) == ["Maria", "Marcos"]


async def test_searches_that_find_nobody_or_cannot_be_read_get_a_specific_answer(system: System) -> None:
    await start(system, MARIA)
    answers = {
        "/users 4242": "No user has the Telegram id 4242.",
        "/users @nobody_here": "No user has the username @nobody_here.",
        "/users cus_nobody": "No user has the Stripe customer id cus_nobody.",
        "/users cus_bad'quote": "“cus_bad'quote” is not a Stripe customer id (cus_ and letters or digits).",
        "/users @bad-name": "“@bad-name” is not an @username (letters, digits and _ only).",
        "/users %": "Nothing to search for: a name search needs letters or digits.",
        "/users _": "Nothing to search for: a name search needs letters or digits.",
        "/users \\": "Nothing to search for: a name search needs letters or digits.",
        "/users '\"": "Nothing to search for: a name search needs letters or digits.",
        "/users 🔥🔥": "Nothing to search for: a name search needs letters or digits.",
        "/users " + "m" * 4000: "That search is 4,000 characters long: search for at most 100.",
        "/users is:admin": "“is:admin” is not a filter.",
        "/users balance<1e9": "“1e9” is not a number of credits.",
        "/users sort:name": "“sort:name” is not a sort: use sort:seen or sort:spend.",
    }
    for command, answer in answers.items():
        reply = await say(system, OWNER, command)
        assert reply["text"].startswith(answer), (command, reply["text"])
    # Wildcards and quotes are neither SQL nor text-search syntax: they only separate words.
    assert listed(await say(system, OWNER, "/users %mar%")) == ["Maria"]
    assert listed(await say(system, OWNER, "/users '; DROP TABLE users; --")) == []
    assert (await say(system, OWNER, "/users xyz\u200f"))["text"].endswith("No user matches.")
    assert await system.pool.fetchval("SELECT count(*) FROM users") == 1


CAST = {name: Person(300_000_100 + i, name, "Test", f"{name.lower()}_test", "en")
        for i, name in enumerate(("Ava", "Ben", "Cid", "Dee", "Eve", "Fay"))}


async def _cast(system: System) -> None:
    """Six users, one per filter (their states set the way the product sets them)."""
    a, b, c, d, e, f = CAST.values()
    for person in CAST.values():  # one by one: ties in spending are listed by who came first
        await start(system, person)
    for command in (f"/ban {a.id} spam", f"/tier {b.id} vip", f"/pass {b.id} 7", f"/credits {c.id} -3"):
        await system.write(builders.private_text(OWNER, command))
    await system.write(builders.my_chat_member(e, "kicked"))
    await _paid(system, d, "stripe", 999, "usd")
    await _paid(system, e, "stars", 500, "XTR")
    await _paid(system, f, "stripe", 2999, "usd")
    await _paid(system, a, "stripe", 5000, "usd", status="failed")  # never paid
    await system.pool.execute(
        "UPDATE users SET created_at = now() - interval '40 days' WHERE telegram_id = $1", f.id)
    for minutes, person in enumerate((a, b, c, d, e)):
        await _saw(system, person, minutes + 1)
    await _saw(system, f, None)


async def test_typed_filters_and_sorts_list_the_right_users_in_order(system: System) -> None:
    await _cast(system)
    expected = {
        "": ["Ava", "Ben", "Cid", "Dee", "Eve", "Fay"],  # last seen first, never seen last
        "sort:spend": ["Fay", "Dee", "Eve", "Ava", "Ben", "Cid"],
        "is:banned": ["Ava"],
        "tier:vip": ["Ben"],
        "is:pass": ["Ben"],
        "balance<1": ["Cid"],
        "balance<4": ["Ava", "Ben", "Cid", "Dee", "Eve", "Fay"],
        "is:paid": ["Dee", "Eve", "Fay"],
        "is:paid sort:spend": ["Fay", "Dee", "Eve"],
        "is:blocked": ["Eve"],
        "joined<30d": ["Ava", "Ben", "Cid", "Dee", "Eve"],
        "is:paid joined<30": ["Dee", "Eve"],
        "tier:gold": [],
    }
    for filters, names in expected.items():
        # Every one of them is called Test: the search and the filters combine.
        shown = await say(system, OWNER, f"/users test {filters}")
        assert listed(shown) == names, (filters, shown["text"])
        if names:
            assert f"1–{len(names)} of {len(names)}" in shown["text"]


async def test_filter_buttons_combine_and_the_list_pages_eight_at_a_time(system: System) -> None:
    await _cast(system)
    extra = [Person(300_000_200 + i, name, "Extra", None, "en")
             for i, name in enumerate(("Gus", "Hal", "Ivy"))]
    await start(system, *extra)
    for minutes, person in enumerate(extra):
        await _saw(system, person, 10 + minutes)

    home = await say(system, OWNER, "/users")
    assert "Send a name, a Telegram id" in home["text"]
    await press(system, OWNER, home, buttons(home)["📋 Show users"])
    first = await screen(system, OWNER, home["message_id"])
    assert "1–8 of 9" in first["text"]
    assert listed(first) == ["Ava", "Ben", "Cid", "Dee", "Eve", "Gus", "Hal", "Ivy"]
    await press(system, OWNER, first, buttons(first)["▶️"])
    second = await screen(system, OWNER, home["message_id"])
    assert "9–9 of 9" in second["text"]
    assert listed(second) == ["Fay"]

    # Filters: paid ever, then sorted by lifetime spend, then only those who joined lately.
    await press(system, OWNER, second, buttons(second)["🔎 Filters and sort"])
    filters = await screen(system, OWNER, home["message_id"])
    await press(system, OWNER, filters, buttons(filters)["💳 Paid ever"])
    filters = await screen(system, OWNER, home["message_id"])
    assert "✅ 💳 Paid ever" in buttons(filters)
    await press(system, OWNER, filters, buttons(filters)["↕️ Sort: last seen"])
    filters = await screen(system, OWNER, home["message_id"])
    await press(system, OWNER, filters, buttons(filters)["📋 Show users"])
    assert listed(await screen(system, OWNER, home["message_id"])) == ["Fay", "Dee", "Eve"]

    await press(system, OWNER, filters, buttons(filters)["🆕 Joined: any"])
    choices = await screen(system, OWNER, home["message_id"])
    await press(system, OWNER, choices, buttons(choices)["last 30 days"])
    filters = await screen(system, OWNER, home["message_id"])
    assert "Showing: paid ever · joined in the last 30 days · by lifetime spend" in filters["text"]
    await press(system, OWNER, filters, buttons(filters)["📋 Show users"])
    assert listed(await screen(system, OWNER, home["message_id"])) == ["Dee", "Eve"]

    await press(system, OWNER, filters, buttons(filters)["💎 Tier: any"])
    choices = await screen(system, OWNER, home["message_id"])
    assert list(buttons(choices))[:4] == ["any", "free", "paying", "vip"]
    await press(system, OWNER, choices, buttons(choices)["vip"])
    filters = await screen(system, OWNER, home["message_id"])
    await press(system, OWNER, filters, buttons(filters)["📋 Show users"])
    empty = await screen(system, OWNER, home["message_id"])
    assert empty["text"].endswith("No user matches.")


async def test_the_card_shows_who_they_are_what_they_have_paid_and_what_was_done(system: System) -> None:
    await start(system, MARIA)
    await system.write(builders.private_text(MARIA, "olá"), builders.private_text(MARIA, "tudo bem?"))
    await _paid(system, MARIA, "stripe", 999, "usd")
    await _paid(system, MARIA, "stripe", 1999, "usd", status="partially_refunded", refunded=500)
    await _paid(system, MARIA, "stars", 250, "XTR")
    await _paid(system, MARIA, "stripe", 4999, "usd", status="failed")
    await system.write(builders.private_text(OWNER, "/ban @maria_s spam <script>"))
    await system.write(builders.my_chat_member(MARIA, "kicked"))
    topic = await system.pool.fetchval("SELECT topic_id FROM conversations")

    card = await say(system, OWNER, "/user @maria_s")
    text = card["text"]
    for expected in (
        "👤 Maria Silva (@maria_s)",
        f"id {MARIA.id} · language pt-br · joined just now · seen just now",
        "💳 Balance: 1 credit · tier free",
        "🎟 Pass: none",
        "💰 Spent: $24.98 · ⭐ 250",  # net of the refund; the failed payment is not spent
        "✉️ Messages sent: 2",
        "⛔ Banned just now: spam <script>",
        "🚫 Blocked the bot just now",
        f"💬 Topic: https://t.me/c/{str(SANDBOX_ADMIN_GROUP_ID).removeprefix('-100')}/{topic}",
        "-1 → 1 · message", "+3 → 3 · signup bonus",
        "stripe failed $49.99",
        "(owner) · user.ban banned no → yes “spam <script>”",
    ):
        assert expected in text, (expected, text)
    # The owner may do everything: every action, then Refresh, Back and Home.
    assert list(buttons(card)) == ["💰 Credits ±", "✅ Unban", "🏷 Tier", "🎟 Pass", "🔄 Refresh", "⬅️ Back",
                                   "🏠 Home"]
