"""The bot's command lists as Telegram keeps them (``setMyCommands``), and which one a chat shows.

Telegram stores one list per scope and language and shows a person the
first list that applies to where they are, narrowest scope first, in their
language before the list for every language (``language_code`` ``""``).
The console suggests commands from this, as a Telegram client would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from core.platform.sql import q
from core.sandbox.telegram import convert
from core.sandbox.telegram.tl import raw


def scope_of(scope: Any, bot_id: int) -> dict[str, Any]:
    """The Bot API ``BotCommandScope`` of an MTProto one."""
    if isinstance(scope, raw.types.BotCommandScopeUsers):
        return {"type": "all_private_chats"}
    if isinstance(scope, raw.types.BotCommandScopeChats):
        return {"type": "all_group_chats"}
    if isinstance(scope, raw.types.BotCommandScopeChatAdmins):
        return {"type": "all_chat_administrators"}
    if isinstance(scope, raw.types.BotCommandScopePeer):
        return {"type": "chat", "chat_id": convert.chat_id_of(scope.peer, bot_id)}
    if isinstance(scope, raw.types.BotCommandScopePeerAdmins):
        return {"type": "chat_administrators", "chat_id": convert.chat_id_of(scope.peer, bot_id)}
    if isinstance(scope, raw.types.BotCommandScopePeerUser):
        return {"type": "chat_member", "chat_id": convert.chat_id_of(scope.peer, bot_id),
                "user_id": convert.chat_id_of(scope.user_id, bot_id)}
    return {"type": "default"}


async def record(
    conn: asyncpg.Connection | asyncpg.Pool, scope: Mapping[str, Any], language_code: str,
    commands: Sequence[tuple[str, str]],
) -> None:
    """Keep the list; an empty one removes it, as Telegram does."""
    if commands:
        listed = [{"command": c, "description": d} for c, d in commands]
        await conn.execute(q("commands_set"), dict(scope), language_code, listed)
    else:
        await conn.execute(q("commands_delete"), dict(scope), language_code)


def scopes_for(chat_id: int, user_id: int, *, administrator: bool) -> list[dict[str, Any]]:
    """The scopes that apply to ``user_id`` writing in ``chat_id``, narrowest first."""
    if chat_id > 0:
        return [{"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}, {"type": "default"}]
    scopes: list[dict[str, Any]] = [{"type": "chat_member", "chat_id": chat_id, "user_id": user_id}]
    if administrator:
        scopes.append({"type": "chat_administrators", "chat_id": chat_id})
    scopes.append({"type": "chat", "chat_id": chat_id})
    if administrator:
        scopes.append({"type": "all_chat_administrators"})
    scopes += [{"type": "all_group_chats"}, {"type": "default"}]
    return scopes


def _languages(language_code: str | None) -> list[str]:
    # Telegram matches a list by the two-letter code of the client's language (pt-br: pt).
    short = (language_code or "").split("-", 1)[0].lower()
    return [short, ""] if short else [""]


async def shown(
    conn: asyncpg.Connection | asyncpg.Pool, chat_id: int, user_id: int, language_code: str | None,
    *, administrator: bool = False,
) -> list[dict[str, str]]:
    """The commands a person sees in the chat's menu: the first list that applies."""
    records = await conn.fetch(q("commands_all"))
    lists = {(_key(r["scope"]), r["language_code"]): r["commands"] for r in records}
    for scope in scopes_for(chat_id, user_id, administrator=administrator):
        for language in _languages(language_code):
            found = lists.get((_key(scope), language))
            if found:
                return [{"command": str(c["command"]), "description": str(c["description"])}
                        for c in found]
    return []


def _key(scope: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in scope.items()))
