"""Where an answer to the user goes: a new message, or the message whose button they tapped.

Buttons on a message lead to screens shown in place of it (``editMessageText``
of that message), so a menu or a balance card is one message that changes
rather than a trail of copies. A command, or a button whose message Telegram no
longer gives us (older than 48 hours: an inaccessible message with date 0),
gets a new message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from core.telegram.markup import PARSE_MODE, Keyboard

if TYPE_CHECKING:
    # Only a type here: core.delivery.effects imports delivery, which may import this.
    from core.delivery.effects import Effects

@dataclass(frozen=True)
class Screen:
    tx: Effects
    chat_id: int
    lang: str
    #: The message to replace, when the user tapped one of its buttons.
    message_id: int | None = None

    def fresh(self) -> Screen:
        """The same screen as a new message, leaving the tapped one as it is."""
        return replace(self, message_id=None)

    def with_lang(self, lang: str) -> Screen:
        return replace(self, lang=lang)

    async def show(self, text: str, markup: Keyboard | None = None) -> None:
        params: dict[str, Any] = {"text": text, "parse_mode": PARSE_MODE}
        if markup is not None:
            params["reply_markup"] = markup
        if self.message_id is None:
            await self.tx.send("sendMessage", self.chat_id, **params)
        else:
            await self.tx.send("editMessageText", self.chat_id, message_id=self.message_id, **params)


def message_id_of(query: Mapping[str, Any]) -> int | None:
    """The id of the message a button was tapped on, if it can still be edited."""
    message = query.get("message")
    if not isinstance(message, Mapping) or not message.get("date"):
        return None  # inaccessible (too old) or an inline message
    value = message.get("message_id")
    return value if isinstance(value, int) else None
