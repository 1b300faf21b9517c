"""Pyrogram's session and peer cache in Postgres, shared by processes and restarts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import asyncpg
import pytest
from pyrogram import utils
from pyrogram.raw.types.input_peer_channel import InputPeerChannel
from pyrogram.raw.types.input_peer_chat import InputPeerChat
from pyrogram.raw.types.input_peer_user import InputPeerUser
from pyrogram.storage import SQLiteStorage, UpdateState

from core.telegram.session import PostgresStorage, postgres_client

AUTH_KEY = os.urandom(256)
BOT_ID = 7_000_000_001

USER = (111, 1001, "user", "15550001111")
BOT = (222, 2002, "bot", None)
GROUP = (-333, 0, "group", None)
CHANNEL = (-1001234567890, 4004, "channel", None)
FORUM = (-1009876543210, 5005, "forum", None)


Opener = Callable[..., Coroutine[Any, Any, PostgresStorage]]


@pytest.fixture
async def open_storage(db_pool: asyncpg.Pool) -> AsyncIterator[Opener]:
    """Opens storages (each one a "process"); all are closed before the pool is,
    since a storage that holds the login lock holds a pool connection."""
    opened: list[PostgresStorage] = []

    async def open_(name: str = "bot") -> PostgresStorage:
        store = PostgresStorage(db_pool, name)
        opened.append(store)
        await store.open()
        return store

    yield open_
    for store in opened:
        await store.close()


@pytest.fixture
async def storage(open_storage: Opener) -> PostgresStorage:
    return await open_storage()


async def log_in(store: PostgresStorage, auth_key: bytes = AUTH_KEY) -> None:
    """The writes Pyrogram makes for a new bot authorization, in its order."""
    await store.api_id(12345)
    await store.dc_id(2)
    await store.server_address("149.154.167.51")
    await store.port(443)
    await store.date(0)
    await store.test_mode(False)
    await store.auth_key(auth_key)
    await store.user_id(None)
    await store.is_bot(None)
    await store.user_id(BOT_ID)
    await store.is_bot(True)


async def session_version(pool: asyncpg.Pool, name: str = "bot") -> str:
    """The row version: unchanged means nobody wrote the row."""
    version: str = await pool.fetchval("SELECT xmin::text FROM pyrogram_sessions WHERE name = $1", name)
    return version


async def test_every_session_field_round_trips(storage: PostgresStorage) -> None:
    assert await storage.auth_key() is None  # a new session: Pyrogram will log in
    await log_in(storage)
    await storage.date(1_700_000_000)

    assert await storage.api_id() == 12345
    assert await storage.dc_id() == 2
    assert await storage.server_address() == "149.154.167.51"
    assert await storage.port() == 443
    assert await storage.test_mode() is False
    assert await storage.auth_key() == AUTH_KEY
    assert await storage.date() == 1_700_000_000
    assert await storage.user_id() == BOT_ID
    assert await storage.is_bot() is True

    # None is a value to write (Pyrogram clears these on a new key), not a read.
    await storage.user_id(None)
    assert await storage.user_id() is None
    assert await storage.auth_key() == AUTH_KEY


async def test_session_string_is_the_one_pyrogram_reads_back(storage: PostgresStorage) -> None:
    await log_in(storage)
    exported = await storage.export_session_string()

    sqlite = SQLiteStorage("check", workdir=None, session_string=exported, in_memory=True)  # type: ignore[arg-type]
    await sqlite.open()  # type: ignore[no-untyped-call]
    try:
        assert await sqlite.auth_key() == AUTH_KEY
        assert await sqlite.dc_id() == 2
        assert await sqlite.api_id() == 12345
        assert await sqlite.user_id() == BOT_ID
        assert await sqlite.is_bot()
        assert not await sqlite.test_mode()
    finally:
        await sqlite.close()  # type: ignore[no-untyped-call]


async def test_save_records_the_date_and_leaves_the_key(storage: PostgresStorage) -> None:
    await log_in(storage)
    await storage.save()
    assert await storage.date() > 1_600_000_000
    assert await storage.auth_key() == AUTH_KEY


async def test_another_process_reuses_the_session_and_peers(
    db_pool: asyncpg.Pool, storage: PostgresStorage, open_storage: Opener
) -> None:
    await log_in(storage)
    await storage.update_peers([USER, CHANNEL])
    await storage.update_usernames([(USER[0], ["Alice"])])
    version = await session_version(db_pool)

    other = await open_storage()
    assert await other.auth_key() == AUTH_KEY
    assert await other.user_id() == BOT_ID
    assert await other.get_peer_by_id(USER[0]) == InputPeerUser(user_id=111, access_hash=1001)
    assert await other.get_peer_by_username("alice") == InputPeerUser(user_id=111, access_hash=1001)
    # Writing what is already stored is no write at all.
    await other.auth_key(AUTH_KEY)
    await other.dc_id(2)
    await other.close()
    assert await session_version(db_pool) == version


async def test_a_write_touches_only_its_field(storage: PostgresStorage, open_storage: Opener) -> None:
    await log_in(storage)
    stale = await open_storage()
    new_key = os.urandom(256)
    await storage.auth_key(new_key)  # e.g. the logged-in process migrated to another DC

    await stale.port(80)  # a later write from the other process
    await stale.save()
    assert await storage.auth_key() == new_key
    assert await storage.port() == 80


async def test_peers_resolve_to_their_input_peer_types(storage: PostgresStorage) -> None:
    await storage.update_peers([USER, BOT, GROUP, CHANNEL, FORUM])

    user = await storage.get_peer_by_id(111)
    assert type(user) is InputPeerUser
    assert user == InputPeerUser(user_id=111, access_hash=1001)
    bot = await storage.get_peer_by_id(222)
    assert type(bot) is InputPeerUser
    assert bot == InputPeerUser(user_id=222, access_hash=2002)
    group = await storage.get_peer_by_id(-333)
    assert type(group) is InputPeerChat
    assert group == InputPeerChat(chat_id=333)
    channel = await storage.get_peer_by_id(CHANNEL[0])
    assert type(channel) is InputPeerChannel
    assert channel == InputPeerChannel(channel_id=1234567890, access_hash=4004)
    assert utils.get_channel_id(CHANNEL[0]) == 1234567890
    forum = await storage.get_peer_by_id(FORUM[0])
    assert type(forum) is InputPeerChannel
    assert forum == InputPeerChannel(channel_id=9876543210, access_hash=5005)

    with pytest.raises(KeyError):
        await storage.get_peer_by_id(999)


async def test_username_and_phone_lookups(storage: PostgresStorage) -> None:
    await storage.update_peers([USER, CHANNEL])
    await storage.update_usernames([(USER[0], ["Alice", None, "alice_two"]), (CHANNEL[0], ["news"])])

    alice = InputPeerUser(user_id=111, access_hash=1001)
    assert await storage.get_peer_by_username("alice") == alice
    assert await storage.get_peer_by_username("ALICE_two") == alice
    news = await storage.get_peer_by_username("News")
    assert type(news) is InputPeerChannel
    assert await storage.get_peer_by_phone_number("15550001111") == alice

    with pytest.raises(KeyError):
        await storage.get_peer_by_username("nobody")
    with pytest.raises(KeyError):
        await storage.get_peer_by_phone_number("15550009999")

    # New usernames replace the old ones; a later peer update keeps them.
    await storage.update_usernames([(USER[0], ["alice_new"])])
    await storage.update_peers([USER])
    assert await storage.get_peer_by_username("alice_new") == alice
    with pytest.raises(KeyError):
        await storage.get_peer_by_username("alice")


async def test_a_stale_username_is_not_trusted(db_pool: asyncpg.Pool, storage: PostgresStorage) -> None:
    await storage.update_peers([USER])
    await storage.update_usernames([(USER[0], ["alice"])])
    await db_pool.execute("UPDATE pyrogram_peers SET last_update_on = now() - interval '9 hours'")

    with pytest.raises(KeyError, match="expired"):
        await storage.get_peer_by_username("alice")
    # Ids and access hashes do not go stale.
    assert await storage.get_peer_by_id(USER[0]) == InputPeerUser(user_id=111, access_hash=1001)

    await storage.update_peers([USER])  # seen again
    assert await storage.get_peer_by_username("alice") == InputPeerUser(user_id=111, access_hash=1001)


async def test_a_peer_update_replaces_the_row_but_keeps_a_known_hash(storage: PostgresStorage) -> None:
    await storage.update_peers([USER])
    await storage.update_peers([(111, None, "user", None)])  # type: ignore[list-item]
    assert await storage.get_peer_by_id(111) == InputPeerUser(user_id=111, access_hash=1001)
    with pytest.raises(KeyError):
        await storage.get_peer_by_phone_number("15550001111")  # the number is hidden now

    # The same peer twice in one batch: the last one counts.
    await storage.update_peers([(111, 1, "user", None), (111, 2, "bot", None)])
    assert await storage.get_peer_by_id(111) == InputPeerUser(user_id=111, access_hash=2)


async def test_sessions_are_separate(storage: PostgresStorage, open_storage: Opener) -> None:
    await log_in(storage)
    await storage.update_peers([USER])
    other_bot = await open_storage("other-bot")
    assert await other_bot.auth_key() is None
    with pytest.raises(KeyError):
        await other_bot.get_peer_by_id(USER[0])


async def test_concurrent_peer_updates_from_two_processes(
    db_pool: asyncpg.Pool, storage: PostgresStorage, open_storage: Opener
) -> None:
    await log_in(storage)
    other = await open_storage()
    peers = [(i, i * 10, "user", None) for i in range(1, 301)]
    names: list[tuple[int, list[str | None]]] = [(i, [f"user{i}"]) for i in range(1, 301)]

    async def burst(store: PostgresStorage, reverse: bool) -> None:
        for _ in range(5):
            await store.update_peers(peers[::-1] if reverse else peers)
            await store.update_usernames(names[::-1] if reverse else names)

    # Same peers in opposite orders, many times at once: no deadlock, no conflict error.
    await asyncio.gather(*(burst(storage, False) for _ in range(3)), *(burst(other, True) for _ in range(3)))
    assert await db_pool.fetchval("SELECT count(*) FROM pyrogram_peers") == 300
    assert await other.get_peer_by_username("user300") == InputPeerUser(user_id=300, access_hash=3000)


async def test_first_login_is_made_by_one_process(open_storage: Opener) -> None:
    first = await open_storage()  # empty: this process will log in, and holds the login lock
    waiting = asyncio.create_task(open_storage())
    try:
        await asyncio.sleep(0.3)
        assert not waiting.done()

        await log_in(first)
        second = await asyncio.wait_for(waiting, timeout=5)
    finally:
        waiting.cancel()  # a failed test must not leave it waiting on the pool
    # The second process finds the authorization instead of making its own.
    assert await second.auth_key() == AUTH_KEY
    assert await second.user_id() == BOT_ID


async def test_a_failed_login_lets_the_next_process_try(db_pool: asyncpg.Pool, open_storage: Opener) -> None:
    first = await open_storage()
    waiting = asyncio.create_task(open_storage())
    try:
        await first.auth_key(AUTH_KEY)  # then fails before signing in: Pyrogram disconnects
        await first.close()
        second = await asyncio.wait_for(waiting, timeout=5)
    finally:
        waiting.cancel()
    assert await second.user_id() is None  # still to log in, now by this process
    await log_in(second)

    held = await db_pool.fetchval(
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
        " WHERE l.locktype = 'advisory' AND d.datname = current_database()"
    )
    assert held == 0  # let go once the login is complete


async def test_opening_twice_does_not_wait_on_itself(storage: PostgresStorage) -> None:
    # Pyrogram's connect() opens the storage again after a caller already did.
    await asyncio.wait_for(storage.open(), timeout=5)


async def test_update_states(storage: PostgresStorage) -> None:
    assert await storage.get_update_states() == []
    await storage.set_update_state(UpdateState(0, 10, 1, 300, 5))
    await storage.set_update_state(
        [UpdateState(-1001, 7, None, 100, None), UpdateState(-1002, 8, None, 200, None)]
    )

    assert [s.id for s in await storage.get_update_states()] == [-1001, -1002, 0]  # oldest first
    assert await storage.get_update_states(0) == [UpdateState(0, 10, 1, 300, 5)]
    assert [s.id for s in await storage.get_update_states([0, -1002])] == [-1002, 0]
    assert await storage.get_update_states([]) == []

    await storage.set_update_state(UpdateState(0, 11, None, None, None))  # only pts moved
    assert await storage.get_update_states(0) == [UpdateState(0, 11, 1, 300, 5)]

    await storage.delete_update_state(-1001)
    await storage.delete_update_state([-1002])
    assert [s.id for s in await storage.get_update_states()] == [0]


async def test_delete_removes_session_peers_and_states(
    db_pool: asyncpg.Pool, storage: PostgresStorage
) -> None:
    await log_in(storage)
    await storage.update_peers([USER])
    await storage.set_update_state(UpdateState(0, 1, 1, 1, 1))
    await storage.delete()

    assert await storage.auth_key() is None
    with pytest.raises(KeyError):
        await storage.get_peer_by_id(USER[0])
    assert await db_pool.fetchval("SELECT count(*) FROM pyrogram_update_state") == 0


async def test_a_client_built_for_postgres_loads_the_stored_session(
    db_pool: asyncpg.Pool, storage: PostgresStorage
) -> None:
    await log_in(storage)
    version = await session_version(db_pool)

    # in_memory (as in the gateway's bot options) would make Pyrogram use SQLite instead.
    client = postgres_client(
        db_pool, "bot", api_id=12345, api_hash="0" * 32, bot_token="1:x", in_memory=True, no_updates=True
    )
    assert isinstance(client.storage, PostgresStorage)
    await client.storage.open()
    assert await client.storage.auth_key() == AUTH_KEY

    # Pyrogram's own check on connect: a stored session means no new key and no login,
    # and nothing written back.
    await client.load_session()  # type: ignore[no-untyped-call]
    assert await client.storage.user_id() == BOT_ID
    await client.storage.close()
    assert await session_version(db_pool) == version
