"""Which users a Users list shows: a search, filters and a sort (pure, no I/O).

A view travels inside buttons, so it packs into a few bytes (``b,p,u5,sm``);
a search's text does not fit in a button and is referred to by the id of its
stored row (``q12``, core.admin.users_search). Operators who type write the
same filters after ``/users``: ``/users maria is:paid balance<5 sort:spend``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

from core.admin import fmt
from core.admin.refs import Unreadable

#: Longest search an operator may type; names and usernames are shorter.
MAX_SEARCH = 100
#: Words of a name search (each one a prefix every match has).
MAX_WORDS = 6
MAX_BALANCE = 1_000_000
MAX_DAYS = 3650
#: Tier names a view can carry (the tiers table's names are plain words).
_TIER = re.compile(r"[a-z0-9_-]{1,24}")
#: Separates a packed view's parts; never in a tier name or a number.
_SEP = ","
#: Longest packed view: with a page number and a prefix it still fits in a button's 64 bytes.
MAX_PACKED = 48
FILTERS_HELP = ("Filters: <code>tier:NAME</code>, <code>is:banned</code>, <code>is:pass</code>, "
                "<code>is:paid</code>, <code>is:blocked</code>, <code>balance&lt;N</code>, "
                "<code>joined&lt;Nd</code>; <code>sort:seen</code> or <code>sort:spend</code>.")


class Sort(StrEnum):
    SEEN = "s"
    SPEND = "m"


SORT_LABELS = {Sort.SEEN: "last seen", Sort.SPEND: "lifetime spend"}


@dataclass(frozen=True)
class View:
    search: int | None = None
    tier: str | None = None
    banned: bool = False
    pass_active: bool = False
    balance_under: int | None = None
    paid: bool = False
    blocked: bool = False
    joined_days: int | None = None
    sort: Sort = Sort.SEEN

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the list (a search does not count)."""
        return replace(self, search=None, sort=Sort.SEEN) != View()

    @property
    def fits(self) -> bool:
        """Whether buttons can carry it."""
        return len(self.pack()) <= MAX_PACKED

    def pack(self) -> str:
        parts = []
        if self.search is not None:
            parts.append(f"q{self.search}")
        if self.tier is not None:
            parts.append(f"t{self.tier}")
        parts += [flag for flag, on in (("b", self.banned), ("p", self.pass_active)) if on]
        if self.balance_under is not None:
            parts.append(f"u{self.balance_under}")
        parts += [flag for flag, on in (("$", self.paid), ("k", self.blocked)) if on]
        if self.joined_days is not None:
            parts.append(f"j{self.joined_days}")
        if self.sort is not Sort.SEEN:
            parts.append(f"s{self.sort.value}")
        return _SEP.join(parts) or "-"

    @classmethod
    def unpack(cls, text: str) -> View:
        """A view from a button; ValueError when the text is not one (a stale or forged button)."""
        view = cls()
        if text == "-":
            return view
        for part in text.split(_SEP):
            key, rest = part[:1], part[1:]
            number = int(rest) if rest.isascii() and rest.isdigit() and len(rest) <= 9 else None
            if key in _FLAGS and not rest:
                view = _flagged(view, _FLAGS[key])
            elif key == "t" and _TIER.fullmatch(rest):
                view = replace(view, tier=rest)
            elif key == "s" and rest in (Sort.SEEN.value, Sort.SPEND.value):
                view = replace(view, sort=Sort(rest))
            elif key == "q" and number is not None:
                view = replace(view, search=number)
            elif key == "u" and number is not None:
                view = replace(view, balance_under=number)
            elif key == "j" and number is not None:
                view = replace(view, joined_days=number)
            else:
                raise ValueError(f"not a users view: {text!r}")
        return view


#: The yes/no filters: packed letter → the word operators type after ``is:``.
_FLAGS = {"b": "banned", "p": "pass", "$": "paid", "k": "blocked"}


def _flagged(view: View, word: str) -> View:
    if word == "banned":
        return replace(view, banned=True)
    if word == "pass":
        return replace(view, pass_active=True)
    if word == "paid":
        return replace(view, paid=True)
    return replace(view, blocked=True)


def describe(view: View, search_text: str | None = None) -> str:
    """``“mar” · banned · balance under 5 · by last seen`` (HTML, the search escaped)."""
    parts = [f"“{fmt.esc(search_text)}”"] if search_text else []
    if view.tier is not None:
        parts.append(f"tier {fmt.esc(view.tier)}")
    parts += [label for label, on in (("banned", view.banned), ("pass active", view.pass_active)) if on]
    if view.balance_under is not None:
        parts.append(f"balance under {fmt.number(view.balance_under)}")
    parts += [label for label, on in (("paid ever", view.paid), ("blocked the bot", view.blocked)) if on]
    if view.joined_days is not None:
        parts.append(f"joined in the last {fmt.number(view.joined_days)} "
                     f"day{'s' if view.joined_days != 1 else ''}")
    if not parts:
        parts.append("all users")
    return " · ".join(parts) + f" · by {SORT_LABELS[view.sort]}"


def name_words(text: str) -> list[str]:
    """The words of a name search: letters, digits and their marks, in any script.

    Everything else (punctuation, ``%``, ``_``, ``\\``, quotes, emoji, direction
    marks) separates words, so the words hold no character a text-search query
    treats as syntax; Postgres folds their case as it did the index's.
    """
    text = unicodedata.normalize("NFC", text)
    kept = "".join(c if unicodedata.category(c)[0] in "LNM" else " " for c in text)
    return kept.split()


def _number(text: str, what: str, maximum: int) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise Unreadable(f"“{text[:20]}” is not a number of {what}.")
    value = int(text)
    if value == 0 or value > maximum:
        raise Unreadable(f"The number of {what} must be between 1 and {maximum:,}.")
    return value


def parse_typed(text: str) -> tuple[View, str]:
    """The filters and the search typed after ``/users``: (view without a search, search text)."""
    view = View()
    words: list[str] = []
    for word in text.split():
        low = word.lower()
        if low.startswith("tier:"):
            tier = low[5:]
            if not _TIER.fullmatch(tier):
                raise Unreadable(f"“{word[:30]}” is not a tier name.")
            view = replace(view, tier=tier)
        elif low.startswith("is:"):
            if low[3:] not in _FLAGS.values():
                raise Unreadable(f"“{word[:30]}” is not a filter. {FILTERS_HELP}")
            view = _flagged(view, low[3:])
        elif low.startswith("balance<"):
            view = replace(view, balance_under=_number(low[8:], "credits", MAX_BALANCE))
        elif low.startswith("joined<"):
            view = replace(view, joined_days=_number(low[7:].removesuffix("d"), "days", MAX_DAYS))
        elif low.startswith("sort:"):
            sort = {"seen": Sort.SEEN, "spend": Sort.SPEND}.get(low[5:])
            if sort is None:
                raise Unreadable(f"“{word[:30]}” is not a sort: use sort:seen or sort:spend.")
            view = replace(view, sort=sort)
        else:
            words.append(word)
    return view, " ".join(words)
