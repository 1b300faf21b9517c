"""The relay's texts, from the message catalogs (:mod:`core.i18n`), in HTML.

Every user-facing function takes ``lang`` (a catalog language, English by
default). Names and users' text are escaped for HTML, the parse mode the bot
uses, so a name such as ``<b>&_*`` shows as written. Texts shown to operators
in the admin group (topic names, the customer summary, notices) stay English.

The result is HTML: send it with ``parse_mode=PARSE_MODE``. The short status
texts (delivered, held, not enough credits, banned, unsupported) contain no
markup or entities, so they read the same where a caller sends them as plain
text (the pre-checkout ``error_message`` is always plain).
"""

from __future__ import annotations

from html import escape

from core.i18n import DEFAULT, Html, credits_word, t
from core.telegram.markup import PARSE_MODE

__all__ = ["PARSE_MODE", "credits_word"]


def _rest(balance: int, pass_active: bool, lang: str) -> Html:
    return t(lang, "left_pass") if pass_active else t(lang, "left_credits", count=balance)


def delivered(count: int, balance: int, *, pass_active: bool, lang: str = DEFAULT) -> str:
    return t(lang, "delivered", count=count, rest=_rest(balance, pass_active, lang))


def held_released(count: int, balance: int, *, pass_active: bool, lang: str = DEFAULT) -> str:
    return t(lang, "held_released", count=count, rest=_rest(balance, pass_active, lang))


def banned(*, lang: str = DEFAULT) -> str:
    return t(lang, "banned")


def unsupported_message(*, lang: str = DEFAULT) -> str:
    return t(lang, "unsupported_message")


def too_fast(seconds: int, *, lang: str = DEFAULT) -> str:
    """A user over the message rate (core.relay.guard): once per window."""
    return t(lang, "too_fast", seconds=seconds)


def held_full(count: int, *, lang: str = DEFAULT) -> str:
    """A user's messages waiting for credits reached the cap (core.relay.guard): once."""
    return t(lang, "held_full", count=count)


def message_too_long(limit: int, *, lang: str = DEFAULT) -> str:
    """A message Telegram refused to copy for its length (a premium caption, say)."""
    return t(lang, "message_too_long", limit=limit)


def operator_edited(text: str | None, *, lang: str = DEFAULT) -> str:
    return t(lang, "operator_edited", text=text or "")


# --- for operators, in the admin group (English) ---


def topic_name(first_name: str, last_name: str | None, username: str | None, telegram_id: int) -> str:
    name = " ".join(p for p in (first_name, last_name) if p) or "User"
    parts = [name[:64]]
    if username:
        parts.append(f"@{username}")
    parts.append(str(telegram_id))
    return " · ".join(parts)[:128]


def customer_summary(
    *, name: str, username: str | None, telegram_id: int, credits: int, tier: str,
    member_since: str, language: str | None, pass_until: str | None,
) -> str:
    handle = f" (@{escape(username)})" if username else ""
    lines = [
        f"👤 <b>{escape(name)}</b>{handle} · id <code>{telegram_id}</code>",
        f"Balance: {credits_word(credits)} · tier: {escape(tier)}",
        f"Member since {member_since} · language: {escape(language or 'unknown')}",
    ]
    if pass_until:
        lines.append(f"Pass active until {pass_until}")
    return "\n".join(lines)


def not_delivered_notice(reason: str) -> str:
    return f"⚠️ Not delivered: {escape(reason)}"


def user_edited(text: str | None) -> str:
    return f"✏️ The user edited this message:\n{escape(text or '')}"
