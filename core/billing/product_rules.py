"""The rules a product must follow, as operators type it: prices, Stars, names, codes.

Pure functions: each reads one typed value or checks one product and raises
:class:`Invalid` naming the rule that failed (Stripe's minimum charge in that
currency, Telegram's limits on a Stars invoice, the 32 characters of an
invoice's title, ...), so a typo changes nothing and the operator learns why.
Amounts are integers in minor units (cents; Stars are whole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from core.billing.catalog import Badge, Kind
from core.i18n import ZERO_DECIMAL_CURRENCIES

#: Stripe's minimum charge per currency, in minor units (docs.stripe.com/currencies,
#: "Minimum and maximum charge amounts"); the currencies a price may be set in.
STRIPE_MINIMUM: dict[str, int] = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500,
    "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50, "mxn": 1000,
    "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200, "sek": 300, "sgd": 50, "thb": 1000,
}
#: Currencies counted in whole units (no cents), e.g. JPY.
ZERO_DECIMAL = ZERO_DECIMAL_CURRENCIES
#: Stripe takes amounts of at most eight digits in minor units.
STRIPE_MAXIMUM = 99_999_999
#: Telegram's limits on a Stars invoice: a whole number of Stars, from 1 to this.
STARS_MAXIMUM = 10_000
#: An invoice's title (Telegram) holds 1 to 32 characters.
NAME_MAX = 32
#: Codes appear in ``buy_<code>`` links (64 characters) and buttons (64 bytes).
CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")
#: Stripe bills subscriptions by interval: the days a recurring pass may last.
RECURRING_DAYS = (1, 7, 30, 31, 365)
MAX_CREDITS = 1_000_000
MAX_DAYS = 3650
MAX_USES = 1_000_000
#: A custom package lasts at most this long from now.
MAX_EXPIRY = timedelta(days=3650)


class Invalid(ValueError):
    """What was typed breaks a rule; the message names it."""


@dataclass(frozen=True)
class CardPrice:
    amount: int  # minor units
    currency: str  # lowercase ISO code

    def __str__(self) -> str:
        if self.currency in ZERO_DECIMAL:
            return f"{self.amount}{self.currency}"
        return f"{self.amount // 100}.{self.amount % 100:02d}{self.currency}"


def parse_price(text: str) -> CardPrice:
    """``4.99usd``, ``4.99 USD``, ``500jpy``: a card price in minor units, at least Stripe's minimum."""
    found = re.fullmatch(r"\s*([0-9][0-9.,]*)\s*([A-Za-z]{3})\s*", text)
    if found is None:
        raise Invalid(f"“{text[:20]}” is not a price: write the amount and the currency, e.g. 4.99usd.")
    number, currency = found.group(1), found.group(2).lower()
    if currency not in STRIPE_MINIMUM:
        raise Invalid(f"“{currency.upper()}” is not a currency prices can be set in; known: "
                      f"{', '.join(c.upper() for c in sorted(STRIPE_MINIMUM))}.")
    if "," in number:
        raise Invalid("Write the decimals with a point: 4.99usd.")
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise Invalid(f"“{number}” is not an amount.") from None
    digits = 0 if currency in ZERO_DECIMAL else 2
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise Invalid(f"{currency.upper()} has no amounts smaller than "
                      f"{'1' if digits == 0 else '0.01'}: “{number}” is a fraction of that.")
    amount = int(minor)
    if amount <= 0:
        raise Invalid("A price must be more than 0.")
    return check_card_price(amount, currency)


def check_card_price(amount: int, currency: str) -> CardPrice:
    minimum = STRIPE_MINIMUM.get(currency)
    if minimum is None:
        raise Invalid(f"“{currency.upper()}” is not a currency prices can be set in.")
    if amount < minimum:
        raise Invalid(f"Stripe's minimum charge in {currency.upper()} is {CardPrice(minimum, currency)}.")
    if amount > STRIPE_MAXIMUM:
        raise Invalid(f"Stripe takes at most {CardPrice(STRIPE_MAXIMUM, currency)} in one charge.")
    return CardPrice(amount, currency)


def parse_stars(text: str) -> int:
    """A whole number of Stars within Telegram's invoice limits."""
    text = text.strip().removeprefix("⭐").strip()
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise Invalid(f"“{text[:20]}” is not a number of Stars: Stars are whole, e.g. 250.")
    return check_stars(int(text))


def check_stars(stars: int) -> int:
    if stars < 1:
        raise Invalid("A Stars price must be at least 1 Star.")
    if stars > STARS_MAXIMUM:
        raise Invalid(f"Telegram takes at most {STARS_MAXIMUM:,} Stars in one invoice.")
    return stars


def parse_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise Invalid("A name cannot be empty.")
    if len(name) > NAME_MAX:
        raise Invalid(f"A name must fit an invoice's title: at most {NAME_MAX} characters "
                      f"(this one has {len(name)}).")
    return name


def parse_code(text: str) -> str:
    code = text.strip().lower()
    if not CODE.fullmatch(code):
        raise Invalid(f"“{text[:40]}” is not a product code: 2 to 32 of a-z, 0-9 and _, starting with a "
                      "letter (it appears in links and buttons).")
    return code


def parse_kind(text: str) -> Kind:
    try:
        return Kind(text.strip().lower())
    except ValueError:
        raise Invalid(f"“{text[:20]}” is not a kind: credits, pass or custom.") from None


def parse_whole(text: str, *, what: str, maximum: int, allow_zero: bool = False) -> int:
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise Invalid(f"“{text[:20]}” is not a whole number of {what}.")
    value = int(text)
    if value == 0 and not allow_zero:
        raise Invalid(f"The number of {what} must be at least 1.")
    if value > maximum:
        raise Invalid(f"At most {maximum:,} {what}.")
    return value


def parse_sort(text: str) -> int:
    text = text.strip()
    if not re.fullmatch(r"-?[0-9]{1,6}", text):
        raise Invalid(f"“{text[:20]}” is not a sort position: a whole number, lower comes first.")
    return int(text)


def parse_switch(text: str) -> bool:
    value = text.strip().lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise Invalid(f"“{text[:20]}” is neither on nor off.")


def parse_badge(text: str) -> Badge | None:
    value = text.strip().lower()
    if value == "none":
        return None
    try:
        return Badge(value)
    except ValueError:
        raise Invalid(f"“{text[:20]}” is not a badge: popular, best_value or none.") from None


def is_none(text: str) -> bool:
    return text.strip().lower() in ("none", "off", "-")


def parse_expiry(text: str, now: datetime) -> datetime:
    """``7d`` (days from now), ``48h``, or a date ``2026-12-31`` (its end, UTC)."""
    value = text.strip().lower()
    relative = re.fullmatch(r"([0-9]{1,4})\s*([dh])", value)
    if relative is not None:
        amount = int(relative.group(1))
        span = timedelta(days=amount) if relative.group(2) == "d" else timedelta(hours=amount)
        if amount == 0:
            raise Invalid("An expiry must be in the future.")
        when = now + span
    else:
        try:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise Invalid(f"“{text[:20]}” is not an expiry: write 7d, 48h or a date like 2026-12-31.") \
                from None
        when = day + timedelta(days=1)
        if when <= now:
            raise Invalid("That date has passed: an expiry must be in the future.")
    if when - now > MAX_EXPIRY:
        raise Invalid("An expiry at most ten years ahead.")
    return when


@dataclass(frozen=True)
class Shape:
    """What a product is and costs, to check as a whole before it is saved."""

    kind: Kind
    credits: int
    pass_days: int | None
    recurring: bool
    stripe_amount: int | None
    stripe_currency: str | None
    stars_amount: int | None


def check_shape(s: Shape) -> None:
    """The rules that tie a product's fields together; raises :class:`Invalid`."""
    if s.kind is Kind.PASS:
        if s.pass_days is None:
            raise Invalid("A pass needs its days (e.g. 7).")
        if s.credits:
            raise Invalid("A pass grants time, not credits: set credits to 0 or make it a credits pack.")
    else:
        if s.pass_days is not None:
            raise Invalid(f"A {s.kind.value} product grants credits, not days: make it a pass for time.")
        if s.credits <= 0:
            raise Invalid(f"A {s.kind.value} product must grant at least 1 credit.")
    if s.recurring:
        if s.kind is not Kind.PASS:
            raise Invalid("Only a pass can be a monthly subscription (recurring).")
        if s.pass_days not in RECURRING_DAYS:
            raise Invalid("A recurring pass is billed by Stripe every day, week, month or year: "
                          f"its days must be one of {', '.join(map(str, RECURRING_DAYS))}.")
        if s.stripe_amount is None:
            raise Invalid("A subscription is billed by card: it needs a card price.")
    if s.stripe_amount is None and s.stars_amount is None:
        raise Invalid("A product needs a price on at least one rail: a card price or Stars.")
    if s.stripe_amount is not None:
        if s.stripe_currency is None:
            raise Invalid("A card price needs its currency.")
        check_card_price(s.stripe_amount, s.stripe_currency)
    if s.stars_amount is not None:
        check_stars(s.stars_amount)


def parse_amount(text: str, currency: str) -> int:
    """An amount of ``currency`` as people write it (``4``, ``4.50``, ``4.50usd``; Stars: ``250``),
    in minor units."""
    code = currency.lower()
    value = text.strip().lower().removeprefix("⭐").strip()
    if value.endswith(code):
        value = value[: -len(code)].strip()
    if code == "xtr":
        if not re.fullmatch(r"[0-9]{1,9}", value):
            raise Invalid(f"“{text[:20]}” is not a number of Stars: Stars are whole, e.g. 250.")
        return int(value)
    if not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,2})?", value):
        raise Invalid(f"“{text[:20]}” is not an amount in {code.upper()}: write e.g. 4.50.")
    digits = 0 if code in ZERO_DECIMAL else 2
    minor = Decimal(value).scaleb(digits)
    if minor != minor.to_integral_value():
        raise Invalid(f"{code.upper()} has no amounts smaller than 1: “{value}” is a fraction.")
    return int(minor)
