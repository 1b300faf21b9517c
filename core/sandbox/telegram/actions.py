"""What the bot does in the fake Telegram, and the rules Telegram holds it to.

The fake client calls these for the raw functions it answers; each refuses
what Telegram refuses, with Telegram's error id (:class:`Refused`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from core.platform.database import connection
from core.platform.sql import q
from core.sandbox.telegram import limits as sending
from core.sandbox.telegram.limits import Limits
from core.sandbox.telegram.rows import (
    MAX_CAPTION,
    MAX_FORWARD,
    MAX_TEXT,
    Chat,
    Content,
    Message,
    Refused,
    Topic,
    from_record,
    stable_id,
)


def _length(text: str) -> int:
    # Telegram counts UTF-16 code units, so an emoji counts twice.
    return len(text.encode("utf-16-le")) // 2


def check_content(content: Content) -> None:
    """Refuse what Telegram refuses for the message itself, wherever it goes."""
    if content.kind == "text":
        if not (content.text or "").strip():
            raise Refused("MESSAGE_EMPTY")
        if _length(content.text or "") > MAX_TEXT:
            raise Refused("MESSAGE_TOO_LONG")
    elif content.text is not None and _length(content.text) > MAX_CAPTION:
        raise Refused("MEDIA_CAPTION_TOO_LONG")


class _OverLimit(Exception):
    """Rolls a send over the limits back (then raised as FLOOD_WAIT)."""


class BotActions:
    """The bot's side of the model; :class:`core.sandbox.telegram.model.TelegramModel` adds the world's."""

    _pool: asyncpg.Pool
    bot_id: int
    limits: Limits

    async def take_fault(self, chat_id: int | None, method: str) -> Refused | None:
        record = await self._pool.fetchrow(q("actions_take_fault"), chat_id, method)
        return Refused(record["error"], record["value"]) if record else None

    async def take_flaky(self, chat_id: int | None, method: str) -> tuple[Refused, float] | None:
        """A flaky share failing this call: the error and the seconds to hold it first."""
        record = await self._pool.fetchrow(q("actions_take_flaky"), chat_id, method)
        if record is None:
            return None
        return Refused(record["error"], record["value"]), record["delay_ms"] / 1000

    async def get_messages(self, chat_id: int, message_ids: Sequence[int]) -> list[Message | None]:
        """The messages in the order asked, None where there is none."""
        records = await self._pool.fetch(q("actions_get_messages_by_id"), chat_id, list(message_ids))
        found = {r["message_id"]: from_record(Message, r) for r in records}
        return [found.get(i) for i in message_ids]

    async def get_private_messages(self, message_ids: Sequence[int]) -> list[Message | None]:
        """Private-chat messages by id alone (see messages.GetMessages in dispatch)."""
        records = await self._pool.fetch(q("actions_get_private_messages_by_id"), list(message_ids))
        found = {r["message_id"]: from_record(Message, r) for r in records}
        return [found.get(i) for i in message_ids]

    async def send(
        self,
        chat_id: int,
        content: Content,
        *,
        reply_to: int | None = None,
        top_msg_id: int | None = None,
        paid: bool = False,
        random_ids: Sequence[int] = (),
    ) -> Message:
        """Send one message; ``paid`` is a paid broadcast (``allow_paid_floodskip``)."""
        check_content(content)
        async with self._sending(chat_id, 1, paid=paid) as conn:
            chat = await self._writable(conn, chat_id)
            await self._once(conn, chat_id, random_ids)
            thread = await self._thread(conn, chat, reply_to, top_msg_id)
            first = await conn.fetchval(q("actions_take_message_ids"), chat_id, 1)
            # Sending "into a topic" is a reply to its first message; it is not a reply to show.
            reply = None if reply_to == thread else reply_to
            return await self._insert(conn, chat_id, first, thread, content, reply)

    async def forward(
        self,
        from_chat_id: int,
        message_ids: Sequence[int],
        to_chat_id: int,
        *,
        top_msg_id: int | None = None,
        copy: bool,
        paid: bool = False,
        reply_to: int | None = None,
        random_ids: Sequence[int] = (),
    ) -> list[tuple[int, Message]]:
        """Forward (or, with ``copy``, send as the bot's own) messages in one go.

        Returns (source message id, new message) pairs in the order asked.
        Missing and service messages are skipped, as Telegram skips them; an
        album stays an album under a new group id. Each new message counts
        against the sending limits. With ``reply_to`` every new message is a
        reply to that message of the target chat, which must exist.
        """
        if not message_ids:
            raise Refused("MESSAGE_IDS_EMPTY")
        if len(message_ids) > MAX_FORWARD:
            raise Refused("MESSAGE_IDS_TOO_MUCH")
        sources = [
            m for m in await self.get_messages(from_chat_id, message_ids)
            if m is not None and m.kind != "service"
        ]
        if not sources:
            raise Refused("MESSAGE_ID_INVALID")
        async with self._sending(to_chat_id, len(sources), paid=paid) as conn:
            chat = await self._writable(conn, to_chat_id)
            await self._once(conn, to_chat_id, random_ids)
            thread = await self._thread(conn, chat, None, top_msg_id)
            if reply_to is not None and await conn.fetchrow(
                    q("actions_get_message"), to_chat_id, reply_to) is None:
                raise Refused("REPLY_MESSAGE_ID_INVALID")
            first = await conn.fetchval(q("actions_take_message_ids"), to_chat_id, len(sources))
            groups: dict[str, str] = {}
            sent = []
            for offset, source in enumerate(sources):
                new_id = first + offset
                group = None
                if source.media_group_id is not None:
                    fresh = str(stable_id("album", to_chat_id, new_id))
                    group = groups.setdefault(source.media_group_id, fresh)
                extra = dict(source.extra)
                if not copy:
                    extra["forward_origin"] = self._origin(source)
                content = Content(
                    kind=source.kind, text=source.text, entities=source.entities,
                    media_group_id=group, extra=extra,
                )
                new = await self._insert(conn, to_chat_id, new_id, thread, content, reply_to)
                sent.append((source.message_id, new))
            return sent

    @staticmethod
    def _origin(source: Message) -> dict[str, Any]:
        origin: dict[str, Any] = {
            "chat_id": source.chat_id,
            "message_id": source.message_id,
            "date": int(source.created_at.timestamp()),
        }
        if source.sender_id is not None:
            origin["sender_user_id"] = source.sender_id
        return origin

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        *,
        text: str | None,
        entities: list[dict[str, Any]] | None,
        reply_markup: dict[str, Any] | None,
    ) -> Message:
        """Edit the bot's message; ``text=None`` keeps the text (a keyboard-only edit).

        In a group an edit counts against its limits like a message.
        """
        async with self._group_write(chat_id) as conn:
            record = await conn.fetchrow(q("actions_get_message"), chat_id, message_id)
            if record is None:
                raise Refused("MESSAGE_ID_INVALID")
            old = from_record(Message, record)
            if not old.from_bot:
                raise Refused("MESSAGE_AUTHOR_REQUIRED")
            if text is None:
                text, entities = old.text, old.entities
            else:
                check_content(Content(kind=old.kind, text=text))
            if (text, entities, reply_markup) == (old.text, old.entities, old.reply_markup):
                raise Refused("MESSAGE_NOT_MODIFIED")
            record = await conn.fetchrow(
                q("actions_edit_message"), chat_id, message_id, text, entities, reply_markup
            )
            assert record is not None
            return from_record(Message, record)

    async def create_topic(self, chat_id: int, name: str, icon_color: int) -> Message:
        """Create a topic; returns the service message Telegram posts (its id is the topic's)."""
        if not name.strip():
            raise Refused("TOPIC_TITLE_EMPTY")
        async with self._group_write(chat_id) as conn:
            chat = await self._writable(conn, chat_id)
            if not chat.is_forum:
                raise Refused("CHANNEL_FORUM_MISSING")
            topic_id = await conn.fetchval(q("actions_take_message_ids"), chat_id, 1)
            await conn.execute(q("actions_insert_topic"), chat_id, topic_id, name, icon_color)
            extra = {"forum_topic_created": {"name": name, "icon_color": icon_color}}
            return await self._insert(
                conn, chat_id, topic_id, topic_id, Content(kind="service", extra=extra), None
            )

    async def edit_topic(
        self, chat_id: int, topic_id: int, *, name: str | None = None, closed: bool | None = None
    ) -> Message:
        """Rename, close or reopen a topic; returns the service message it posts."""
        async with self._group_write(chat_id) as conn:
            await self._writable(conn, chat_id)
            topic = await self._topic(conn, chat_id, topic_id)
            if topic is None:
                raise Refused("TOPIC_ID_INVALID")
            if topic.deleted:
                raise Refused("TOPIC_DELETED")
            extra: dict[str, Any] = {}
            if name is not None and name != topic.name:
                if not name.strip():
                    raise Refused("TOPIC_TITLE_EMPTY")
                extra["forum_topic_edited"] = {"name": name}
            if closed is not None and closed != topic.closed:
                extra["forum_topic_closed" if closed else "forum_topic_reopened"] = {}
            if not extra:
                raise Refused("TOPIC_NOT_MODIFIED")
            await conn.execute(
                q("actions_update_topic"), chat_id, topic_id,
                topic.name if name is None else name, topic.closed if closed is None else closed,
            )
            message_id = await conn.fetchval(q("actions_take_message_ids"), chat_id, 1)
            return await self._insert(
                conn, chat_id, message_id, topic_id, Content(kind="service", extra=extra), None
            )

    async def answer_query(
        self, kind: str, query_id: str, *, ok: bool, text: str | None = None,
        show_alert: bool = False, results: list[dict[str, Any]] | None = None,
    ) -> None:
        """Record the bot's answer; Telegram takes only one per query."""
        answered = await self._pool.fetchval(
            q("actions_record_query_answer"), kind, query_id, ok, text, show_alert, results
        )
        if answered is None:
            raise Refused("QUERY_ID_INVALID")

    async def cached_media(self, unique_id: str) -> tuple[str, dict[str, Any]] | None:
        """(kind, Bot API media) of a file the fake holds, by its unique id."""
        record = await self._pool.fetchrow(q("actions_cached_media"), unique_id)
        if record is None:
            return None
        kind: str = record["kind"]
        return kind, {kind: record["extra"][kind]}

    async def file_part(self, unique_id: str, offset: int, limit: int) -> bytes | None:
        """Bytes ``offset`` to ``offset + limit`` of a file people attached (None: no such file)."""
        part: bytes | None = await self._pool.fetchval(q("actions_file_content"), unique_id, offset, limit)
        return part

    # --- rules shared by the sends ---

    @asynccontextmanager
    async def _sending(
        self, chat_id: int, count: int, *, paid: bool
    ) -> AsyncIterator[asyncpg.Connection]:
        """A transaction that creates ``count`` messages in the chat, within the limits.

        A place in the lane first, on its own; the chat's limits last, when the
        send has passed every other rule. Over a limit, FLOOD_WAIT is raised
        (and recorded) and nothing of the send remains.
        """
        async with connection(self._pool) as conn:
            ticket = await sending.take_lane(conn, self.limits, chat_id, count, paid=paid)
            try:
                wait = 0
                try:
                    async with conn.transaction():
                        yield conn
                        wait = await sending.take_chat(conn, self.limits, chat_id, count, paid=paid)
                        if wait:
                            raise _OverLimit
                except _OverLimit:
                    await sending.record_flood_wait(conn, chat_id, count, paid=paid, seconds=wait)
                    raise Refused("FLOOD_WAIT", wait) from None
            except BaseException:
                if ticket is not None:
                    # Not given back, the place only makes the lane stricter for a second.
                    with contextlib.suppress(Exception):
                        await sending.give_back(conn, ticket)
                raise

    @asynccontextmanager
    async def _group_write(self, chat_id: int) -> AsyncIterator[asyncpg.Connection]:
        """A transaction for a write that is not a new message but, in a group,
        counts as one: Telegram's developers count creating and editing topics
        and editing messages against a group's 20 per minute."""
        if chat_id < 0:
            async with self._sending(chat_id, 1, paid=False) as conn:
                yield conn
        else:
            async with connection(self._pool) as conn, conn.transaction():
                yield conn

    async def _once(self, conn: asyncpg.Connection, chat_id: int, random_ids: Sequence[int]) -> None:
        """Telegram remembers a send's random ids: a send repeating one (a retry of a
        send that went through) is refused, and nothing is sent twice."""
        if random_ids and await conn.fetchval(q("actions_random_ids"), list(random_ids), chat_id) < len(
                set(random_ids)):
            raise Refused("RANDOM_ID_DUPLICATE")

    async def _writable(self, conn: asyncpg.Connection, chat_id: int) -> Chat:
        # The row lock orders concurrent sends to one chat, as Telegram numbers them.
        record = await conn.fetchrow(q("actions_lock_chat"), chat_id)
        if record is None:
            raise Refused("PEER_ID_INVALID")
        chat = from_record(Chat, record)
        if chat.migrated_to is not None:
            # The group lives on as a supergroup under another id (see TelegramModel.migrate_group).
            raise Refused("CHAT_ID_INVALID")
        if chat.deactivated:
            raise Refused("INPUT_USER_DEACTIVATED")
        if chat.blocked:
            raise Refused("USER_IS_BLOCKED")
        return chat

    async def _topic(self, conn: asyncpg.Connection, chat_id: int, topic_id: int) -> Topic | None:
        record = await conn.fetchrow(q("actions_get_topic"), chat_id, topic_id)
        return from_record(Topic, record) if record else None

    async def _thread(
        self, conn: asyncpg.Connection, chat: Chat, reply_to: int | None, top_msg_id: int | None
    ) -> int | None:
        """The topic a message goes to: named by ``top_msg_id``, or the replied message's."""
        target = top_msg_id if top_msg_id is not None else reply_to
        if not chat.is_forum or target is None:
            return None
        topic = await self._topic(conn, chat.id, target)
        if topic is not None:
            if topic.deleted:
                raise Refused("TOPIC_DELETED")
            return topic.topic_id
        record = await conn.fetchrow(q("actions_get_message"), chat.id, target)
        if record is not None and top_msg_id is None:
            thread: int | None = record["thread_id"]
            return thread
        raise Refused("TOPIC_ID_INVALID")

    async def _insert(
        self, conn: asyncpg.Connection, chat_id: int, message_id: int, thread_id: int | None,
        content: Content, reply_to: int | None,
    ) -> Message:
        """Store a message the bot sent, dated now."""
        record = await conn.fetchrow(
            q("actions_insert_message"),
            chat_id, message_id, thread_id, True, self.bot_id, content.kind, content.text,
            content.entities, content.reply_markup, reply_to, content.media_group_id,
            content.extra, None,
        )
        assert record is not None
        return from_record(Message, record)
