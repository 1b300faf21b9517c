"""The people's side of the fake Telegram: users the sandbox creates, and what they write.

Telegram gives what a person sends its message id (from the chat's one
sequence, which the bot's messages share), its update id and its date; the
sandbox console asks :meth:`People.write` for that instead of picking ids.
Scripts that post updates themselves pick their own ids: :meth:`People.claim`
holds them to Telegram's rule that one id is one message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from core.platform.database import connection
from core.platform.sql import q
from core.sandbox.telegram.incoming import Incoming, read_message
from core.sandbox.telegram.rows import Chat, ChatType, Refused, from_record

#: Telegram's rule for usernames: 5 to 32 letters, digits and underscores, starting with a letter.
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
#: An IETF language tag as Telegram clients send it (``en``, ``pt-br``).
LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
MAX_NAME = 64


class Unacceptable(ValueError):
    """What a person asked for cannot be; the message says why."""


@dataclass(frozen=True)
class StoredFile:
    mime_type: str
    file_name: str | None
    content: bytes


class People:
    """Mixed into :class:`core.sandbox.telegram.model.TelegramModel`."""

    _pool: asyncpg.Pool

    async def record_incoming_on(self, conn: asyncpg.Connection, m: Incoming) -> None:
        raise NotImplementedError  # the model's

    async def create_user(
        self, first_name: str, last_name: str | None, username: str | None, language_code: str
    ) -> Chat:
        """A new Telegram user with a private chat with the bot, which they have not opened yet."""
        first_name, last_name = first_name.strip(), (last_name or "").strip() or None
        if not 1 <= len(first_name) <= MAX_NAME:
            raise Unacceptable(f"the first name must be 1 to {MAX_NAME} characters")
        if last_name is not None and len(last_name) > MAX_NAME:
            raise Unacceptable(f"the last name must be at most {MAX_NAME} characters")
        username = (username or "").strip().removeprefix("@") or None
        if username is not None and not USERNAME.fullmatch(username):
            raise Unacceptable("a username has 5 to 32 letters, digits or underscores, "
                               "and starts with a letter")
        language_code = language_code.strip().lower()
        if not LANGUAGE.fullmatch(language_code):
            raise Unacceptable("the language is a code such as en, pt-br, es or uk")
        async with connection(self._pool) as conn, conn.transaction():
            # Usernames are unique in Telegram; the lock orders two people taking the same one.
            await conn.execute(q("people_lock_usernames"))
            if username is not None and await conn.fetchval(q("people_username_taken"), username):
                raise Unacceptable(f"@{username} is taken")
            for _ in range(1000):
                record = await conn.fetchrow(q("people_insert_user"), first_name, last_name, username,
                                             language_code)
                if record is not None:
                    return from_record(Chat, record)
        raise Unacceptable("no free user id left in the sandbox's range")

    async def language_of(self, chat_id: int) -> str | None:
        value = await self._pool.fetchval(q("people_language"), chat_id)
        return str(value) if value is not None else None

    async def next_update_id(self) -> int:
        """An update id for an update the sandbox builds, increasing as Telegram's do."""
        return int(await self._pool.fetchval(q("people_next_update_id")))

    async def write(self, message: Mapping[str, Any], update_id: int) -> dict[str, Any]:
        """Give ``message`` (Bot API JSON without ``message_id``) the chat's next id and keep it.

        The id is taken from the sequence the bot's sends take theirs from, so
        neither side can ever reuse the other's; the message is claimed for
        ``update_id``, whose delivery through the ingress is then welcome.
        """
        chat_id = int(message["chat"]["id"])
        async with connection(self._pool) as conn, conn.transaction():
            message_id = await conn.fetchval(q("actions_take_message_ids"), chat_id, 1)
            if message_id is None:
                raise Refused("PEER_ID_INVALID")
            full = {"message_id": int(message_id), **message}
            await conn.execute(q("people_insert_claim"), chat_id, message_id, update_id)
            m = read_message(full)
            if m.chat.type not in (ChatType.PRIVATE, ChatType.SUPERGROUP):
                raise Refused("PEER_ID_INVALID")
            await self.record_incoming_on(conn, m)
        return full

    async def claim(self, update_id: int, m: Incoming) -> bool:
        """Whether update ``update_id`` may bring the message ``m``: its id is new in the chat,
        the fake holds that very message (one it posted), or this update brought it before
        (a redelivery)."""
        owner = await self._pool.fetchval(q("people_claim"), m.chat.id, m.message_id, update_id,
                                          m.sender_id, m.content.kind, m.content.text)
        return owner is not None and int(owner) == update_id

    async def edit_allowed(self, chat_id: int, message_id: int, sender_id: int | None) -> bool:
        """Whether a person may edit the message: it is theirs, or the sandbox does not know it."""
        record = await self._pool.fetchrow(q("people_author"), chat_id, message_id)
        return record is None or (not record["from_bot"] and record["sender_id"] == sender_id)

    async def store_file(self, unique_id: str, mime_type: str, file_name: str | None, content: bytes) -> None:
        await self._pool.execute(q("people_store_file"), unique_id, mime_type, file_name, content)

    async def file(self, unique_id: str) -> StoredFile | None:
        record = await self._pool.fetchrow(q("people_file"), unique_id)
        if record is None:
            return None
        return StoredFile(record["mime_type"], record["file_name"], bytes(record["content"]))
