"""Telegram as the sandbox and the tests see it: chats, topics, messages, faults.

The state lives in Postgres so every process of the sandbox (web, workers,
test code) shares one Telegram. The model speaks the Bot API's ids and JSON and
refuses what Telegram refuses with Telegram's error ids (:class:`Refused`);
turning those into MTProto answers and Pyrogram exceptions is the fake
client's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from core.platform.config import SANDBOX_BOT_ID
from core.platform.database import connection
from core.platform.sql import q
from core.sandbox.telegram import commands
from core.sandbox.telegram.actions import BotActions
from core.sandbox.telegram.bot_api import SandboxBotApi
from core.sandbox.telegram.convert import is_basic_group
from core.sandbox.telegram.incoming import Incoming, UnmodelledChat, read_message
from core.sandbox.telegram.limits import GROUP_WINDOW, FloodWaitRecord, Limits
from core.sandbox.telegram.people import People
from core.sandbox.telegram.rows import (
    DEFAULT_ICON_COLOR,
    Chat,
    ChatType,
    Content,
    Message,
    QueryAnswer,
    Topic,
    from_record,
)
from core.sandbox.telegram.star_charges import StarCharges


class TelegramModel(BotActions, People, StarCharges):
    """The shared state of the fake Telegram, over an asyncpg pool.

    ``limits`` are the sending limits this model holds the bot to (Telegram's
    by default, see :mod:`core.sandbox.telegram.limits`); the state they are
    counted in is shared by every model on the database.
    """

    def __init__(
        self, pool: asyncpg.Pool, *, bot_id: int = SANDBOX_BOT_ID, limits: Limits | None = None
    ) -> None:
        self._pool = pool
        self.bot_id = bot_id
        self.limits = Limits() if limits is None else limits

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
        """Create the chat if it is new; fields given update an existing one.

        Without ``type`` the id tells: a user's id is a private chat, ``-42`` a
        basic group, ``-100...`` a supergroup.
        """
        if type:
            kind = ChatType(type)
        elif chat_id > 0:
            kind = ChatType.PRIVATE
        else:
            kind = ChatType.GROUP if is_basic_group(chat_id) else ChatType.SUPERGROUP
        record = await self._pool.fetchrow(
            q("model_upsert_chat"),
            chat_id, kind.value, title, first_name, last_name, username, is_forum,
        )
        assert record is not None
        return from_record(Chat, record)

    async def chat(self, chat_id: int) -> Chat | None:
        record = await self._pool.fetchrow(q("model_get_chat"), chat_id)
        return from_record(Chat, record) if record else None

    async def chats(self, chat_ids: Iterable[int]) -> dict[int, Chat]:
        records = await self._pool.fetch(q("model_get_chats"), list(chat_ids))
        return {r["id"]: from_record(Chat, r) for r in records}

    async def set_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot."""
        await self._pool.execute(q("model_set_blocked"), chat_id, blocked)

    async def set_deactivated(self, chat_id: int, deactivated: bool = True) -> None:
        """The user deletes their account."""
        await self._pool.execute(q("model_set_deactivated"), chat_id, deactivated)

    async def migrate_group(
        self, old: int, new: int, *, by: int | None = None, is_forum: bool = True
    ) -> tuple[Message, Message]:
        """Upgrade the basic group ``old`` to the supergroup ``new`` (a ``-100...`` id).

        Telegram does this when an admin turns on Topics, among others. The
        supergroup takes the group's title; the group is deactivated: sends to
        it fail (``CHAT_ID_INVALID``) and looking it up (``messages.getChats``)
        names the supergroup in ``migrated_to``. Returns the two service
        messages Telegram posts, in the group (``migrate_to_chat_id``) and in
        the supergroup (``migrate_from_chat_id``), which reach the bot as
        updates; ``by`` is the admin who made the change.
        """
        if not is_basic_group(old) or new >= 0 or is_basic_group(new):
            raise ValueError(f"only a basic group (-42) becomes a supergroup (-100...): {old} -> {new}")
        async with connection(self._pool) as conn, conn.transaction():
            record = await conn.fetchrow(q("model_migrate_chat"), old, new)
            if record is None:
                raise ValueError(f"{old} is not a basic group the fake knows, or was upgraded already")
            group = from_record(Chat, record)
            await conn.execute(
                q("model_upsert_chat"), new, ChatType.SUPERGROUP.value, group.title, None, None, None,
                is_forum,
            )
            moved_to = await self._service_message(conn, old, {"migrate_to_chat_id": new}, by)
            moved_from = await self._service_message(conn, new, {"migrate_from_chat_id": old}, by)
        return moved_to, moved_from

    async def _service_message(
        self, conn: asyncpg.Connection, chat_id: int, extra: dict[str, Any], sender_id: int | None
    ) -> Message:
        message_id = await conn.fetchval(q("actions_take_message_ids"), chat_id, 1)
        record = await conn.fetchrow(
            q("actions_insert_message"),
            chat_id, message_id, None, False, sender_id, "service", None, None, None, None, None,
            extra, None,
        )
        assert record is not None
        return from_record(Message, record)

    async def record_incoming(self, message: Mapping[str, Any]) -> None:
        """Store a message a user or an operator sent (Bot API JSON), so the bot can copy it.

        Idempotent: the same update recorded twice keeps one message; an
        ``edited_message`` replaces the content. A topic the message is in is
        created if the fake has not seen it, and service messages about topics
        change them as Telegram does. Messages in basic groups and channels
        are ignored (the fake keeps no messages of theirs but its own): the
        bot is never asked to copy them, and a sandbox job must not fail on them.
        """
        try:
            m = read_message(message)
        except UnmodelledChat:
            return
        async with connection(self._pool) as conn, conn.transaction():
            await self.record_incoming_on(conn, m)

    async def record_incoming_on(self, conn: asyncpg.Connection, m: Incoming) -> None:
        """:meth:`record_incoming` inside the caller's transaction."""
        c = m.chat
        await conn.execute(
            q("model_upsert_chat"),
            c.id, c.type.value, c.title, c.first_name, c.last_name, c.username,
            c.is_forum if c.type is ChatType.SUPERGROUP else None,
        )
        await conn.execute(q("model_skip_message_ids"), c.id, m.message_id)
        if c.type is ChatType.PRIVATE and m.sender_id == c.id:
            # Writing to a bot you blocked unblocks it, in Telegram too.
            await conn.execute(q("model_set_blocked"), c.id, False)
        if m.thread_id is not None:
            await self._topic_from_incoming(conn, c.id, m.thread_id, m.topic_name, m.content)
        await conn.execute(
            q("model_upsert_incoming_message"),
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
            q("actions_insert_topic"), chat_id, topic_id, name or f"Topic {topic_id}", DEFAULT_ICON_COLOR
        )
        topic = await self._topic(conn, chat_id, topic_id)
        assert topic is not None
        extra = content.extra
        if "forum_topic_closed" in extra or "forum_topic_reopened" in extra:
            closed = "forum_topic_closed" in extra
            await conn.execute(q("actions_update_topic"), chat_id, topic_id, topic.name, closed)
        if "forum_topic_edited" in extra and extra["forum_topic_edited"].get("name"):
            name = extra["forum_topic_edited"]["name"]
            await conn.execute(q("actions_update_topic"), chat_id, topic_id, name, topic.closed)

    async def delete_topic(self, chat_id: int, topic_id: int) -> None:
        """An operator deletes a topic, and with it every message in it."""
        async with connection(self._pool) as conn, conn.transaction():
            await conn.execute(q("model_delete_topic"), chat_id, topic_id)
            await conn.execute(q("model_delete_topic_messages"), chat_id, topic_id)

    async def topics(self, chat_id: int) -> list[Topic]:
        records = await self._pool.fetch(q("model_list_topics"), chat_id)
        return [from_record(Topic, r) for r in records]

    async def messages(
        self, chat_id: int, *, thread_id: int | None = None, service: bool = False
    ) -> list[dict[str, Any]]:
        """The chat's messages, oldest first, as the sandbox page shows them.

        Service messages ("topic created", "topic closed") are left out unless
        ``service``: the page shows what was said; :meth:`topics` shows the topics.
        """
        if thread_id is None:
            records = await self._pool.fetch(q("model_list_messages"), chat_id)
        else:
            records = await self._pool.fetch(q("model_list_thread_messages"), chat_id, thread_id)
        rows = [from_record(Message, r) for r in records]
        return [m.public() for m in rows if service or m.kind != "service"]

    async def message(self, chat_id: int, message_id: int) -> Message | None:
        record = await self._pool.fetchrow(q("actions_get_message"), chat_id, message_id)
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
        await self._pool.execute(q("model_insert_fault"), chat_id, method, error, value, count)

    async def make_flaky(
        self,
        error: str,
        share: float,
        seconds: float,
        *,
        value: int | None = None,
        delay_ms: int = 0,
        chat_id: int | None = None,
        method: str | None = None,
    ) -> None:
        """For ``seconds``, fail each matching call at chance ``share`` with a Telegram error.

        ``error`` as for :meth:`inject_fault`, or ``TIMEOUT``: the request is lost
        after ``delay_ms`` (the client times out, nothing was done).
        """
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        error = error.upper().removesuffix("_X")
        await self._pool.execute(q("model_insert_flaky"), chat_id, method, error, value, share,
                                 delay_ms, seconds)

    async def flaky_hits(self) -> dict[str, int]:
        """The calls each flaky error failed, by error."""
        return {r["error"]: r["hits"] for r in await self._pool.fetch(q("model_flaky_hits"))}

    async def set_commands(
        self, scope: Mapping[str, Any], language_code: str, listed: Sequence[tuple[str, str]]
    ) -> None:
        """Keep the bot's command list for a scope and language (see :mod:`.commands`)."""
        await commands.record(self._pool, scope, language_code, listed)

    async def commands_shown(
        self, chat_id: int, user_id: int, language_code: str | None, *, administrator: bool = False
    ) -> list[dict[str, str]]:
        """The commands ``user_id`` sees in the menu of ``chat_id``, as a Telegram client lists them."""
        return await commands.shown(self._pool, chat_id, user_id, language_code,
                                    administrator=administrator)

    async def query_answers(self) -> list[QueryAnswer]:
        """The bot's answers to callback and pre-checkout queries, oldest first."""
        records = await self._pool.fetch(q("model_list_query_answers"))
        return [from_record(QueryAnswer, r) for r in records]

    # --- the sending limits, as tests measure them ---

    async def flood_waits(self, chat_id: int | None = None) -> list[FloodWaitRecord]:
        """The calls refused with FLOOD_WAIT by the limits, oldest first (not injected faults)."""
        records = await self._pool.fetch(q("model_list_flood_waits"), chat_id)
        return [from_record(FloodWaitRecord, r) for r in records]

    async def sent_times(
        self, chat_id: int | None = None, *, paid: bool | None = None
    ) -> list[datetime]:
        """When each message the limits let through went out, oldest first.

        Each time is the one its limit was judged at, so rates computed from
        them are the ones enforced: for one chat, when the chat's bucket and
        window counted it; for all chats, when the overall lane did (a few
        milliseconds earlier). A call that created several messages gives its
        time once per message. Sends of a model with ``Limits(enabled=False)``
        are not counted.
        """
        if chat_id is None:
            records = await self._pool.fetch(q("model_list_lane_sent_times"), paid)
        else:
            records = await self._pool.fetch(q("model_list_chat_sent_times"), chat_id, paid)
        return [r["at"] for r in records]

    def bot_api(self) -> SandboxBotApi:
        """This Telegram's answers to the Bot API calls production makes over HTTPS."""
        return SandboxBotApi(self._pool, self.bot_id)

    async def prune_history(self, older_than: timedelta) -> None:
        """Forget messages recorded, query answers given and spent faults set more than
        ``older_than`` ago (a message by when the stand-in learnt it, not by its date)."""
        seconds = older_than.total_seconds()
        async with connection(self._pool) as conn:
            for query in (q("history_prune_messages"), q("history_prune_answers"),
                          q("history_prune_faults")):
                await conn.execute(query, seconds)

    async def prune_sends(self, older_than: timedelta = timedelta(minutes=10)) -> None:
        """Forget sends and flood waits older than ``older_than`` (never inside a window).

        The limits need only the last minute; a sandbox that runs for days calls
        this now and then so the bookkeeping does not grow with every send.
        """
        seconds = max(older_than.total_seconds(), GROUP_WINDOW)
        async with connection(self._pool) as conn:
            for query in (q("model_prune_chat_sends"), q("model_prune_lane_sends"),
                          q("model_prune_flood_waits")):
                await conn.execute(query, seconds)
