"""The stand-in Telegram's answers to the Bot API calls made over HTTPS in production.

Production asks Telegram's Bot API (:class:`core.telegram.bot_api.HttpBotApi`)
about its webhook, itself and the admin groups; in sandbox mode this answers
the same calls from the model's state, with Telegram's shapes and Telegram's
refusals (``Bad Request: chat not found``), so the CLI and the metrics run
unchanged against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from core.platform.errors import TelegramRejected
from core.platform.sql import q
from core.sandbox.telegram.rows import ChatType

#: Every right an admin group's bot needs: the sandbox's bot has them all.
BOT_RIGHTS = ("can_manage_topics", "can_delete_messages", "can_pin_messages", "can_manage_chat")


#: Where the stand-in's state is read: a pool, or one connection (the CLI's).
Database = asyncpg.Pool | asyncpg.Connection


class SandboxBotApi:
    def __init__(self, pool: Database, bot_id: int, *, bot_username: str = "paid_desk_bot") -> None:
        self._pool = pool
        self._bot_id = bot_id
        self._bot_username = bot_username

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        p = dict(params or {})
        handler = {
            "getMe": self._get_me, "getWebhookInfo": self._webhook_info, "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook, "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
        }.get(method)
        if handler is None:
            raise TelegramRejected(f"{method}: Not Found: method not found")
        return await handler(p)

    async def close(self) -> None:
        """Nothing to close: the model's pool belongs to whoever built it."""

    async def _get_me(self, p: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": self._bot_id, "is_bot": True, "first_name": "Paid Desk (sandbox)",
                "username": self._bot_username, "can_join_groups": True}

    async def _webhook_info(self, p: Mapping[str, Any]) -> dict[str, Any]:
        row = await self._pool.fetchrow(q("bot_api_webhook"))
        if row is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        info: dict[str, Any] = {
            "url": row["url"], "has_custom_certificate": False,
            "pending_update_count": row["pending_update_count"], "max_connections": row["max_connections"],
        }
        if row["allowed_updates"] is not None:
            info["allowed_updates"] = list(row["allowed_updates"])
        if row["last_error_at"] is not None:
            info["last_error_date"] = int(row["last_error_at"].timestamp())
            info["last_error_message"] = row["last_error_message"]
        return info

    async def _set_webhook(self, p: Mapping[str, Any]) -> bool:
        url = str(p.get("url") or "")
        if url and not url.startswith("https://"):
            raise TelegramRejected(
                "setWebhook: Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        connections = int(p.get("max_connections") or 40)
        if not 1 <= connections <= 100:
            raise TelegramRejected("setWebhook: Bad Request: bad webhook: max_connections must be 1-100")
        allowed = p.get("allowed_updates")
        await self._pool.execute(q("bot_api_set_webhook"), url, p.get("secret_token"), connections,
                                 list(allowed) if isinstance(allowed, Sequence) else None,
                                 bool(p.get("drop_pending_updates")))
        return True

    async def _delete_webhook(self, p: Mapping[str, Any]) -> bool:
        await self._set_webhook({"drop_pending_updates": p.get("drop_pending_updates")})
        return True

    async def _chat(self, p: Mapping[str, Any], method: str) -> asyncpg.Record:
        row = await self._pool.fetchrow(q("model_get_chat"), int(p.get("chat_id") or 0))
        if row is None:
            raise TelegramRejected(f"{method}: Bad Request: chat not found")
        return row

    async def _get_chat(self, p: Mapping[str, Any]) -> dict[str, Any]:
        row = await self._chat(p, "getChat")
        chat: dict[str, Any] = {"id": row["id"], "type": row["type"]}
        if row["type"] == ChatType.PRIVATE.value:
            chat.update(first_name=row["first_name"] or "", username=row["username"])
        else:
            chat.update(title=row["title"] or "", is_forum=bool(row["is_forum"]))
        return chat

    async def _get_chat_member(self, p: Mapping[str, Any]) -> dict[str, Any]:
        await self._chat(p, "getChatMember")
        user_id = int(p.get("user_id") or 0)
        user = {"id": user_id, "is_bot": user_id == self._bot_id, "first_name": str(user_id)}
        if user_id == self._bot_id:
            return {"status": "administrator", "user": user, **dict.fromkeys(BOT_RIGHTS, True)}
        return {"status": "member", "user": user}

    async def webhook_trouble(self, pending_update_count: int, last_error_message: str | None) -> None:
        """Tests: Telegram has updates it could not deliver, and the last delivery's error."""
        await self._pool.execute(q("bot_api_webhook_trouble"), pending_update_count, last_error_message)
