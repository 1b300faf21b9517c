"""What a user is told when an operator changes their account, in the user's language."""

from __future__ import annotations

from datetime import datetime

from core.i18n import Html, catalogs, credits_word, t


def _when(moment: datetime, lang: str) -> Html:
    """``24 Nov 2026, 10:00 UTC``, the month in ``lang`` (as billing words it)."""
    months = catalogs().get(lang, "months_short").split()
    return t(lang, "date_time", day=f"{moment.day:02d}", month=months[moment.month - 1], year=moment.year,
             time=f"{moment.hour:02d}:{moment.minute:02d}")


def credits_added(credits: int, balance: int, *, lang: str) -> str:
    return t(lang, "operator_credits_added", credits=credits_word(credits, lang=lang),
             balance=credits_word(balance, lang=lang))


def credits_removed(credits: int, balance: int, *, lang: str) -> str:
    return t(lang, "operator_credits_removed", credits=credits_word(credits, lang=lang),
             balance=credits_word(balance, lang=lang))


def pass_granted(until: datetime, *, lang: str) -> str:
    return t(lang, "operator_pass_granted", until=_when(until, lang))


def pass_ended(*, lang: str) -> str:
    return t(lang, "operator_pass_ended")


def unbanned(*, lang: str) -> str:
    return t(lang, "unbanned")
