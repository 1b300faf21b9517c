"""The bot's command lists as Telegram shows them, per scope and language.

Users see the user commands in every private chat; each list exists once per
catalog language: Telegram picks the one matching the client's language, and
the English one (``language_code`` empty) for every other language.
Operators' lists (their private chats, the admin groups) are the control
center's: core.admin.menus.

Registering them is one ``setMyCommands`` call per list (Bot API parameters
``commands``, ``scope``, ``language_code``), queued in the outbox by
:func:`register`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core import i18n
from core.delivery.effects import Effects

USER_COMMANDS = (
    "start", "menu", "balance", "buy", "history", "billing", "language", "tutorial", "help",
    "terms", "paysupport", "notifications",
)

#: The method the outbox row names; the gateway maps it to ``bots.SetBotCommands``.
METHOD = "setMyCommands"


@dataclass(frozen=True)
class CommandList:
    scope: dict[str, Any]  # a Bot API BotCommandScope
    language_code: str  # "" for every language without its own list
    commands: tuple[tuple[str, str], ...]  # (command, description)

    @property
    def chat_id(self) -> int:
        """The chat the list is for (0 for the all-private-chats scope), for the outbox's bookkeeping."""
        value = self.scope.get("chat_id", 0)
        return int(value)

    def params(self) -> dict[str, Any]:
        return {
            "commands": [{"command": c, "description": d} for c, d in self.commands],
            "scope": dict(self.scope),
            "language_code": self.language_code,
        }


def commands(names: Sequence[str], lang: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, i18n.label(lang, f"cmd_{name}")) for name in names)


def command_lists() -> list[CommandList]:
    """The users' lists: every private chat, once per catalog language."""
    scope: dict[str, Any] = {"type": "all_private_chats"}
    lists: list[CommandList] = []
    for lang in i18n.catalogs().languages:
        code = "" if lang == i18n.DEFAULT else lang
        lists.append(CommandList(scope, code, commands(USER_COMMANDS, lang)))
    return lists


async def register(tx: Effects) -> int:
    """Queue the users' lists; returns how many calls were queued."""
    lists = command_lists()
    for item in lists:
        await tx.send(METHOD, item.chat_id, **item.params())
    return len(lists)
