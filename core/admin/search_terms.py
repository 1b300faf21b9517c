"""What an operator typed into Search, read as the keys it can be found by.

One term is tried as every kind at once: ``123456789`` is a Telegram id,
``@maria_s`` a username, ``cus_…`` a Stripe customer, ``cs_…``/``pi_…``/``ch_…``/
``in_…``/``stx…`` a payment, ``$9.99`` or ``500⭐`` an amount, and any words are
searched in names (by prefix) and in messages (whole words). Nothing here
touches SQL: the keys reach the queries as parameters, and the words are read
by Postgres's own parsers (plainto/websearch_to_tsquery), which accept any text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from core import i18n

#: Longer input is cut to this many characters (and the screen says so): a
#: pasted page would only make a slower query that finds nothing.
MAX_TERM = 200
#: Telegram ids have at most 16 digits; longer digit strings are not ids.
_ID_DIGITS = 16
#: The largest amount read, in minor units: beyond it the text is not a price.
MAX_AMOUNT = 10**12

_USERNAME = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")
_CUSTOMER = re.compile(r"cus_[A-Za-z0-9]{6,64}")
#: Stripe's ids of a payment (Checkout session, payment intent, charge,
#: invoice, subscription) and Telegram's Stars charge ids (``stx…``).
_PAYMENT_ID = re.compile(r"(?:cs|pi|ch|in|sub|py|re)_[A-Za-z0-9_]{6,200}|stx[A-Za-z0-9_-]{6,200}")
#: Other providers' charge ids: one token of letters and digits, with both.
_OTHER_ID = re.compile(r"(?=[A-Za-z_-]*[0-9])(?=[0-9_-]*[A-Za-z])[A-Za-z0-9_-]{10,200}")
_SYMBOLS = {symbol: code for code, symbol in i18n.CURRENCY_SYMBOLS.items()}
_UNIT = r"R\$|[$€£₴¥⭐]|stars?|[a-z]{3}"
_MONEY = re.compile(rf"(?P<before>{_UNIT})?\s*(?P<number>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<after>{_UNIT})?",
                    re.IGNORECASE)
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


class Unsearchable(ValueError):
    """The text cannot be searched; the message says why and what to type instead."""


@dataclass(frozen=True)
class Amount:
    minor: int
    #: ``usd``, ``eur``, ``xtr`` (Stars); None: any card currency (``9.99``).
    currency: str | None


@dataclass(frozen=True)
class Term:
    #: What is searched: cleaned and cut to MAX_TERM.
    text: str
    #: The operator typed more than MAX_TERM characters.
    truncated: bool = False
    telegram_id: int | None = None
    username: str | None = None
    customer_id: str | None = None
    payment_id: str | None = None
    amount: Amount | None = None

    @property
    def is_key(self) -> bool:
        """A single id, username or amount: names are not searched for it."""
        return any(k is not None for k in (self.telegram_id, self.username, self.customer_id,
                                          self.payment_id, self.amount))


def clean(typed: str) -> tuple[str, bool]:
    """The typed text without control characters (Postgres refuses NUL; the
    others only hide what was searched), spaces collapsed, cut to MAX_TERM at a word."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in typed)
    # Bidi controls and zero-width marks are "Cf": kept (Persian needs ZWNJ), as
    # Postgres's parser ignores them; the echo on the screen is isolated instead.
    text = " ".join(kept.split())
    if len(text) <= MAX_TERM:
        return text, False
    cut = text[:MAX_TERM + 1]
    # At the last space: a word cut in half would be searched as another word.
    return (cut.rsplit(" ", 1)[0] if " " in cut[MAX_TERM // 2:] else cut[:MAX_TERM]).rstrip(), True


def _currency(unit: str) -> str | None:
    """The currency a symbol or code names; None when it names none (``9 abc`` is words)."""
    if unit.upper() in _SYMBOLS:
        return _SYMBOLS[unit.upper()]
    unit = unit.lower()
    if unit in ("⭐", "star", "stars", "xtr"):
        return "xtr"
    if unit in i18n.CURRENCY_SYMBOLS or unit in i18n.ZERO_DECIMAL_CURRENCIES:
        return unit
    return None


def _amount(text: str) -> Amount | None:
    found = _MONEY.fullmatch(text)
    if found is None or (found.group("before") and found.group("after")):
        return None
    unit = found.group("before") or found.group("after")
    number = found.group("number")
    if unit is None and "." not in number and "," not in number:
        return None  # a bare whole number is a Telegram id, not a price
    currency = _currency(unit) if unit is not None else None
    if unit is not None and currency is None:
        return None
    if _THOUSANDS.fullmatch(number):
        number = number.replace(",", "")
    elif number.count(",") == 1 and "." not in number:
        number = number.replace(",", ".")  # 9,99: a decimal comma
    if "," in number:
        return None
    whole, _, fraction = number.partition(".")
    digits = 0 if currency == "xtr" or currency in i18n.ZERO_DECIMAL_CURRENCIES else 2
    if len(fraction) > digits or len(whole) > 12:
        return None
    minor = int(whole) * 10**digits + (int(fraction.ljust(digits, "0")) if digits else 0)
    return Amount(minor, currency) if 0 < minor <= MAX_AMOUNT else None


def read(typed: str) -> Term:
    """The term and its keys; Unsearchable when nothing in it can be searched."""
    text, truncated = clean(typed)
    if not text:
        raise Unsearchable("Type what to search for: a name, @username, Telegram id, payment id, "
                           "amount (9.99, 500⭐) or words from a message.")
    if not any(c.isalnum() for c in text):
        raise Unsearchable("There is nothing to search for in that: it has no letters or digits. "
                           "Search by name, @username, id, amount or words.")
    term = Term(text, truncated)
    if text.isdigit() and len(text) <= _ID_DIGITS:
        return replace(term, telegram_id=int(text))
    if (found := _USERNAME.fullmatch(text)) is not None:
        return replace(term, username=found.group(1).lower())
    if _CUSTOMER.fullmatch(text):
        return replace(term, customer_id=text)
    if _PAYMENT_ID.fullmatch(text) or _OTHER_ID.fullmatch(text):
        return replace(term, payment_id=text)
    return replace(term, amount=_amount(text))
