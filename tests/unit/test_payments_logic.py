"""Pure parts of payments: refunds' arithmetic, money, payloads, products, Stripe object reading, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from core.billing import history, keyboards, purchases, rails, refunds, stars, texts
from core.billing.catalog import Badge, Kind, Product
from core.billing.rails import Rail, Rails
from core.billing.stripe import subscriptions
from core.platform.config import load_settings


def _product(code: str = "pack25", **changes: object) -> Product:
    values: dict[str, object] = dict(
        id=2, code=code, name="25 credits", kind=Kind.CREDITS, credits=25, pass_days=None, recurring=False,
        stripe_amount=999, stripe_currency="usd", stars_amount=500, active=True, hidden=False,
        badge=Badge.POPULAR, sort=20,
    )
    values.update(changes)
    return Product(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("credits", "amount", "refunded", "target"), [
    (25, 999, 0, 0),
    (25, 999, 999, 25),
    (25, 999, 5000, 25),  # more than paid: everything, not more
    (100, 2999, 1000, 33),  # pro rata, rounded down in the user's favour
    (100, 2999, 2998, 99),
    (0, 999, 999, 0),  # a pass: no credits to take
    (10, 0, 1, 10),
])
def test_revoke_target(credits: int, amount: int, refunded: int, target: int) -> None:
    assert refunds.revoke_target(credits, amount, refunded) == target


def test_revoke_target_only_grows_with_the_cumulative_refund() -> None:
    targets = [refunds.revoke_target(50, 1799, r) for r in range(0, 1800, 7)]
    assert targets == sorted(targets)


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (999, "usd", "$9.99"), (5, "eur", "€0.05"), (100000, "gbp", "£1000.00"), (500, "XTR", "⭐ 500"),
    (1200, "jpy", "1200 JPY"), (1999, "chf", "19.99 CHF"),
])
def test_money(amount: int, currency: str, text: str) -> None:
    assert texts.money(amount, currency) == text


def test_stars_payload_round_trip_and_refusals() -> None:
    assert stars.parse_payload(stars.invoice_payload(42)) == 42
    for bad in ("product:credits_25:user:1", "tx:", "tx:-1", "tx:1a", None, 5):
        assert stars.parse_payload(bad) is None


def test_products_per_rail_and_subscription_interval() -> None:
    pack = _product()
    assert (pack.price(Rail.STRIPE), pack.price(Rail.STARS)) == (999, 500)
    assert not _product(stars_amount=None).sold_on(Rail.STARS)
    assert not _product(stripe_currency=None).sold_on(Rail.STRIPE)
    month = _product("pass_month", kind=Kind.PASS, credits=0, pass_days=30, recurring=True)
    assert month.subscription_interval == "month"
    assert _product("pass_week", kind=Kind.PASS, credits=0, pass_days=7).subscription_interval is None


def test_catalog_keyboard_marks_badges_and_offers_enabled_rails_only() -> None:
    products = [_product("pack10", badge=None, name="10 credits"), _product(),
                _product("pack100", badge=Badge.BEST_VALUE, name="100 credits")]
    both = keyboards.catalog_keyboard(products, (Rail.STRIPE, Rail.STARS))["inline_keyboard"]
    assert isinstance(both, list)
    assert [b["callback_data"] for b in both[1]] == ["pay:stripe:pack25", "pay:stars:pack25"]
    assert both[1][0]["text"].startswith("🔥 ")
    assert both[2][0]["text"].startswith("💎 ")
    stars_only = keyboards.catalog_keyboard(products, (Rail.STARS,))["inline_keyboard"]
    assert isinstance(stars_only, list)
    assert stars_only[0] == [{"text": "10 credits · ⭐ 500", "callback_data": "pay:stars:pack10"}]
    for row in both:
        for button in row:
            assert len(button["callback_data"].encode()) <= 64


def test_rails_follow_settings_and_configuration() -> None:
    on = rails.from_rows({}, stripe_configured=True)
    assert (on.enabled, on.primary) == ((Rail.STRIPE, Rail.STARS), Rail.STRIPE)
    assert rails.from_rows({}, stripe_configured=False).primary is Rail.STARS
    off = rails.from_rows({"stripe_enabled": False, "stars_enabled": False}, stripe_configured=True)
    assert (off.enabled, off.primary) == ((), None)
    settings = load_settings({})
    assert rails.start_link(settings, "paid_7") == "https://t.me/paid_desk_bot?start=paid_7"
    assert rails.stripe_lock(42) == "stripe:user:42"


def test_invoice_and_subscription_reading_across_api_versions() -> None:
    line = {"metadata": {"telegram_id": "1"}, "period": {"start": 100, "end": 2_000_000_000}}
    new = {"id": "in_1", "parent": {"subscription_details": {"subscription": "sub_1",
                                                             "metadata": {"telegram_id": "2"}}},
           "lines": {"data": [line]}}
    old = {"id": "in_2", "subscription": "sub_2", "lines": {"data": [line]}}
    assert subscriptions.invoice_subscription(new) == ("sub_1", {"telegram_id": "2"})
    assert subscriptions.invoice_subscription(old) == ("sub_2", {"telegram_id": "1"})
    assert subscriptions.invoice_subscription({"id": "in_3"}) == (None, {})
    end = datetime.fromtimestamp(2_000_000_000, UTC)
    assert subscriptions.period_end(new) == end
    sub = {"items": {"data": [{"current_period_end": 2_000_000_000}]}}
    assert subscriptions.period_end(sub) == end
    assert subscriptions.period_end({"current_period_end": 2_000_000_000}) == end
    assert subscriptions.period_end({}) is None


def test_history_csv_is_oldest_first_with_integer_amounts() -> None:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    entries = [
        history.Entry(at.replace(hour=11), "credits", -1, 27, "message", None, None, None, None, None),
        history.Entry(at, "credits", 25, 28, "purchase", 7, "stripe", 999, "usd", "cs_test_1"),
        history.Entry(at.replace(hour=12), "pass", 86400, None, "purchase", 8, "stars", 150, "XTR", "stx1"),
    ]
    rows = list(csv.reader(io.StringIO(history.to_csv(entries).decode())))
    assert rows[0] == list(history.CSV_HEADER)
    assert rows[1] == ["2026-11-24 10:00:00", "credits", "25", "28", "purchase", "7", "stripe", "999", "USD",
                       "cs_test_1"]
    assert rows[2][2:5] == ["-1", "27", "message"]
    assert rows[3][:4] == ["2026-11-24 12:00:00", "pass", "86400", ""]


def test_history_lines_and_analytics() -> None:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    bought = history.Entry(at, "credits", 25, 28, "purchase", 7, "stripe", 999, "usd", "cs")
    assert texts.history_line(bought) == "24 Nov 10:00 · +25 credits · bought ($9.99) · balance 28"
    week = history.Entry(at, "pass", 7 * 86400, None, "purchase", 8, "stars", 750, "XTR", "stx")
    assert texts.history_line(week) == "24 Nov 10:00 · pass +7 days · bought (⭐ 750)"
    summary = history.Summary(balance=3, pass_until=None, credits_bought=25, credits_spent=10,
                              messages_sent=10, paid=(("usd", 999),), since=at,
                              now=at.replace(day=27, hour=9))
    assert (summary.days, summary.messages_per_day) == (3, 10 / 3)
    text = texts.history(summary, [bought], 0)
    assert "Paid: $9.99" in text
    assert "3.3 a day" in text


def test_user_data_is_escaped() -> None:
    assert "&lt;b&gt;" in texts.dispute_alert("<b>x</b>", 1, 999, "usd", "fraudulent", 3)
    assert texts.terms("a <b> c") == "a &lt;b&gt; c"


def test_a_quick_buy_pays_on_the_primary_rail_or_the_one_that_sells_it() -> None:
    both, card, stars, none = (Rails(True, True), Rails(True, False), Rails(False, True), Rails(False, False))
    pack = _product()
    stars_only = _product(stripe_amount=None, stripe_currency=None)
    assert purchases.quick_rail(pack, both) is Rail.STRIPE
    assert purchases.quick_rail(pack, stars) is Rail.STARS
    assert purchases.quick_rail(stars_only, both) is Rail.STARS
    assert purchases.quick_rail(stars_only, card) is Rail.STRIPE  # refused later: not sold on a card
    assert purchases.quick_rail(None, stars) is Rail.STARS
    assert purchases.quick_rail(pack, none) is Rail.STRIPE


def test_a_product_is_offered_on_the_enabled_rails_that_sell_it() -> None:
    pack, stars_only = _product(), _product(stripe_amount=None, stripe_currency=None)
    assert purchases.offered(pack, Rails(True, True)) == [Rail.STRIPE, Rail.STARS]
    assert purchases.offered(stars_only, Rails(True, True)) == [Rail.STARS]
    assert purchases.offered(stars_only, Rails(True, False)) == []
