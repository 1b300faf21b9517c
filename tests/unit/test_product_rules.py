"""The rules a product must follow, as operators type them: each refusal names its rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.admin.payment_filters import Filter
from core.admin.payment_views import dashboard_base
from core.admin.revenue import Period, since
from core.billing import catalog_edits, product_rules
from core.billing.catalog import Badge, Kind, Product
from core.billing.catalog_edits import Field
from core.billing.product_rules import CardPrice, Invalid, Shape, check_shape
from core.billing.rails import Rail
from core.billing.transactions import Status

NOW = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)
PACK = Product(id=1, code="pack25", name="25 credits", kind=Kind.CREDITS, credits=25, pass_days=None,
               recurring=False, stripe_amount=999, stripe_currency="usd", stars_amount=500, active=True,
               hidden=False, badge=Badge.POPULAR, sort=20)


@pytest.mark.parametrize(("typed", "price"), [
    ("4.99usd", CardPrice(499, "usd")), ("4.99 USD", CardPrice(499, "usd")), ("5usd", CardPrice(500, "usd")),
    ("0.50usd", CardPrice(50, "usd")), ("0.30gbp", CardPrice(30, "gbp")), ("500jpy", CardPrice(500, "jpy")),
    ("175huf", CardPrice(17500, "huf")), ("999999.99eur", CardPrice(99_999_999, "eur")),
])
def test_card_prices_in_minor_units(typed: str, price: CardPrice) -> None:
    assert product_rules.parse_price(typed) == price


@pytest.mark.parametrize(("typed", "rule"), [
    ("0.49usd", "Stripe's minimum charge in USD is 0.50usd"),
    ("0.29gbp", "Stripe's minimum charge in GBP is 0.30gbp"),
    ("49jpy", "Stripe's minimum charge in JPY is 50jpy"),
    ("0usd", "must be more than 0"),
    ("0.00eur", "must be more than 0"),
    ("-1usd", "is not a price"),
    ("4.999usd", "USD has no amounts smaller than 0.01"),
    ("4.5jpy", "JPY has no amounts smaller than 1"),
    ("4,99usd", "with a point"),
    ("4.99xyz", "“XYZ” is not a currency prices can be set in"),
    ("4.99", "is not a price"),
    ("1000000usd", "Stripe takes at most 999999.99usd"),
])
def test_card_prices_refused_with_the_rule(typed: str, rule: str) -> None:
    with pytest.raises(Invalid, match=rule.replace(".", r"\.").replace("(", r"\(")):
        product_rules.parse_price(typed)


def test_stars_are_whole_and_within_telegrams_limits() -> None:
    assert product_rules.parse_stars("250") == 250
    assert product_rules.parse_stars("⭐ 10000") == 10_000
    for typed, rule in (("0", "at least 1 Star"), ("10001", "at most 10,000 Stars"),
                        ("2.5", "Stars are whole"), ("-3", "Stars are whole"), ("lots", "Stars are whole")):
        with pytest.raises(Invalid, match=rule):
            product_rules.parse_stars(typed)


def test_names_fit_an_invoice_title_and_codes_fit_links() -> None:
    assert product_rules.parse_name("  200   credits ") == "200 credits"
    assert product_rules.parse_name("x" * 32) == "x" * 32
    with pytest.raises(Invalid, match=r"at most 32 characters \(this one has 33\)"):
        product_rules.parse_name("x" * 33)
    with pytest.raises(Invalid, match="cannot be empty"):
        product_rules.parse_name("   ")
    assert product_rules.parse_code("Pack_200") == "pack_200"
    for bad in ("9lives", "a", "pack-200", "pack 200", "p" * 33, "пак"):
        with pytest.raises(Invalid, match="not a product code"):
            product_rules.parse_code(bad)


def _shape(**changes: object) -> Shape:
    base = Shape(Kind.CREDITS, 10, None, False, 499, "usd", 250)
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("shape", "rule"), [
    (_shape(stripe_amount=None, stripe_currency=None, stars_amount=None), "price on at least one rail"),
    (_shape(credits=0), "at least 1 credit"),
    (_shape(kind=Kind.PASS, credits=0), "A pass needs its days"),
    (_shape(kind=Kind.PASS, credits=5, pass_days=7), "grants time, not credits"),
    (_shape(pass_days=7), "grants credits, not days"),
    (_shape(recurring=True), "Only a pass can be a monthly subscription"),
    (_shape(kind=Kind.PASS, credits=0, pass_days=10, recurring=True), "every day, week, month or year"),
    (_shape(kind=Kind.PASS, credits=0, pass_days=30, recurring=True, stripe_amount=None,
            stripe_currency=None), "billed by card"),
    (_shape(stripe_amount=10), "minimum charge in USD"),
    (_shape(stars_amount=20_000), "at most 10,000 Stars"),
])
def test_a_product_is_checked_as_a_whole(shape: Shape, rule: str) -> None:
    with pytest.raises(Invalid, match=rule):
        check_shape(shape)


def test_valid_shapes_pass() -> None:
    check_shape(_shape())
    check_shape(_shape(kind=Kind.CUSTOM, stripe_amount=None, stripe_currency=None))
    check_shape(_shape(kind=Kind.PASS, credits=0, pass_days=30, recurring=True, stars_amount=None))


def test_refund_amounts_read_in_the_payments_currency() -> None:
    assert product_rules.parse_amount("4", "usd") == 400
    assert product_rules.parse_amount("4.50usd", "USD") == 450
    assert product_rules.parse_amount("250", "XTR") == 250
    assert product_rules.parse_amount("⭐ 250", "XTR") == 250
    assert product_rules.parse_amount("500", "jpy") == 500
    for typed, currency, rule in (("2.5", "XTR", "Stars are whole"), ("4.555", "usd", "not an amount"),
                                  ("four", "usd", "not an amount"), ("4.5", "jpy", "fraction")):
        with pytest.raises(Invalid, match=rule):
            product_rules.parse_amount(typed, currency)


def test_expiry_relative_or_a_date_in_the_future() -> None:
    assert product_rules.parse_expiry("7d", NOW) == NOW + timedelta(days=7)
    assert product_rules.parse_expiry("48h", NOW) == NOW + timedelta(hours=48)
    assert product_rules.parse_expiry("2025-12-31", NOW) == datetime(2026, 1, 1, tzinfo=UTC)
    for typed, rule in (("0d", "in the future"), ("2025-11-01", "has passed"), ("soon", "not an expiry"),
                        ("9999d", "ten years")):
        with pytest.raises(Invalid, match=rule):
            product_rules.parse_expiry(typed, NOW)


def test_an_edit_is_previewed_with_the_rest_of_the_product() -> None:
    assert catalog_edits.preview(PACK, Field.PRICE, product_rules.parse_price("12.99usd")) == (
        {"price": "9.99usd"}, {"price": "12.99usd"})
    assert catalog_edits.preview(PACK, Field.PRICE, CardPrice(999, "usd")) is None  # no change
    assert catalog_edits.preview(PACK, Field.BADGE, None) == ({"badge": "popular"}, {"badge": None})
    stars_only = catalog_edits.preview(PACK, Field.PRICE, None)
    assert stars_only == ({"price": "9.99usd"}, {"price": None})
    no_price = replace(PACK, stars_amount=None)
    with pytest.raises(Invalid, match="price on at least one rail"):
        catalog_edits.preview(no_price, Field.PRICE, None)
    with pytest.raises(Invalid, match="grants credits, not days"):
        catalog_edits.preview(PACK, Field.DAYS, 7)
    assert catalog_edits.parse_value(Field.ACTIVE, "off", NOW) is False
    assert catalog_edits.parse_value(Field.USES, "none", NOW) is None
    assert catalog_edits.parse_value(Field.STARS, "none", NOW) is None
    with pytest.raises(Invalid, match="not a field"):
        catalog_edits.parse_field("colour")
    with pytest.raises(Invalid, match="not a badge"):
        catalog_edits.parse_value(Field.BADGE, "shiny", NOW)


def test_the_stored_stripe_price_is_used_only_while_it_charges_the_price() -> None:
    synced = replace(PACK, stripe_price_id="price_1", stripe_price_amount=999, stripe_price_currency="usd")
    assert synced.stripe_price == "price_1"
    assert replace(synced, stripe_amount=1299).stripe_price is None  # raised, not synced yet
    assert replace(synced, stripe_price_currency="eur").stripe_price is None
    month = replace(synced, kind=Kind.PASS, credits=0, pass_days=30, recurring=True)
    assert month.stripe_price is None  # the stored one is not recurring
    assert replace(month, stripe_price_interval="month").stripe_price == "price_1"


def test_payment_filters_pack_into_a_button_and_back() -> None:
    f = Filter(Status.PARTIALLY_REFUNDED, Rail.STARS, 123456, 12345678, NOW.date() - timedelta(days=30),
               NOW.date())
    packed = f.pack()
    assert Filter.unpack(packed) == f
    assert len(f"adm:pay:l:999:{packed}".encode()) <= 64
    assert Filter().pack() == "-"
    assert Filter.unpack("-") == Filter()
    assert Filter.unpack("sbogus.rcash.pxx.u1") == Filter(user_id=1)  # a stale button shows more, never less


def test_dashboard_links_are_test_mode_for_test_keys() -> None:
    assert dashboard_base("sk_test_abc") == "https://dashboard.stripe.com/test"
    assert dashboard_base("rk_test_abc") == "https://dashboard.stripe.com/test"
    assert dashboard_base("sk_live_abc") == "https://dashboard.stripe.com"
    assert dashboard_base("rk_live_abc") == "https://dashboard.stripe.com"


def test_revenue_reports_start_at_a_periods_start() -> None:
    today = NOW.date()  # a Sunday
    assert since(Period.DAY, today) == today - timedelta(days=13)
    assert since(Period.WEEK, today).weekday() == 0
    assert since(Period.WEEK, today) == today - timedelta(days=6 + 11 * 7)
    assert since(Period.MONTH, today) == NOW.date().replace(year=2024, month=12, day=1)
