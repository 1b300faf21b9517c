"""Where a control-center screen goes, and how it is shown.

One message per screen: a command posts it, its buttons edit it in place. In
an admin group every message and edit spends the group's 20 a minute that
customers' messages need, so screens there go out at the lowest priority and
a newer edit of the same message replaces one still waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from core.delivery.effects import Effects
from core.telegram.markup import PARSE_MODE, Keyboard

#: Outbox priority of everything the control center writes in an admin group:
#: below every customer's relay (tiers are 0 and up).
GROUP_PRIORITY = -100


@dataclass(frozen=True)
class Place:
    """A chat (and forum topic) where an operator works: their private chat with
    the bot, an admin group's General topic, or a customer's topic."""

    chat_id: int
    thread_id: int | None = None

    @property
    def in_group(self) -> bool:
        return self.chat_id < 0


@dataclass(frozen=True)
class Screen:
    tx: Effects
    place: Place
    #: The screen's message, when a button on it was pressed: shown in its place.
    message_id: int | None = None

    def fresh(self) -> Screen:
        return replace(self, message_id=None)

    async def show(self, text: str, markup: Keyboard | None = None) -> None:
        params: dict[str, Any] = {"text": text, "parse_mode": PARSE_MODE}
        if markup is not None:
            params["reply_markup"] = markup
        priority = GROUP_PRIORITY if self.place.in_group else 0
        if self.message_id is None:
            if self.place.thread_id is not None:
                params["message_thread_id"] = self.place.thread_id
            await self.tx.send("sendMessage", self.place.chat_id, priority=priority, **params)
        else:
            await self.tx.send("editMessageText", self.place.chat_id, message_id=self.message_id,
                               priority=priority, **params)

    async def say(self, text: str) -> None:
        """A short answer as a message of its own (a refusal, a result)."""
        await self.fresh().show(text)
