"""The fake Telegram's chats, topics and messages as the console lists them, with names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.platform.sql import q
from core.sandbox.telegram.rows import Message, from_record

#: The newest messages a chat shows at once; older ones are a page further back.
PAGE = 200


@dataclass(frozen=True)
class Preview:
    """A chat or topic in the list: the last thing said in it."""

    kind: str | None
    text: str | None
    from_bot: bool | None
    at: datetime | None


@dataclass(frozen=True)
class ChatItem:
    id: int
    type: str
    title: str | None
    first_name: str | None
    last_name: str | None
    username: str | None
    language_code: str | None
    is_forum: bool
    blocked: bool
    last: Preview
    created_at: datetime


@dataclass(frozen=True)
class TopicItem:
    chat_id: int
    topic_id: int
    name: str
    icon_color: int
    closed: bool
    last: Preview


@dataclass(frozen=True)
class Person:
    """Someone who writes: their name as Telegram shows it."""

    id: int
    name: str
    username: str | None


def _preview(r: asyncpg.Record) -> Preview:
    return Preview(r["last_kind"], r["last_text"], r["last_from_bot"], r["last_at"])


async def chats(conn: asyncpg.Connection) -> list[ChatItem]:
    """Private chats and supergroups, the most recently active first."""
    return [ChatItem(r["id"], r["type"], r["title"], r["first_name"], r["last_name"], r["username"],
                     r["language_code"], r["is_forum"], r["blocked"], _preview(r), r["created_at"])
            for r in await conn.fetch(q("world_chats"))]


async def topics(conn: asyncpg.Connection, chat_id: int) -> list[TopicItem]:
    return [TopicItem(r["chat_id"], r["topic_id"], r["name"], r["icon_color"], r["closed"], _preview(r))
            for r in await conn.fetch(q("world_topics"), chat_id)]


async def messages(
    conn: asyncpg.Connection, chat_id: int, thread_id: int | None, *, before: int | None = None,
    limit: int = PAGE,
) -> list[Message]:
    """The newest messages (of a topic, or a group's General with ``thread_id`` None), oldest first."""
    records = await conn.fetch(q("world_messages"), chat_id, thread_id, before, limit)
    return [from_record(Message, r) for r in reversed(records)]


async def message(conn: asyncpg.Connection, chat_id: int, message_id: int) -> Message | None:
    record = await conn.fetchrow(q("world_message"), chat_id, message_id)
    return from_record(Message, record) if record else None


async def people(conn: asyncpg.Connection, ids: Iterable[int]) -> dict[int, Person]:
    """Names of the people behind ``ids``: their Telegram profile, else what the bot knows."""
    found = {}
    for r in await conn.fetch(q("world_people"), sorted(set(ids))):
        name = " ".join(p for p in (r["first_name"], r["last_name"]) if p) or str(r["id"])
        found[r["id"]] = Person(r["id"], name, r["username"])
    return found


async def answer(conn: asyncpg.Connection, kind: str, query_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(q("world_answer"), kind, query_id)


async def messages_by_id(conn: asyncpg.Connection, chat_id: int, ids: Iterable[int]) -> dict[int, Message]:
    records = await conn.fetch(q("world_messages_by_id"), chat_id, sorted(set(ids)))
    return {r["message_id"]: from_record(Message, r) for r in records}


async def files_kept(conn: asyncpg.Connection, unique_ids: Iterable[str]) -> set[str]:
    """Which of these files the sandbox has the bytes of (those people attached in the console)."""
    return {r["file_unique_id"] for r in await conn.fetch(q("world_files_kept"), sorted(set(unique_ids)))}
