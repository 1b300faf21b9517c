"""What the delivery learns from Telegram that belongs to others.

Telegram says some things only when a send is refused: a user blocked the
bot, a group became a supergroup. The delivery records its own side (the row
fails, or follows the chat) and tells whoever keeps the rest (the accounts,
the relay's conversations) through these hooks, which the wiring fills in.
Each runs in the delivery's transaction, so the news and the row's fate are
committed together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

#: ``(conn, chat_id)``: a private chat refused a send for good.
RecipientBlocked = Callable[[asyncpg.Connection, int], Awaitable[None]]
#: ``(conn, old, new)``: chat ``old`` is ``new`` now; returns how many rows followed it.
ChatMoved = Callable[[asyncpg.Connection, int, int], Awaitable[int]]


@dataclass(frozen=True)
class Hooks:
    recipient_blocked: Sequence[RecipientBlocked] = ()
    chat_migrated: Sequence[ChatMoved] = ()

    async def blocked(self, conn: asyncpg.Connection, chat_id: int) -> None:
        for hook in self.recipient_blocked:
            await hook(conn, chat_id)

    async def migrated(self, conn: asyncpg.Connection, old: int, new: int) -> int:
        moved = 0
        for hook in self.chat_migrated:
            moved += await hook(conn, old, new)
        return moved
