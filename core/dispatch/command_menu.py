"""The bot's command lists as Telegram shows them, per scope and language.

Users see the user commands in every private chat; operators (``ADMIN_USER_ID``)
see the user and the admin commands in their own chat with the bot, and the
admin commands in the admin groups. Each list exists once per catalog
language: Telegram picks the one matching the client's language, and the
English one (``language_code`` empty) for every other language.

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
    "terms", "paysupport",
)
#: The admin control center registers its commands here when it lands; until
#: then admins see the user commands, and no command is listed that does nothing.
ADMIN_COMMANDS: tuple[str, ...] = ()

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


def command_lists(
    admin_user_ids: Sequence[int], admin_group_ids: Sequence[int]
) -> list[CommandList]:
    scopes: list[tuple[dict[str, Any], Sequence[str]]] = [({"type": "all_private_chats"}, USER_COMMANDS)]
    if ADMIN_COMMANDS:
        scopes += [({"type": "chat", "chat_id": uid}, USER_COMMANDS + ADMIN_COMMANDS)
                   for uid in admin_user_ids]
        scopes += [({"type": "chat", "chat_id": gid}, ADMIN_COMMANDS) for gid in admin_group_ids]
    lists: list[CommandList] = []
    for scope, names in scopes:
        for lang in i18n.catalogs().languages:
            code = "" if lang == i18n.DEFAULT else lang
            lists.append(CommandList(scope, code, commands(names, lang)))
    return lists


async def register(
    tx: Effects, admin_user_ids: Sequence[int], admin_group_ids: Sequence[int]
) -> int:
    """Queue every list; returns how many calls were queued.

    Needs the gateway's ``set_my_commands`` and the outbox method
    ``setMyCommands`` in :mod:`core.telegram.calls`.
    """
    lists = command_lists(admin_user_ids, admin_group_ids)
    for item in lists:
        await tx.send(METHOD, item.chat_id, **item.params())
    return len(lists)
