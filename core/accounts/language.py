"""The user's language: negotiated from Telegram's ``language_code``, changed with /language.

The picker lists the shipped catalogs by their own names; the choice is stored
in ``users.language`` and wins over Telegram's language from then on.
"""

from __future__ import annotations

import asyncpg

from core import i18n
from core.dispatch.screens import Screen, button, keyboard
from core.i18n import t
from core.platform.sql import q

CALLBACK = "lang:"


async def of_telegram_id(conn: asyncpg.Connection, telegram_id: int) -> str:
    """The language to write to a user in, for code that knows only their chat id."""
    row = await conn.fetchrow(q("language_by_telegram_id"), telegram_id)
    if row is None:
        return i18n.DEFAULT
    return i18n.negotiate(row["language"], row["language_code"])


async def choose(conn: asyncpg.Connection, user_id: int, lang: str) -> None:
    if not i18n.supported(lang):
        raise ValueError(f"no catalog for language {lang!r}")
    await conn.execute(q("language_set_language"), user_id, lang)


def picker_markup(current: str) -> dict[str, object]:
    """One button per language, two per row, the current one ticked."""
    buttons = [
        button(("✓ " if code == current else "") + i18n.label(code, "language_name"), CALLBACK + code)
        for code in i18n.catalogs().languages
    ]
    return keyboard(*(buttons[i : i + 2] for i in range(0, len(buttons), 2)))


async def show_picker(screen: Screen) -> None:
    await screen.show(t(screen.lang, "language_prompt"), picker_markup(screen.lang))


async def on_choice(screen: Screen, user_id: int, data: str) -> str | None:
    """Store the language a button names; the answer is already in that language.

    Returns a notice for the callback answer (a language no longer offered).
    """
    code = data.removeprefix(CALLBACK)
    if not i18n.supported(code):
        return t(screen.lang, "language_unavailable")
    await choose(screen.tx.conn, user_id, code)
    chosen = screen.with_lang(code)
    await chosen.show(t(code, "language_set"),
                      keyboard([button(i18n.label(code, "btn_menu"), "menu:main")]))
    return None
