"""/language: the picker lists the shipped catalogs by their own names.

The choice is stored (core.accounts.language) and the answer is already in
the chosen language.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import i18n
from core.accounts import language
from core.dispatch.callback_data import CallbackData
from core.dispatch.screens import Screen
from core.experience.menus import ShowMenu
from core.i18n import t
from core.telegram.markup import Keyboard, button, in_rows, keyboard


@dataclass(frozen=True)
class ChooseLanguage(CallbackData, prefix="lang"):
    code: str


def picker_markup(current: str) -> Keyboard:
    """One button per language, two per row, the current one ticked."""
    buttons = [
        button(("✓ " if code == current else "") + i18n.label(code, "language_name"),
               ChooseLanguage(code).pack())
        for code in i18n.catalogs().languages
    ]
    return in_rows(buttons, 2)


async def show_picker(screen: Screen) -> None:
    await screen.show(t(screen.lang, "language_prompt"), picker_markup(screen.lang))


async def choose(screen: Screen, user_id: int, code: str) -> str | None:
    """Store the language a button names; a notice when it is no longer offered."""
    if not i18n.supported(code):
        return t(screen.lang, "language_unavailable")
    await language.choose(screen.tx.conn, user_id, code)
    chosen = screen.with_lang(code)
    await chosen.show(t(code, "language_set"),
                      keyboard([button(i18n.label(code, "btn_menu"), ShowMenu().pack())]))
    return None
