"""Telegram as the sandbox and the tests see it: chats, topics, messages, faults.

The state lives in Postgres so every process of the sandbox (web, workers,
test code) shares one Telegram. The model speaks the Bot API's ids and JSON and
refuses what Telegram refuses with Telegram's error ids (:class:`Refused`);
turning those into MTProto answers and Pyrogram exceptions is the fake
client's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg

from core.config import SANDBOX_BOT_ID
from core.database import connection
from core.fake_telegram.actions import BotActions
from core.fake_telegram.incoming import UnmodelledChat, read_message
from core.fake_telegram.rows import (
    DEFAULT_ICON_COLOR,
    Chat,
    ChatType,
    Content,
    Message,
    QueryAnswer,
    Topic,
    from_record,
)
from core.queries import q


class TelegramModel(BotActions):
    """The shared state of the fake Telegram, over an asyncpg pool."""

    def __init__(self, pool: asyncpg.Pool, *, bot_id: int = SANDBOX_BOT_ID) -> None:
        self._pool = pool
        self.bot_id = bot_id

    # --- the world: users, operators and the sandbox page ---

    async def ensure_chat(
        self,
        chat_id: int,
        *,
        type: ChatType | str | None = None,
        title: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        is_forum: bool | None = None,
    ) -> Chat:
        """Create the chat if it is new; fields given update an existing one."""
        kind = ChatType(type) if type else ChatType.PRIVATE if chat_id > 0 else ChatType.SUPERGROUP
        record = await self._pool.fetchrow(
            q("sandbox_upsert_chat"),
            chat_id, kind.value, title, first_name, last_name, username, is_forum,
        )
        assert record is not None
        return from_record(Chat, record)

    async def chat(self, chat_id: int) -> Chat | None:
        record = await self._pool.fetchrow(q("sandbox_get_chat"), chat_id)
        return from_record(Chat, record) if record else None

    async def chats(self, chat_ids: Iterable[int]) -> dict[int, Chat]:
        records = await self._pool.fetch(q("sandbox_get_chats"), list(chat_ids))
        return {r["id"]: from_record(Chat, r) for r in records}

    async def set_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot."""
        await self._pool.execute(q("sandbox_set_blocked"), chat_id, blocked)

    async def set_deactivated(self, chat_id: int, deactivated: bool = True) -> None:
        """The user deletes their account."""
        await self._pool.execute(q("sandbox_set_deactivated"), chat_id, deactivated)

    async def record_incoming(self, message: Mapping[str, Any]) -> None:
        """Store a message a user or an operator sent (Bot API JSON), so the bot can copy it.

        Idempotent: the same update recorded twice keeps one message; an
        ``edited_message`` replaces the content. A topic the message is in is
        created if the fake has not seen it, and service messages about topics
        change them as Telegram does. Messages in basic groups and channels,
        which the fake does not model, are ignored: the bot cannot be asked to
        copy them here anyway, and a sandbox job must not fail on them.
        """
        try:
            m = read_message(message)
        except UnmodelledChat:
            return
        async with connection(self._pool) as conn, conn.transaction():
            c = m.chat
            await conn.execute(
                q("sandbox_upsert_chat"),
                c.id, c.type.value, c.title, c.first_name, c.last_name, c.username,
                c.is_forum if c.type is ChatType.SUPERGROUP else None,
            )
            await conn.execute(q("sandbox_skip_message_ids"), c.id, m.message_id)
            if c.type is ChatType.PRIVATE and m.sender_id == c.id:
                # Writing to a bot you blocked unblocks it, in Telegram too.
                await conn.execute(q("sandbox_set_blocked"), c.id, False)
            if m.thread_id is not None:
                await self._topic_from_incoming(conn, c.id, m.thread_id, m.topic_name, m.content)
            await conn.execute(
                q("sandbox_upsert_incoming_message"),
                c.id, m.message_id, m.thread_id, m.sender_id == self.bot_id, m.sender_id,
                m.content.kind, m.content.text, m.content.entities, m.content.reply_markup,
                m.reply_to_message_id, m.content.media_group_id, m.content.extra,
                m.created_at, m.edited_at,
            )

    async def _topic_from_incoming(
        self, conn: asyncpg.Connection, chat_id: int, topic_id: int, name: str | None,
        content: Content,
    ) -> None:
        await conn.execute(
            q("sandbox_insert_topic"), chat_id, topic_id, name or f"Topic {topic_id}", DEFAULT_ICON_COLOR
        )
        topic = await self._topic(conn, chat_id, topic_id)
        assert topic is not None
        extra = content.extra
        if "forum_topic_closed" in extra or "forum_topic_reopened" in extra:
            closed = "forum_topic_closed" in extra
            await conn.execute(q("sandbox_update_topic"), chat_id, topic_id, topic.name, closed)
        if "forum_topic_edited" in extra and extra["forum_topic_edited"].get("name"):
            name = extra["forum_topic_edited"]["name"]
            await conn.execute(q("sandbox_update_topic"), chat_id, topic_id, name, topic.closed)

    async def delete_topic(self, chat_id: int, topic_id: int) -> None:
        """An operator deletes a topic, and with it every message in it."""
        async with connection(self._pool) as conn, conn.transaction():
            await conn.execute(q("sandbox_delete_topic"), chat_id, topic_id)
            await conn.execute(q("sandbox_delete_topic_messages"), chat_id, topic_id)

    async def topics(self, chat_id: int) -> list[Topic]:
        records = await self._pool.fetch(q("sandbox_list_topics"), chat_id)
        return [from_record(Topic, r) for r in records]

    async def messages(
        self, chat_id: int, *, thread_id: int | None = None, service: bool = False
    ) -> list[dict[str, Any]]:
        """The chat's messages, oldest first, as the sandbox page shows them.

        Service messages ("topic created", "topic closed") are left out unless
        ``service``: the page shows what was said; :meth:`topics` shows the topics.
        """
        if thread_id is None:
            records = await self._pool.fetch(q("sandbox_list_messages"), chat_id)
        else:
            records = await self._pool.fetch(q("sandbox_list_thread_messages"), chat_id, thread_id)
        rows = [from_record(Message, r) for r in records]
        return [m.public() for m in rows if service or m.kind != "service"]

    async def message(self, chat_id: int, message_id: int) -> Message | None:
        record = await self._pool.fetchrow(q("sandbox_get_message"), chat_id, message_id)
        return from_record(Message, record) if record else None

    async def inject_fault(
        self,
        error: str,
        *,
        value: int | None = None,
        chat_id: int | None = None,
        method: str | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` matching calls fail with a Telegram error.

        ``error`` is Telegram's error id without its number (``FLOOD_WAIT`` with
        ``value=30``, ``USER_IS_BLOCKED``, ``TOPIC_DELETED``, ``INTERNAL``);
        ``method`` is the raw function as Pyrogram names it
        (``messages.SendMessage``); None matches any chat or method.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        error = error.upper().removesuffix("_X")
        await self._pool.execute(q("sandbox_insert_fault"), chat_id, method, error, value, count)

    async def query_answers(self) -> list[QueryAnswer]:
        """The bot's answers to callback and pre-checkout queries, oldest first."""
        records = await self._pool.fetch(q("sandbox_list_query_answers"))
        return [from_record(QueryAnswer, r) for r in records]
