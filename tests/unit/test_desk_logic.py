"""The desk's pure logic: formatting kept, quick replies checked and filled,
ranges, ticket states, captions, CSV cells, background reserves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.delivery import batch, outbox
from core.delivery.bot_api import methods as bot_api_methods
from core.delivery.budgets import Lane
from core.desk import analytics, csv_exports, quick_replies, sweep, tickets
from core.desk.analytics import BadRange, Kind, Period, Series
from core.desk.quick_replies import Draft, Invalid, QuickReply, Values
from core.desk.tickets import State
from core.telegram.html import shift, to_html

TODAY = date(2026, 6, 30)


def test_formatting_becomes_html_with_utf16_offsets_and_escaping() -> None:
    text = "Hi 😀 bold <x> & link"
    entities = [{"type": "bold", "offset": 6, "length": 4},
                {"type": "text_link", "offset": 17, "length": 4, "url": "https://a.b/?q=1&r=\"2\""}]
    assert to_html(text, entities) == (
        'Hi 😀 <b>bold</b> &lt;x&gt; &amp; <a href="https://a.b/?q=1&amp;r=&quot;2&quot;">link</a>')
    # Nested formatting nests; a span crossing its parent's end is dropped, not mangled.
    assert to_html("abcd", [{"type": "bold", "offset": 0, "length": 3},
                            {"type": "italic", "offset": 1, "length": 1},
                            {"type": "underline", "offset": 2, "length": 2}]) == "<b>a<i>b</i>c</b>d"
    assert to_html("x", [{"type": "mention", "offset": 0, "length": 1}]) == "x"


def test_a_commands_entities_move_to_its_payload() -> None:
    entities = [{"type": "bot_command", "offset": 0, "length": 3},
                {"type": "bold", "offset": 14, "length": 5}]
    assert shift(entities, 14) == [{"type": "bold", "offset": 0, "length": 5}]


@pytest.mark.parametrize(("draft", "says"), [
    (Draft("Refund!", "general", "x"), "is not a usable name"),
    (Draft("refund", "Bad Category", "x"), "is not a usable category"),
    (Draft("refund", "general", "Hi {firstname}, {tier}"), "Unknown variable {firstname}"),
    (Draft("refund", "general", "   "), "needs a text"),
    (Draft("refund", "general", "x" * 4097), "at most 4,096 fit"),
    (Draft("refund", "general", "x" * 1025, (), "photo", "AgAC"), "at most 1,024 fit"),
    (Draft("refund", "general", "x", (), "video", "BAAC"), "Only a photo or a document"),
])
def test_a_reply_that_cannot_be_saved_says_why(draft: Draft, says: str) -> None:
    with pytest.raises(Invalid, match=says.replace("{", r"\{").replace("}", r"\}")):
        quick_replies.validate(draft)


def test_a_reply_is_normalised() -> None:
    done = quick_replies.validate(Draft("!Refund", "", "Hello {first_name}"))
    assert (done.name, done.category) == ("refund", "general")


def test_variables_are_filled_per_user_and_escaped() -> None:
    reply = QuickReply(1, "greet", "general", "Hello {first_name} ({tier}), {balance} credits until"
                       " {pass_until}. {unknown}", ({"type": "bold", "offset": 0, "length": 5},))
    values = Values(5, None, "<Mária>", "<Mária> S", 12345, "vip", datetime(2026, 7, 1, tzinfo=UTC))
    assert quick_replies.render(reply, values) == (
        "<b>Hello</b> &lt;Mária&gt; (vip), 12,345 credits until 2026-07-01. {unknown}")
    assert quick_replies.signed("Hi", "Olek & co") == "Hi\n\n— Olek &amp; co"
    assert quick_replies.signed("Hi", None) == "Hi"


@pytest.mark.parametrize(("text", "says"), [
    ("2026-03-01", "Send two dates"),
    ("2026-03-01 2026-02-01", "wrong order"),
    ("2025-01-01 2026-06-01", "at most 366"),
    ("2026-13-01 2026-12-01", "YYYY-MM-DD"),
    ("2026-07-02 2026-07-05", "in the future"),
])
def test_a_custom_range_in_the_wrong_order_or_too_long_is_refused(text: str, says: str) -> None:
    with pytest.raises(BadRange, match=says):
        analytics.parse_range(text, TODAY)


def test_ranges() -> None:
    assert analytics.parse_range("2026-06-01 to 2026-07-31", TODAY) == Period(date(2026, 6, 1), TODAY)
    assert analytics.last_days(7, TODAY) == Period(date(2026, 6, 24), TODAY)
    assert analytics.last_days(90, TODAY).days == 90


def test_the_caption_carries_the_numbers() -> None:
    period = analytics.last_days(3, TODAY)
    s = Series(Kind.REVENUE, period, {"stars XTR": [0.0, 250.0, 500.0], "stripe USD": [9.99, 0.0, 0.0]})
    text = analytics.caption(s)
    assert text.splitlines() == [
        "<b>Revenue</b> · 2026-06-28 – 2026-06-30 (3 days)",
        "stars XTR: total 750, latest day 500, best day 500",
        "stripe USD: total 9.99, latest day 0, best day 9.99"]
    long = Series(Kind.MESSAGES, period, {f"line {i}": [1.0, 2.0, 3.0] for i in range(40)})
    assert len(analytics.caption(long)) <= 1000
    assert analytics.major(1999, "usd") == 19.99
    assert analytics.major(250, "XTR") == 250.0


def test_ticket_states_and_the_sla() -> None:
    assert tickets.state_of("closed", True, True) is State.CLOSED
    assert tickets.state_of("waiting_operator", True, False) is State.NEW
    assert tickets.state_of("waiting_operator", True, True) is State.WAITING
    assert tickets.state_of("waiting_user", False, True) is State.ANSWERED
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    assert tickets.overdue(now - timedelta(minutes=16), now, 15)
    assert not tickets.overdue(now - timedelta(minutes=14), now, 15)
    assert not tickets.overdue(now - timedelta(days=3), now, 0)  # no SLA
    assert not tickets.overdue(None, now, 15)


def test_titles_and_alerts() -> None:
    title = sweep.title(State.WAITING, "Maria", "Silva", "maria_s", 123)
    assert title == "⏳ Maria Silva · @maria_s · 123"
    assert len(sweep.title(State.NEW, "M" * 200, None, "u" * 80, 1)) == 128
    alert = sweep.alert_text("<Ana>", None, None, 7, 20 * 60 + 5, 15, "Olek", -1001000000001, 44)
    assert alert == ("⏰ SLA: <b>&lt;Ana&gt;</b> has waited 20 min for a reply (the target is 15 min)."
                     " Assigned to Olek.\nhttps://t.me/c/1000000001/44")


def test_csv_cells_never_run_as_formulas() -> None:
    rows = [["name", "when"], ["=HYPERLINK(x)", datetime(2026, 1, 2, 3, 4, tzinfo=UTC)], [None, -5]]
    assert csv_exports.csv_bytes(rows).decode() == (
        "name,when\n'=HYPERLINK(x),2026-01-02T03:04:00+00:00\n,-5\n")


def _planned(row_id: int, chat_id: int, priority: int) -> batch.Planned:
    method = next(m for m in bot_api_methods() if m.name == "sendMessage")
    row = outbox.OutboxRow(row_id, chat_id, "sendMessage", {"chat_id": chat_id, "text": "x"}, 1, Lane.NORMAL,
                           priority)
    return batch.plan(row, method, None)


def test_only_a_groups_background_rows_keep_a_reserve() -> None:
    planned = [_planned(1, -100, outbox.BACKGROUND_PRIORITY), _planned(2, -100, 0),
               _planned(3, 42, outbox.BACKGROUND_PRIORITY), _planned(4, -100, outbox.OPERATOR_PRIORITY)]
    assert batch.keeps(planned, 2.0) == [2.0, 0.0, 0.0, 0.0]
