"""The Settings screens' buttons. ``lang`` is ``-`` for a setting that is not per language.

The list's pages are ``adm:set:<n>``: the other prefixes end in a letter, never
a digit, so a page's button is never read as one of them.

A button names a setting and what to do; the handler checks the presser's
role and validates the value again, so a forged button can do no more than
typing ``/set`` could.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.dispatch.callback_data import CallbackData

#: ``lang`` of a button about a setting that is not per language.
NO_LANG = "-"


@dataclass(frozen=True)
class SettingsPage(CallbackData, prefix="adm:set"):
    page: int


@dataclass(frozen=True)
class SettingOpen(CallbackData, prefix="adm:set:o"):
    key: str
    lang: str = NO_LANG


@dataclass(frozen=True)
class SettingFlip(CallbackData, prefix="adm:set:b"):
    key: str
    on: bool


@dataclass(frozen=True)
class SettingAsk(CallbackData, prefix="adm:set:ask"):
    """Change…: ask for the value."""

    key: str
    lang: str = NO_LANG


@dataclass(frozen=True)
class SettingReset(CallbackData, prefix="adm:set:d"):
    """Back to the default (one language: back to the built-in text)."""

    key: str
    lang: str = NO_LANG


@dataclass(frozen=True)
class SettingOff(CallbackData, prefix="adm:set:z"):
    """A number whose 0 switches its feature off."""

    key: str


def lang_of(value: str) -> str | None:
    return None if value == NO_LANG else value
