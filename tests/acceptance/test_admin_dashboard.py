"""📊 Dashboard: every figure on a small dataset whose dates and amounts are known,
the refresh in place, and who may see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from tests import builders
from tests.builders import OWNER, Person
from tests.harness import System

ANALYST = Person(2_000_000_002, "Ana", "Lyst", "ana_lyst", "en")
AGENT = Person(2_000_000_001, "Alex", "Agent", "alex_agent", "en")


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b.get("callback_data", "") for row in (message["reply_markup"] or {}).get(
        "inline_keyboard", []) for b in row}


async def _say(system: System, person: Person, text: str) -> dict[str, Any]:
    await system.write(builders.private_text(person, text))
    return (await system.sent(person.id))[-1]


class Moments:
    """Times whose day is certain whenever the test runs: "today" is half-way
    between 00:00 UTC and now, the others whole days before midnight."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        midnight = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.today = midnight + (self.now - midnight) / 2
        self.three_days = midnight - timedelta(days=3) + timedelta(hours=1)
        self.twenty_days = midnight - timedelta(days=20)
        self.sixty_days = midnight - timedelta(days=60)


async def _dataset(pool: asyncpg.Pool, at: Moments) -> None:
    users = [
        # telegram id, joined, last seen, banned
        (801, at.today, at.now - timedelta(hours=1), False),
        (802, at.three_days, at.now - timedelta(days=3), False),
        (803, at.twenty_days, at.now - timedelta(days=10), False),
        (804, at.sixty_days, None, True),
        (805, at.sixty_days, at.now - timedelta(minutes=30), False),
    ]
    ids = {}
    for telegram_id, joined, seen, banned in users:
        ids[telegram_id] = await pool.fetchval(
            "INSERT INTO users (telegram_id, first_name, created_at, last_seen_at, is_banned)"
            " VALUES ($1, 'U', $2, $3, $4) RETURNING id", telegram_id, joined, seen, banned)
    payments = [
        # user, rail, status, amount, refunded, currency, when
        (801, "stripe", "succeeded", 999, 0, "usd", at.today),
        (801, "stars", "succeeded", 500, 0, "XTR", at.today),
        (802, "stripe", "partially_refunded", 1999, 500, "usd", at.three_days),
        (802, "stripe", "succeeded", 1000, 0, "eur", at.three_days),
        (803, "stripe", "refunded", 2999, 2999, "usd", at.twenty_days),
        (803, "stripe", "succeeded", 499, 0, "usd", at.twenty_days),
        (805, "stripe", "failed", 10000, 0, "usd", at.today),
        (805, "stars", "succeeded", 1500, 0, "XTR", at.sixty_days),
        (804, "stripe", "pending", 299, 0, "usd", at.today),
    ]
    for i, (user, rail, status, amount, refunded, currency, when) in enumerate(payments):
        await pool.execute(
            "INSERT INTO transactions (user_id, rail, status, amount, amount_refunded, currency,"
            " idempotency_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            ids[user], rail, status, amount, refunded, currency, f"dash:{i}", when)
    messages = [
        # user, direction, status, relayed at
        (801, "in", "relayed", at.today), (801, "in", "relayed", at.today),
        (802, "in", "relayed", at.three_days), (803, "in", "relayed", at.twenty_days),
        (801, "out", "relayed", at.today), (805, "in", "held", None), (805, "in", "failed", None),
    ]
    for user, direction, status, relayed in messages:
        await pool.execute(
            "INSERT INTO messages (user_id, direction, status, kind, text, relayed_at)"
            " VALUES ($1, $2, $3, 'text', 'hi', $4)", ids[user], direction, status, relayed)
    conversations = [
        (801, 1, "waiting_operator", at.now - timedelta(hours=2, minutes=5)),
        (802, 2, "waiting_operator", at.now - timedelta(minutes=10)),
        (803, 3, "waiting_user", at.now - timedelta(days=2)),
    ]
    for user, topic, status, wrote in conversations:
        await pool.execute(
            "INSERT INTO conversations (user_id, admin_chat_id, topic_id, status, last_user_message_at)"
            " VALUES ($1, -1001000000001, $2, $3, $4)", ids[user], topic, status, wrote)
    # The rows above are dated in the past, which the product never does (it writes
    # now()): the hours they fall on were kept already, at zero, when the database
    # was made. Kept hours start before them instead, payments' revenue moves at
    # the time each payment began, and the dashboard keeps the hours since itself.
    await pool.execute("UPDATE admin_revenue_events e SET at = t.created_at FROM transactions t"
                       " WHERE t.id = e.transaction_id")
    await pool.execute("DELETE FROM admin_hourly_counts")
    await pool.execute("DELETE FROM admin_hourly_revenue")
    start = at.sixty_days - timedelta(days=1)
    await pool.execute("INSERT INTO admin_hourly_counts (metric, hour, value, running)"
                       " SELECT m, $1, 0, 0 FROM unnest(ARRAY['users_joined', 'users_first_paid',"
                       " 'messages_relayed']) AS m", start)
    await pool.execute("INSERT INTO admin_hourly_revenue (hour, currency, net) VALUES ($1, '', 0)", start)
    # Trouble for the health line: a job that failed for good, a send and an update set aside.
    await pool.execute("INSERT INTO procrastinate_jobs (queue_name, task_name, args, status)"
                       " VALUES ('billing', 'billing.stripe_event', '{}', 'failed')")
    await pool.execute("INSERT INTO outbox (chat_id, method, params, status, last_error)"
                       " VALUES (801, 'sendMessage', '{}', 'failed', 'RecipientUnavailable')")
    await pool.execute("INSERT INTO inbox (shard, update_id, payload, failed_at, error)"
                       " VALUES (0, 1, '{}', now(), 'boom')")


async def test_every_figure_on_a_known_dataset(system: System) -> None:
    at = Moments()
    await _dataset(system.pool, at)
    screen = await _say(system, OWNER, "/dashboard")
    lines = screen["text"].splitlines()
    assert lines[:14] == [
        "📊 Dashboard",
        "",
        "👥 Users: 5 · paying 4",  # 804's payment is pending: not paying
        "New: today 1 · 7 days 2",
        "Active: 24 h 2 · 7 days 3 (counted just now)",
        "",
        "💬 Messages relayed: today 2 · 7 days 3",  # what users sent, not operators' answers
        "⏳ Waiting for an answer: 2 · longest 2 h 5 min",
        "",
        "💰 Revenue, less refunds made",
        "Today: $9.99 · ⭐ 500",
        "7 days: $24.98 · €10.00 · ⭐ 500",  # 19.99 less 5.00 refunded, and 9.99
        "30 days: $29.97 · €10.00 · ⭐ 500",  # a refunded 29.99 adds nothing
        "",
    ]
    assert lines[14] == "🩺 Health ⚠️"
    assert lines[15].endswith("failed: billing 1")
    assert lines[16] == "Inbox: 0 waiting · 1 failed · Outbox: 0 waiting · 1 failed"
    assert "0 stalled jobs" in lines[17]
    assert lines[19].startswith("Today: since 00:00 UTC; 7 and 30 days: calendar days in UTC,")
    assert set(_buttons(screen)) == {"🔄 Refresh", "🏠 Home"}
    midnight = at.now.replace(hour=0, minute=0, second=0, microsecond=0)
    kept = {(r["metric"], r["day"]): r["value"] for r in await system.pool.fetch(
        "SELECT metric, (hour AT TIME ZONE 'UTC')::date AS day, sum(value) AS value FROM admin_hourly_counts"
        " WHERE hour < $1 AND value > 0 GROUP BY 1, 2", midnight)}
    expected = {("users_joined", d.date()): 1 for d in (at.three_days, at.twenty_days)}
    expected[("users_joined", at.sixty_days.date())] = 2
    paid_on = (at.three_days, at.twenty_days, at.sixty_days)
    expected.update({("users_first_paid", d.date()): 1 for d in paid_on})
    expected.update({("messages_relayed", d.date()): 1 for d in (at.three_days, at.twenty_days)})
    assert kept == expected
    revenue = {(r["currency"], r["day"]): r["net"] for r in await system.pool.fetch(
        "SELECT currency, (hour AT TIME ZONE 'UTC')::date AS day, sum(net) AS net FROM admin_hourly_revenue"
        " WHERE hour < $1 AND currency <> '' GROUP BY 1, 2", midnight)}
    assert revenue == {("usd", at.three_days.date()): 1499, ("eur", at.three_days.date()): 1000,
                       ("usd", at.twenty_days.date()): 499, ("xtr", at.sixty_days.date()): 1500}
    # Kept hours and live ones add up the same the second time.
    again = await _say(system, OWNER, "/dashboard")
    assert again["text"].splitlines()[:13] == lines[:13]
    # A refund counts on the day it is made: today, of a payment of 20 days ago.
    await system.pool.execute("UPDATE transactions SET status = 'refunded', amount_refunded = amount"
                              " WHERE idempotency_key = 'dash:5'")
    refunded = (await _say(system, OWNER, "/dashboard"))["text"].splitlines()
    assert refunded[10:13] == ["Today: $5.00 · ⭐ 500", "7 days: $19.99 · €10.00 · ⭐ 500",
                               "30 days: $24.98 · €10.00 · ⭐ 500"]


async def test_refresh_edits_the_screen_in_place_with_new_figures(system: System) -> None:
    first = await _say(system, OWNER, "/dashboard")
    assert "👥 Users: 0 · paying 0" in first["text"]
    assert "Today: —" in first["text"]
    assert "🩺 Health ✅" in first["text"]
    await system.pool.execute("INSERT INTO users (telegram_id, first_name) VALUES (901, 'New')")
    update = builders.press(OWNER, first, _buttons(first)["🔄 Refresh"])
    await system.write(update)
    answers = {a.query_id: a for a in await system.model.query_answers()}
    assert answers[update["callback_query"]["id"]].text == "Refreshed."
    sent = await system.sent(OWNER.id)
    assert sent[-1]["message_id"] == first["message_id"]  # no new message: the same one, edited
    assert "👥 Users: 1 · paying 0" in sent[-1]["text"]
    assert "New: today 1 · 7 days 1" in sent[-1]["text"]


async def test_analysts_see_the_dashboard_and_agents_do_not(system: System) -> None:
    for person, role in ((ANALYST, "analyst"), (AGENT, "agent")):
        await system.pool.execute("INSERT INTO operators (telegram_id, role, added_by) VALUES ($1, $2, $3)",
                                  person.id, role, OWNER.id)
    owner_screen = await _say(system, OWNER, "/dashboard")
    assert (await _say(system, ANALYST, "/dashboard"))["text"].startswith("📊 Dashboard")
    assert (await _say(system, AGENT, "/dashboard"))["text"] == "🚫 Not allowed for your role (agent)."
    update = builders.press(AGENT, owner_screen, _buttons(owner_screen)["🔄 Refresh"])
    await system.write(update)
    answers = {a.query_id: a for a in await system.model.query_answers()}
    assert answers[update["callback_query"]["id"]].text == "🚫 Not allowed for your role (agent)."
