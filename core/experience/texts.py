"""The experience's texts (welcome, balance line, help), from the message catalogs, in HTML.

Names and the operator's welcome text are escaped, so a name such as
``<b>&_*`` shows as written.
"""

from __future__ import annotations

from html import escape

from core import i18n
from core.i18n import DEFAULT, Html, credits_word, t


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


def pass_line(until: str, *, lang: str = DEFAULT) -> Html:
    return t(lang, "pass_line", until=until)
