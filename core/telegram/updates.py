"""Reading the parts of a Bot API update the workers act on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    name: str  # without the slash and without @botname
    payload: str


def message_of(update: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for kind in ("message", "edited_message"):
        body = update.get(kind)
        if isinstance(body, Mapping):
            return body
    return None


def command_of(message: Mapping[str, Any]) -> Command | None:
    """The bot command a message starts with, per its ``bot_command`` entity."""
    text = message.get("text")
    if not isinstance(text, str):
        return None
    for entity in message.get("entities") or ():
        if entity.get("type") == "bot_command" and entity.get("offset") == 0:
            word = text[: entity.get("length", 0)]
            name = word[1:].split("@", 1)[0].lower()
            return Command(name=name, payload=text[len(word) :].strip())
    return None


def command_attempt(message: Mapping[str, Any]) -> Command | None:
    """The command a message asks for: its ``bot_command`` entity, or, for any other
    text starting with ``/`` (``/ hello``, a command Telegram did not mark), a
    command of that first word, which names nothing the bot runs. Such messages
    are commands, never paid messages to relay."""
    found = command_of(message)
    if found is not None:
        return found
    text = message.get("text")
    if not isinstance(text, str) or not text.startswith("/"):
        return None
    word, _, rest = text[1:].partition(" ")
    return Command(name=word.split("@", 1)[0].lower(), payload=rest.strip())


#: Content a user can pay to send, in the order Telegram's Message object lists them.
CONTENT_KINDS = (
    "text", "animation", "audio", "document", "photo", "sticker", "story", "video",
    "video_note", "voice", "contact", "dice", "location", "venue", "poll",
)


def message_kind(message: Mapping[str, Any]) -> str | None:
    """The content kind of a message, or None for service messages (topic created, ...)."""
    for kind in CONTENT_KINDS:
        if message.get(kind) is not None:
            return kind
    return None


def text_of(message: Mapping[str, Any]) -> str | None:
    value = message.get("text", message.get("caption"))
    return value if isinstance(value, str) else None


def sender_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    sender = obj.get("from")
    return sender if isinstance(sender, Mapping) and isinstance(sender.get("id"), int) else None
