"""Operators' command menus in Telegram: per scope, in the operator's language.

An operator's private chat lists the user commands and the control-center
commands their role may run; each admin group lists the control-center
commands, once per catalog language (Telegram picks the client's). The
lists change when an operator is added, changes role or is removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core import i18n
from core.admin.roles import ROLE_CAN, Can, Role
from core.delivery.effects import Effects
from core.dispatch import command_menu

#: The control center's commands in menu order, with the capability each needs
#: (None: every operator).
ADMIN_MENU: tuple[tuple[str, Can | None], ...] = (
    ("admin", None), ("dashboard", Can.DASHBOARD), ("conversations", Can.CONVERSATIONS),
    ("users", Can.USERS_VIEW), ("user", Can.USERS_VIEW), ("card", Can.USERS_VIEW),
    ("credits", Can.USERS_CREDITS), ("ban", Can.USERS_BAN), ("unban", Can.USERS_BAN),
    ("tier", Can.USERS_TIER), ("pass", Can.USERS_PASS), ("search", Can.SEARCH),
    ("analytics", Can.ANALYTICS), ("products", Can.PRODUCTS_VIEW), ("product", Can.PRODUCTS_VIEW),
    ("payments", Can.PAYMENTS_VIEW), ("refund", Can.PAYMENTS_ACT),
    ("broadcast", Can.BROADCAST), ("massgift", Can.MASS_GIFT), ("quickreplies", Can.QUICK_REPLIES_USE),
    ("qr", Can.QUICK_REPLIES_USE), ("alias", Can.CONVERSATIONS),
    ("settings", Can.SETTINGS), ("set", Can.SETTINGS), ("system", Can.SYSTEM),
    ("operators", Can.OPERATORS), ("operator", Can.OPERATORS), ("cancel", None),
)


def admin_commands(role: Role | None) -> tuple[str, ...]:
    """The commands a role may run; every one of them for the groups' lists (``None``)."""
    allowed = ROLE_CAN[role] if role is not None else frozenset(Can)
    return tuple(name for name, can in ADMIN_MENU if can is None or can in allowed)


def _params(scope: dict[str, Any], names: Sequence[str], lang: str, language_code: str) -> dict[str, Any]:
    return {"commands": [{"command": c, "description": d} for c, d in command_menu.commands(names, lang)],
            "scope": scope, "language_code": language_code}


async def for_operator(tx: Effects, telegram_id: int, role: Role | None, lang: str) -> None:
    """The operator's private-chat menu: user commands, plus their role's (none once removed)."""
    names = command_menu.USER_COMMANDS + (admin_commands(role) if role is not None else ())
    scope = {"type": "chat", "chat_id": telegram_id}
    # The chat's list for every client language, written in the operator's.
    await tx.send(command_menu.METHOD, telegram_id, **_params(scope, names, lang, ""))


async def for_groups(tx: Effects, group_ids: Sequence[int]) -> int:
    """Each admin group's menu, once per catalog language; how many lists were queued."""
    queued = 0
    for group in group_ids:
        scope = {"type": "chat", "chat_id": group}
        for lang in i18n.catalogs().languages:
            code = "" if lang == i18n.DEFAULT else lang
            await tx.send(command_menu.METHOD, group, **_params(scope, admin_commands(None), lang, code))
            queued += 1
    return queued
