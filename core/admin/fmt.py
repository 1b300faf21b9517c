"""Numbers, money, times and names as operators read them on the screens.

Thousands separated (``1,234,567``), money with its symbol (``$1,234.50``,
``⭐ 1,500``), times relative (``12 min ago``), and anything a user or an
operator typed escaped for HTML.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

from core import i18n


def number(value: int | float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def money(amount_minor: int, currency: str) -> str:
    """``$9.99``, ``€1,000.00``, ``⭐ 500`` (Stars are whole)."""
    code = currency.lower()
    if code == "xtr":
        return f"⭐ {amount_minor:,}"
    if code in i18n.ZERO_DECIMAL_CURRENCIES:
        whole = f"{amount_minor:,}"
    else:
        sign = "-" if amount_minor < 0 else ""
        whole = f"{sign}{abs(amount_minor) // 100:,}.{abs(amount_minor) % 100:02d}"
    symbol = i18n.CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{whole}" if symbol else f"{whole} {code.upper()}"


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """``just now``, ``12 min ago``, ``3 h ago``, ``5 days ago``; ``never`` for None."""
    if when is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = (now - when).total_seconds()
    if seconds < 0:
        return f"in {duration(timedelta(seconds=-seconds))}"
    if seconds < 60:
        return "just now"
    return f"{duration(timedelta(seconds=seconds))} ago"


def duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        hours, minutes = seconds // 3600, seconds % 3600 // 60
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''}"


def date(when: datetime | None) -> str:
    return "—" if when is None else f"{when:%Y-%m-%d %H:%M} UTC"


def esc(text: object) -> str:
    """Anything a person typed, made safe for the HTML every screen is written in."""
    return escape(str(text), quote=False)


def name_of(first_name: str | None, last_name: str | None, username: str | None, telegram_id: int) -> str:
    """``Maria Silva (@maria_s)``, escaped."""
    name = " ".join(p for p in (first_name, last_name) if p) or str(telegram_id)
    handle = f" (@{username})" if username else ""
    return esc(name + handle)
