"""The user's language: negotiated from Telegram's ``language_code``, or chosen.

The choice (core.experience's /language) is stored in ``users.language`` and
wins over Telegram's language from then on.
"""

from __future__ import annotations

import asyncpg

from core import i18n
from core.platform.sql import q


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
