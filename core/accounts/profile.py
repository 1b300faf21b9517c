"""What the user experience knows of a user beyond :class:`core.accounts.users.User`:
the language they chose and their progress through the onboarding tour."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core import i18n
from core.platform.sql import q


@dataclass(frozen=True)
class Profile:
    language: str | None  # chosen with /language; None follows Telegram's language_code
    language_code: str | None
    tutorial_step: int
    tutorial_completed: bool
    tutorial_bonus_granted: bool

    @property
    def lang(self) -> str:
        return i18n.negotiate(self.language, self.language_code)


async def load(conn: asyncpg.Connection, user_id: int) -> Profile:
    row = await conn.fetchrow(q("profile_profile"), user_id)
    if row is None:
        raise LookupError(f"no user {user_id}")
    return Profile(**dict(row))
