"""The buttons of the 👥 Users screens, and where each screen's Back leads.

A card remembers the list it was opened from (its view and page) so Back
returns there; when that does not fit in a button's 64 bytes, Back leads to
the Users screen instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.dispatch.callback_data import CallbackData


@dataclass(frozen=True)
class UsersHome(CallbackData, prefix="adm:us"):
    """The Users screen: search prompt and filters of an empty view."""


@dataclass(frozen=True)
class UserList(CallbackData, prefix="adm:us:l"):
    page: int
    view: str  # users_view.View, packed


@dataclass(frozen=True)
class UserFilters(CallbackData, prefix="adm:us:f"):
    view: str


class Pick(StrEnum):
    """Filters with a value, chosen on a screen of their own."""

    TIER = "t"
    BALANCE = "u"
    JOINED = "j"


@dataclass(frozen=True)
class FilterChoices(CallbackData, prefix="adm:us:c"):
    pick: Pick
    view: str


@dataclass(frozen=True)
class UserCard(CallbackData, prefix="adm:uc"):
    user_id: int
    page: int
    view: str  # "" or "~": no list to go back to


class Act(StrEnum):
    CREDITS = "c"
    BAN = "b"
    UNBAN = "u"
    TIER = "t"
    PASS = "p"


@dataclass(frozen=True)
class CardAct(CallbackData, prefix="adm:ua"):
    act: Act
    user_id: int


@dataclass(frozen=True)
class TierPick(CallbackData, prefix="adm:ut"):
    user_id: int
    tier: str


@dataclass(frozen=True)
class PassPick(CallbackData, prefix="adm:up"):
    user_id: int
    days: int  # 0 ends the pass


#: A card with no list behind it (opened by a command, or after an action).
NO_LIST = "~"


def card(user_id: int, page: int = 0, view: str = NO_LIST) -> UserCard:
    """The card's button, remembering its list when that fits in a button."""
    wanted = UserCard(user_id, page, view)
    try:
        wanted.pack()
    except ValueError:
        return UserCard(user_id, 0, NO_LIST)
    return wanted


def card_back(data: UserCard) -> CallbackData:
    """Where the card's Back leads: its list, else the Users screen."""
    if data.view == NO_LIST:
        return UsersHome()
    return UserList(data.page, data.view)
