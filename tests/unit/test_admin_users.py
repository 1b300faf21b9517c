"""The Users screens' pure parts: views in buttons, typed filters, search words, the card and list texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.admin import user_card, users_search
from core.admin.audit import Entry
from core.admin.refs import Unreadable
from core.admin.user_actions import Subject, change_and_reason, reason_of, take_refusal, tier_refusal
from core.admin.user_flows import plain
from core.admin.users_buttons import NO_LIST, UserCard, UserList, UsersHome, card, card_back
from core.admin.users_screens import render_list
from core.admin.users_search import Exact, Listed, Names, classify
from core.admin.users_view import MAX_PACKED, Sort, View, describe, name_words, parse_typed

NOW = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)
HOSTILE = '<b>Zoë</b> & "Al"'


@pytest.mark.parametrize("view", [
    View(),
    View(search=12),
    View(tier="vip", banned=True, pass_active=True, balance_under=5, paid=True, blocked=True, joined_days=30,
         sort=Sort.SPEND, search=987654),
    View(sort=Sort.SPEND),
    View(balance_under=1_000_000, joined_days=3650),
])
def test_a_view_survives_a_button(view: View) -> None:
    assert View.unpack(view.pack()) == view
    assert ":" not in view.pack()


def test_an_empty_view_packs_to_a_dash() -> None:
    assert View().pack() == "-"
    assert View(banned=True, paid=True).pack() == "b,$"


@pytest.mark.parametrize("forged", ["", "x", "b,", "bb", "tVIP", "t", "q", "q1e3", "u-1", "u" + "9" * 10,
                                    "sz", "s", "b:p", "t<b>"])
def test_forged_views_are_refused(forged: str) -> None:
    with pytest.raises(ValueError, match="not a users view"):
        View.unpack(forged)


def test_typed_filters_and_search_words_are_told_apart() -> None:
    view, words = parse_typed("maria  IS:paid balance<5 joined<7d sort:spend tier:VIP silva")
    assert view == View(tier="vip", paid=True, balance_under=5, joined_days=7, sort=Sort.SPEND)
    assert words == "maria silva"
    assert parse_typed("is:banned is:pass is:blocked joined<30") == (
        View(banned=True, pass_active=True, blocked=True, joined_days=30), "")


@pytest.mark.parametrize(("typed", "answer"), [
    ("is:admin", "“is:admin” is not a filter."),
    ("balance<", "“” is not a number of credits."),
    ("balance<0", "The number of credits must be between 1 and 1,000,000."),
    ("balance<1e9", "“1e9” is not a number of credits."),
    ("joined<99999d", "The number of days must be between 1 and 3,650."),
    ("joined<٣", "“٣” is not a number of days."),
    ("sort:name", "“sort:name” is not a sort"),
    ("tier:<b>", "“tier:<b>” is not a tier name."),
])
def test_bad_typed_filters_say_what_is_wrong(typed: str, answer: str) -> None:
    with pytest.raises(Unreadable) as refused:
        parse_typed(typed)
    assert str(refused.value).startswith(answer)


def test_only_letters_digits_and_their_marks_make_words() -> None:
    assert name_words("%mar_ia% O'Brien \\ \"x\"") == ["mar", "ia", "O", "Brien", "x"]
    assert name_words("🔥 \u200fمرحبا\u200e 李小龍 Иван") == ["مرحبا", "李小龍", "Иван"]
    assert name_words("Jose\u0301") == ["Jos\u00e9"]  # a decomposed accent joins its letter
    assert name_words("%_\\'\"🔥") == []


def test_a_search_is_classified_before_any_query() -> None:
    assert classify(" 123456789 ") == Exact("123456789")
    assert classify("@maria_s") == Exact("@maria_s")
    assert classify("cus_Q1w2E3") == Exact("cus_Q1w2E3")
    assert classify("Maria da Silva") == Names(("Maria", "da", "Silva"))
    for text, answer in (
        ("", "Type a name"),
        ("m" * 101, "That search is 101 characters long: search for at most 100."),
        ("1" * 20, "11111111111111111111… is too long for a Telegram id."),
        ("@", "“@” is not an @username"),
        ("@a b", "“@a b” is not an @username"),
        ("cus_", "“cus_” is not a Stripe customer id"),
        ("🔥", "Nothing to search for"),
        ("a b c d e f g", "Search with at most 6 words of a name."),
    ):
        with pytest.raises(Unreadable) as refused:
            classify(text)
        assert str(refused.value).startswith(answer), text


def test_describe_names_every_filter_and_escapes_the_search() -> None:
    assert describe(View()) == "all users · by last seen"
    view = View(tier="vip", banned=True, balance_under=1, joined_days=1, sort=Sort.SPEND)
    assert describe(view, "<i>") == (
        "“&lt;i&gt;” · tier vip · banned · balance under 1 · joined in the last 1 day · by lifetime spend")


def test_a_card_remembers_its_list_only_when_the_button_has_room() -> None:
    assert card(7, 2, "b,$") == UserCard(7, 2, "b,$")
    assert card_back(card(7, 2, "b,$")) == UserList(2, "b,$")
    too_long = "x" * 60
    assert card(7, 2, too_long) == UserCard(7, 0, NO_LIST)
    assert card_back(card(7)) == UsersHome()
    biggest = View(tier="a" * 24, banned=True, pass_active=True, balance_under=999_999, paid=True,
                   blocked=True, joined_days=3650, sort=Sort.SPEND, search=123_456_789)
    assert not biggest.fits
    assert len(biggest.pack()) > MAX_PACKED
    fitting = View(tier="paying", banned=True, pass_active=True, balance_under=1_000_000, paid=True,
                   blocked=True, joined_days=3650, sort=Sort.SPEND, search=123_456_789)
    assert fitting.fits
    assert len(UserList(99_999, fitting.pack()).pack().encode()) <= 64


def _subject(**changes: object) -> Subject:
    values: dict[str, object] = dict(id=1, telegram_id=42, first_name=HOSTILE, last_name=None, username="zoe",
                                     language=None, language_code="uk", credits=3, tier="free",
                                     pass_expires_at=None, pass_active=None, is_banned=False, ban_reason=None)
    values.update(changes)
    return Subject(**values)  # type: ignore[arg-type]


def test_refusals_name_the_balance_and_the_valid_tiers() -> None:
    s = _subject()
    assert s.lang == "uk"
    assert take_refusal(s, -4) == ("&lt;b&gt;Zoë&lt;/b&gt; &amp; \"Al\" (@zoe) has 3 credits: cannot take 4."
                                   " Nothing was changed.")
    assert "has 1 credit: cannot take 2." in (take_refusal(_subject(credits=1), -2) or "")
    assert take_refusal(s, -3) is None
    assert take_refusal(s, 100) is None
    assert tier_refusal("gold<", ["free", "vip"]) == "“gold&lt;” is not a tier. Tiers: free, vip."
    assert tier_refusal("vip", ["free", "vip"]) is None
    assert change_and_reason("+5\nthanks  for\twaiting") == ("+5", "thanks  for\twaiting")
    assert change_and_reason("  ") == ("", "")
    assert reason_of("  spam \n links ") == "spam links"
    assert reason_of("   ") is None
    with pytest.raises(Unreadable):
        reason_of("x" * 201)
    assert plain("<b>A &amp; B</b> &lt;3") == "A & B <3"


def _card(**profile: object) -> user_card.Card:
    values: dict[str, object] = dict(
        id=1, telegram_id=42, first_name=HOSTILE, last_name="<i>", username="zoe", language="es",
        credits=1_234,
        tier="vip", pass_expires_at=NOW + timedelta(days=3), pass_active=True, is_banned=True,
        ban_reason="<script>", banned_at=NOW - timedelta(hours=2), blocked_bot_at=None,
        created_at=NOW - timedelta(days=40), last_seen_at=NOW - timedelta(minutes=12),
        stripe_customer_id="cus_1",
        messages_sent=5_001, admin_chat_id=-1001000000001, topic_id=77)
    values.update(profile)
    entry = Entry(1, NOW - timedelta(minutes=5), 1000001, "owner", "user.credits", 1, None, {"credits": 3},
                  {"credits": 8, "reason": "<thanks>"})
    pass_entry = Entry(2, NOW - timedelta(minutes=4), 1000001, "owner", "user.pass", 1, None,
                       {"pass_until": None}, {"pass_until": "2025-11-26T12:00:00+00:00", "days": 3})
    return user_card.Card(
        user_card.Profile(**values),  # type: ignore[arg-type]
        (("usd", 2_498), ("XTR", 1_500)),
        (user_card.LedgerRow(-1, 1_234, "message", NOW - timedelta(minutes=1)),),
        (user_card.Payment(9, "stripe", "partially_refunded", 1_999, 500, "usd", NOW - timedelta(days=1)),),
        (pass_entry, entry),
    )


def test_the_card_reads_as_people_read_it_and_escapes_what_people_typed() -> None:
    text = user_card.render(_card(), NOW)
    assert text.splitlines()[:9] == [
        "👤 <b>&lt;b&gt;Zoë&lt;/b&gt; &amp; \"Al\" &lt;i&gt; (@zoe)</b>",
        "id <code>42</code> · language es · joined 40 days ago · seen 12 min ago",
        "💳 Balance: <b>1,234</b> credits · tier <b>vip</b>",
        "🎟 Pass: until 2025-11-26 12:00 UTC (in 3 days)",
        "💰 Spent: $24.98 · ⭐ 1,500",
        "✉️ Messages sent: 5,001",
        "⛔ <b>Banned</b> 2 h ago: &lt;script&gt;",
        "💬 Topic: https://t.me/c/1000000001/77",
        "Stripe: <code>cus_1</code>",
    ]
    assert "-1 → 1,234 · message · 1 min ago" in text
    assert "#9 stripe partially_refunded $19.99 (refunded $5.00) · 1 day ago" in text
    assert "5 min ago · <code>1000001</code> (owner) · user.credits credits 3 → 8 “&lt;thanks&gt;”" in text
    assert "user.pass pass_until — → 2025-11-26 12:00 UTC days 3" in text
    ended = user_card.render(_card(pass_active=False, pass_expires_at=NOW - timedelta(days=1),
                                   is_banned=False, admin_chat_id=None, stripe_customer_id=None), NOW)
    assert "🎟 Pass: none (ended 1 day ago)" in ended
    assert "Banned" not in ended
    assert "Topic" not in ended
    assert "Stripe" not in ended


def test_a_list_counts_and_numbers_its_page() -> None:
    user = Listed(1, 42, HOSTILE, None, "zoe", 0, "vip", True, NOW + timedelta(days=1), NOW, None, 1_999, 300)
    page = users_search.Page([user, user], 10_001, 2)
    text = render_list(page, View(banned=True), "<i>", NOW)
    line = ("&lt;b&gt;Zoë&lt;/b&gt; &amp; \"Al\" (@zoe) ⛔🎟🚫 · 0 cr · vip · spent card 19.99 + ⭐ 300"
            " · seen never")
    assert text.splitlines() == [
        "👥 <b>Users</b> · “&lt;i&gt;” · banned · by last seen", "17–18 of more than 10,000", "",
        f"17. {line}", f"18. {line}"]
    assert render_list(users_search.Page([], 0, 0), View(), None, NOW).endswith("No user matches.")
