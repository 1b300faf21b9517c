"""Texts users see, from the message catalogs (:mod:`core.i18n`), in HTML.

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

from core import i18n
from core.i18n import DEFAULT, Html, t

PARSE_MODE = "HTML"


def credits_word(n: int, *, lang: str = DEFAULT) -> Html:
    """``1 credit``, ``3 credits`` (plain text, no markup)."""
    return t(lang, "credits", count=n)


def welcome(name: str, *, new: bool, lang: str = DEFAULT, custom: str | None = None) -> str:
    """The greeting; ``custom`` is the operator's welcome text for new users.

    The operator's text is plain text with an optional ``{name}`` placeholder:
    it is escaped like a user's, so a stray ``<`` in settings cannot break it.
    """
    if new and custom and custom.strip():
        return i18n.substitute(escape(custom, quote=False), {"name": name}, strict=False)
    return t(lang, "welcome_new" if new else "welcome_back", name=name)


def balance_line(credits: int, cost: int, *, lang: str = DEFAULT) -> Html:
    return t(lang, "balance_line", count=credits, cost=credits_word(cost, lang=lang))


def welcome_with_balance(
    name: str, *, new: bool, credits: int, cost: int, lang: str = DEFAULT, custom: str | None = None
) -> str:
    head = welcome(name, new=new, lang=lang, custom=custom)
    return f"{head}\n\n{balance_line(credits, cost, lang=lang)}"


def help_text(*, lang: str = DEFAULT, cost: int = 1) -> str:
    return t(lang, "help", cost=credits_word(cost, lang=lang))


def payments_unavailable(*, lang: str = DEFAULT) -> str:
    return t(lang, "payments_unavailable")


def payment_pending(*, lang: str = DEFAULT) -> str:
    return t(lang, "payment_pending")


def _rest(balance: int, pass_active: bool, lang: str) -> Html:
    return t(lang, "left_pass") if pass_active else t(lang, "left_credits", count=balance)


def delivered(count: int, balance: int, *, pass_active: bool, lang: str = DEFAULT) -> str:
    return t(lang, "delivered", count=count, rest=_rest(balance, pass_active, lang))


def not_enough_credits(balance: int, cost: int, *, lang: str = DEFAULT) -> str:
    return t(lang, "not_enough_credits", balance=credits_word(balance, lang=lang),
             cost=credits_word(cost, lang=lang))


def held_released(count: int, balance: int, *, pass_active: bool, lang: str = DEFAULT) -> str:
    return t(lang, "held_released", count=count, rest=_rest(balance, pass_active, lang))


def banned(*, lang: str = DEFAULT) -> str:
    return t(lang, "banned")


def unsupported_message(*, lang: str = DEFAULT) -> str:
    return t(lang, "unsupported_message")


def message_too_long(limit: int, *, lang: str = DEFAULT) -> str:
    """A message Telegram refused to copy for its length (a premium caption, say)."""
    return t(lang, "message_too_long", limit=limit)


def operator_edited(text: str | None, *, lang: str = DEFAULT) -> str:
    return t(lang, "operator_edited", text=text or "")


def pass_line(until: str, *, lang: str = DEFAULT) -> Html:
    return t(lang, "pass_line", until=until)


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


def buy_keyboard(products: list[tuple[str, str]]) -> dict[str, object]:
    """Inline buttons ``buy:<code>``, two per row; labels are plain text."""
    buttons = [{"text": label, "callback_data": f"buy:{code}"} for code, label in products]
    return {"inline_keyboard": [buttons[i : i + 2] for i in range(0, len(buttons), 2)]}
