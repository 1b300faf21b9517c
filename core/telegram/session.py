"""Pyrogram's session storage kept in Postgres.

A Pyrogram bot logs in on ``start()`` unless its storage already holds an
authorization; logging in on every dyno restart, and from every process,
invites FLOOD_WAIT. :class:`PostgresStorage` keeps the session row, the peer
cache and the update states in Postgres under a session name, so every process
and every restart reuses one authorization.

Several processes share one row, so writes are per-column upserts of what
Pyrogram changed: a process that found a stored session writes nothing but the
save date, and never writes an auth key back. The only real race is the very
first login, when every process finds the row empty; :meth:`PostgresStorage.open`
then takes an advisory lock so that one process logs in and the others, once it
is done, find its authorization instead of making their own.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable
from contextlib import AsyncExitStack
from typing import Any, Final

import asyncpg
from pyrogram import Client
from pyrogram.raw.types.input_peer_channel import InputPeerChannel
from pyrogram.raw.types.input_peer_chat import InputPeerChat
from pyrogram.raw.types.input_peer_user import InputPeerUser
from pyrogram.storage import Storage, UpdateState
from pyrogram.storage.sqlite_storage import get_input_peer

from core.platform.database import connection, keeps_session_state
from core.platform.sql import q


class _Unset(enum.Enum):
    UNSET = enum.auto()


#: "No value passed": read the field. ``None`` cannot mean that, because Pyrogram
#: writes ``user_id(None)`` and ``is_bot(None)`` to clear them on a new key.
UNSET: Final = _Unset.UNSET

#: What a stored peer resolves to, by its type (Pyrogram's own get_input_peer).
InputPeer = InputPeerUser | InputPeerChat | InputPeerChannel

#: What Pyrogram's own storage checks to decide that a session has to log in.
_LOGIN_FIELDS: Final = ("test_mode", "auth_key", "user_id", "is_bot")


class PostgresStorage(Storage):
    """Pyrogram's storage contract over an asyncpg pool, one session per ``name``.

    The pool belongs to the caller: :meth:`close` gives back what this storage
    holds and leaves the pool open.
    """

    #: A username seen longer ago than this may have changed hands (Pyrogram's rule).
    USERNAME_TTL: Final = 8 * 60 * 60

    def __init__(self, pool: asyncpg.Pool, name: str) -> None:
        self.pool = pool
        self.name = name
        # The login lock's connection, held while this process is the one logging in.
        self._login: tuple[AsyncExitStack, asyncpg.Connection] | None = None

    # -- lifecycle

    async def open(self) -> None:
        # Peers and update states reference the session row, so it must exist;
        # inserting it never overwrites what another process stored.
        await self._execute(q("session_ensure"), self.name)
        if self._login is not None or await self._logged_in():
            return  # already holding the lock (opened twice), or nothing to log in
        async with AsyncExitStack() as stack:
            conn = await stack.enter_async_context(connection(self.pool))
            keeps_session_state(conn)  # released even if the unlock below never runs
            # Waits while another process logs in (up to the pool's command_timeout).
            await conn.execute(q("session_login_lock"), self.name)
            # Locked: keep the connection past this block; had the wait failed,
            # the block would have given it back.
            self._login = (stack.pop_all(), conn)
        # While we waited, another process may have logged in: Pyrogram reads
        # the row next and will reuse that authorization.
        if await self._logged_in():
            await self._unlock()

    async def save(self) -> None:
        # Every write is already committed; the date is all that is left to record.
        await self.date(int(time.time()))

    async def close(self) -> None:
        await self._unlock()

    async def delete(self) -> None:
        await self._execute(q("session_delete"), self.name)

    async def _logged_in(self) -> bool:
        row = await self._session_row()
        return row is not None and all(row[field] is not None for field in _LOGIN_FIELDS)

    async def _unlock(self) -> None:
        login, self._login = self._login, None
        if login is None:
            return
        stack, conn = login
        async with stack:  # gives the connection back to the pool, even if unlocking fails
            await conn.execute(q("session_login_unlock"), self.name)

    # -- peers

    async def update_peers(self, peers: Iterable[tuple[int, int, str, str | None]]) -> None:
        # One row per id (a second upsert of the same row in one batch is an error),
        # taken in id order so two processes writing the same peers cannot deadlock.
        latest = {peer[0]: peer for peer in peers}
        rows = [(self.name, *latest[peer_id]) for peer_id in sorted(latest)]
        if rows:
            await self._executemany(q("session_peer_upsert"), rows)

    async def update_usernames(self, usernames: Iterable[tuple[int, list[str | None]]]) -> None:
        latest = {peer_id: names for peer_id, names in usernames}
        rows = [
            (self.name, peer_id, [name.lower() for name in latest[peer_id] if name is not None])
            for peer_id in sorted(latest)
        ]
        if rows:
            await self._executemany(q("session_peer_set_usernames"), rows)

    async def get_peer_by_id(self, peer_id: int) -> InputPeer:
        row = await self._fetchrow(q("session_peer_by_id"), self.name, peer_id)
        if row is None:
            raise KeyError(f"ID not found: {peer_id}")
        return _input_peer(row)

    async def get_peer_by_username(self, username: str) -> InputPeer:
        row = await self._fetchrow(
            q("session_peer_by_username"), self.name, username, float(self.USERNAME_TTL)
        )
        if row is None:
            raise KeyError(f"Username not found: {username}")
        if not row["fresh"]:
            raise KeyError(f"Username expired: {username}")
        return _input_peer(row)

    async def get_peer_by_phone_number(self, phone_number: str) -> InputPeer:
        row = await self._fetchrow(q("session_peer_by_phone_number"), self.name, phone_number)
        if row is None:
            raise KeyError(f"Phone number not found: {phone_number}")
        return _input_peer(row)

    # -- update states

    async def get_update_states(self, ids: int | Iterable[int] | None = None) -> list[UpdateState]:
        wanted = None if ids is None else [ids] if isinstance(ids, int) else list(ids)
        async with connection(self.pool) as conn:
            rows = await conn.fetch(q("session_update_states"), self.name, wanted)
        return [UpdateState(r["id"], r["pts"], r["qts"], r["date"], r["seq"]) for r in rows]

    async def set_update_state(self, update_state: UpdateState | Iterable[UpdateState]) -> None:
        states = [update_state] if isinstance(update_state, UpdateState) else list(update_state)
        rows = [(self.name, s.id, s.pts, s.qts, s.date, s.seq) for s in sorted(states, key=lambda s: s.id)]
        if rows:
            await self._executemany(q("session_update_state_upsert"), rows)

    async def delete_update_state(self, state_id: int | Iterable[int]) -> None:
        ids = [state_id] if isinstance(state_id, int) else list(state_id)
        await self._execute(q("session_update_state_delete"), self.name, ids)

    # -- session fields: called without a value they read, with one they write.
    # Pyrogram's contract types each as returning the field, but a write returns
    # None, hence Any.

    async def dc_id(self, value: int | _Unset | None = UNSET) -> Any:
        return await self._field("dc_id", value)

    async def server_address(self, value: str | _Unset | None = UNSET) -> Any:
        return await self._field("server_address", value)

    async def port(self, value: int | _Unset | None = UNSET) -> Any:
        return await self._field("port", value)

    async def api_id(self, value: int | _Unset | None = UNSET) -> Any:
        return await self._field("api_id", value)

    async def test_mode(self, value: bool | _Unset | None = UNSET) -> Any:
        return await self._field("test_mode", value)

    async def auth_key(self, value: bytes | _Unset | None = UNSET) -> Any:
        return await self._field("auth_key", value)

    async def date(self, value: int | _Unset | None = UNSET) -> Any:
        return await self._field("date", value)

    async def user_id(self, value: int | _Unset | None = UNSET) -> Any:
        return await self._field("user_id", value)

    async def is_bot(self, value: bool | _Unset | None = UNSET) -> Any:
        return await self._field("is_bot", value)

    async def _field(self, column: str, value: object) -> Any:
        if value is UNSET:
            # Read from the database every time: another process may have changed
            # the session since open(), and Pyrogram reads these mostly on (re)connect.
            row = await self._session_row()
            return None if row is None else row[column]
        await self._execute(q("session_set_" + column), self.name, value)
        # Pyrogram writes user_id, then is_bot, once the login succeeded.
        login_done = value is not None and column in ("user_id", "is_bot")
        if self._login is not None and login_done and await self._logged_in():
            await self._unlock()
        return None

    # -- database access, with "cannot connect" turned into DatabaseUnavailable

    async def _session_row(self) -> asyncpg.Record | None:
        return await self._fetchrow(q("session_get"), self.name)

    async def _fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        async with connection(self.pool) as conn:
            return await conn.fetchrow(sql, *args)

    async def _execute(self, sql: str, *args: Any) -> None:
        async with connection(self.pool) as conn:
            await conn.execute(sql, *args)

    async def _executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        # asyncpg runs the batch as one transaction.
        async with connection(self.pool) as conn:
            await conn.executemany(sql, rows)


def _input_peer(row: asyncpg.Record) -> InputPeer:
    # Pyrogram's own mapping from stored type names to InputPeerUser/Chat/Channel.
    peer: InputPeer = get_input_peer(row["id"], row["access_hash"], row["type"])
    return peer


def postgres_client(pool: asyncpg.Pool, name: str, **options: Any) -> Client:
    """A Pyrogram ``Client`` whose session lives in Postgres under ``name``.

    ``options`` are the usual ``Client`` arguments (api_id, api_hash, bot_token, ...).
    """
    # Pyrogram ignores storage_engine when in_memory or session_string is set and
    # builds its own SQLite storage instead, so both are forced off.
    options.update(in_memory=False, session_string=None)
    return Client(name, storage_engine=PostgresStorage(pool, name), **options)
