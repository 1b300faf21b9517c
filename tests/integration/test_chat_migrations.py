"""A basic group Telegram upgrades to a supergroup: the fake, the gateway, and what is recorded."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from pyrogram import raw

from core.delivery import chat_migrations
from core.platform.errors import ChatMigrated, RecipientUnavailable
from core.relay import conversations
from core.sandbox.telegram import ChatType, FakeClient, Limits, TelegramModel
from core.telegram.pyrogram import PyrogramGateway
from workers import wiring

USER = 123456789
OLD = -4_000_000_001
NEW = -1_001_500_000_001
LATER = -1_001_500_000_002
#: What production tells when a chat migrates (the relay's conversations follow it).
HOOKS = wiring.delivery_hooks()
GENEROUS = Limits(per_chat_per_second=1000, per_chat_burst=1000, per_group_per_minute=10_000,
                  global_per_second=10_000)


@pytest.fixture
async def model(db_pool: asyncpg.Pool) -> TelegramModel:
    model = TelegramModel(db_pool, limits=GENEROUS)
    await model.ensure_chat(USER, first_name="Maria")
    group = await model.ensure_chat(OLD, title="Support desk")
    assert group.type is ChatType.GROUP  # a basic group's id: no forum, no topics
    return model


# --- the fake Telegram and the gateway ---


async def test_sends_to_an_upgraded_group_raise_chat_migrated_with_the_new_id(
    gateway: PyrogramGateway, model: TelegramModel, client: FakeClient
) -> None:
    before = await gateway.send_message(OLD, "still a basic group")
    assert before.chat_id == OLD
    [stored] = await model.messages(OLD)
    assert stored["text"] == "still a basic group"

    moved_to, moved_from = await model.migrate_group(OLD, NEW, by=222000111)
    assert (moved_to.chat_id, moved_to.kind, moved_to.extra) == (OLD, "service", {"migrate_to_chat_id": NEW})
    assert (moved_from.chat_id, moved_from.extra) == (NEW, {"migrate_from_chat_id": OLD})
    new = await model.chat(NEW)
    assert new is not None
    assert (new.type, new.title, new.is_forum) == (ChatType.SUPERGROUP, "Support desk", True)

    sends: list[Any] = [
        lambda: gateway.send_message(OLD, "hello"),
        lambda: gateway.create_forum_topic(OLD, "Maria"),
        lambda: gateway.send_document(OLD, b"a,b\n", file_name="x.csv"),
        lambda: gateway.send_photo(OLD, b"\xff\xd8 jpeg"),
    ]
    for send in sends:
        with pytest.raises(ChatMigrated) as caught:
            await send()
        assert caught.value.new_chat_id == NEW
    # Telegram was asked which chat the group became, after refusing the send.
    assert "messages.GetChats" in client.calls

    # The new id works: a forum, topics and all.
    topic = await gateway.create_forum_topic(NEW, "Maria")
    sent = await gateway.send_message(NEW, "here now", thread_id=topic)
    assert sent.chat_id == NEW
    assert [m["text"] for m in await model.messages(OLD)] == ["still a basic group"]


async def test_copies_into_an_upgraded_group_raise_chat_migrated(
    gateway: PyrogramGateway, model: TelegramModel
) -> None:
    await model.record_incoming({
        "message_id": 7, "date": 1763900000, "text": "hi",
        "from": {"id": USER, "is_bot": False, "first_name": "Maria"},
        "chat": {"id": USER, "type": "private", "first_name": "Maria"},
    })
    [copy] = await gateway.copy_messages(OLD, USER, [7])
    assert copy.chat_id == OLD
    await model.migrate_group(OLD, NEW)
    with pytest.raises(ChatMigrated) as caught:
        await gateway.copy_messages(OLD, USER, [7])
    assert caught.value.new_chat_id == NEW


async def test_a_group_that_was_not_upgraded_fails_as_before(
    gateway: PyrogramGateway, model: TelegramModel
) -> None:
    await model.inject_fault("CHAT_WRITE_FORBIDDEN", chat_id=OLD, method="messages.SendMessage")
    with pytest.raises(RecipientUnavailable):
        await gateway.send_message(OLD, "hello")


async def test_the_fake_answers_the_chat_lookup_with_migrated_to(
    client: FakeClient, model: TelegramModel
) -> None:
    await model.migrate_group(OLD, NEW)
    answer = await client.invoke(raw.functions.messages.GetChats(id=[-OLD]))
    [chat] = answer.chats
    assert chat.deactivated
    assert chat.migrated_to.channel_id == 1_500_000_001
    with pytest.raises(ValueError, match="upgraded already"):
        await model.migrate_group(OLD, LATER)
    with pytest.raises(ValueError, match="only a basic group"):
        await model.migrate_group(NEW, LATER)


# --- recording a migration ---


async def _user(conn: asyncpg.Connection, telegram_id: int) -> int:
    user_id: int = await conn.fetchval(
        "INSERT INTO users (telegram_id) VALUES ($1) RETURNING id", telegram_id)
    return user_id


async def _row(conn: asyncpg.Connection, chat_id: int, method: str, status: str = "pending",
               **params: Any) -> int:
    row_id: int = await conn.fetchval(
        "INSERT INTO outbox (chat_id, method, params, status) VALUES ($1, $2, $3, $4) RETURNING id",
        chat_id, method, {"chat_id": chat_id, **params}, status,
    )
    return row_id


async def test_record_moves_conversations_and_waiting_calls(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        maria, ivo = await _user(conn, USER), await _user(conn, 987654321)
        conv = await conversations.ensure(conn, maria, OLD)
        await conn.execute("UPDATE conversations SET topic_id = 5, status = 'closed' WHERE id = $1", conv.id)
        elsewhere = await conversations.ensure(conn, ivo, LATER)
        waiting = await _row(conn, OLD, "relayToTopic", conversation_id=conv.id, user_chat_id=USER)
        reply = await _row(conn, OLD, "sendMessage", text="noted", reply_to_message_id=9)
        claimed = await _row(conn, OLD, "sendMessage", "sending", text="in flight")
        edit = await _row(conn, OLD, "editMessageText", message_id=9, text="edited")
        done = await _row(conn, OLD, "sendMessage", "sent", text="old news")
        to_user = await _row(conn, USER, "relayToUser", admin_chat_id=OLD)

        async with conn.transaction():
            recorded = await chat_migrations.record(conn, OLD, NEW, HOOKS)

        assert recorded.new_chat_id == NEW
        assert recorded.followed == 1  # the relay's conversation, through the hook
        assert sorted(recorded.outbox_ids) == sorted([waiting, reply, claimed])
        moved = await conversations.lock(conn, conv.id)
        # Topics of the old chat do not exist in the new one: the next relay opens one.
        assert (moved.admin_chat_id, moved.topic_id) == (NEW, None)
        assert (await conversations.lock(conn, elsewhere.id)).admin_chat_id == LATER
        rows = {r["id"]: r for r in await conn.fetch("SELECT * FROM outbox")}
        for row_id in (waiting, reply, claimed):
            assert rows[row_id]["chat_id"] == NEW
            assert rows[row_id]["params"]["chat_id"] == NEW
        assert rows[waiting]["params"]["conversation_id"] == conv.id
        assert "reply_to_message_id" not in rows[reply]["params"]  # that message is in the old chat
        assert rows[claimed]["status"] == "sending"
        for row_id in (edit, done):
            assert (rows[row_id]["chat_id"], rows[row_id]["params"]["chat_id"]) == (OLD, OLD)
        assert rows[to_user]["params"] == {"chat_id": USER, "admin_chat_id": OLD}

        # A user's conversation is found under either id from now on.
        assert (await conversations.ensure(conn, maria, OLD)).id == conv.id
        assert (await conversations.ensure(conn, maria, NEW)).id == conv.id
        assert await conn.fetchval("SELECT count(*) FROM conversations") == 2

        # Idempotent: again, nothing new to move and nothing else changes.
        again = await chat_migrations.record(conn, OLD, NEW, HOOKS)
        assert (again.new_chat_id, again.followed, again.outbox_ids) == (NEW, 0, [])
        assert await conn.fetchval("SELECT count(*) FROM chat_migrations") == 1
        assert await chat_migrations.resolve(conn, OLD) == NEW
        assert await chat_migrations.resolve(conn, USER) == USER


async def test_chains_are_followed(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        await chat_migrations.record(conn, OLD, NEW, HOOKS)
        user_id = await _user(conn, USER)
        at_new = await _row(conn, NEW, "sendMessage", text="hi")
        conv = await conversations.ensure(conn, user_id, OLD)  # created under the latest id
        assert conv.admin_chat_id == NEW
        # The new chat moves on too (in tests; Telegram upgrades a group once).
        recorded = await chat_migrations.record(conn, NEW, LATER, HOOKS)
        assert recorded.outbox_ids == [at_new]
        assert await chat_migrations.resolve(conn, OLD) == LATER
        assert await chat_migrations.current_ids(conn, [OLD, NEW, -1001500000099]) == [
            LATER, LATER, -1001500000099]
        # Stored flattened: the one-step lookup of conversation_ensure finds the latest id.
        assert await chat_migrations.moves(conn) == {OLD: LATER, NEW: LATER}
        assert (await conversations.ensure(conn, user_id, OLD)).id == conv.id
        # Recording an older step again leaves the newer one in place.
        assert (await chat_migrations.record(conn, OLD, NEW, HOOKS)).new_chat_id == LATER
        with pytest.raises(ValueError, match="loop"):
            await chat_migrations.record(conn, LATER, OLD, HOOKS)


async def test_on_chat_migrated_puts_the_row_back_at_the_new_id(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        row_id = await _row(conn, OLD, "sendMessage", "sending", text="hello")
        await conn.execute("UPDATE outbox SET attempts = 1, not_before = now() + interval '1 hour'"
                           " WHERE id = $1", row_id)
        edit = await _row(conn, OLD, "editMessageText", "sending", message_id=3, text="x")
        async with conn.transaction():
            assert await chat_migrations.on_chat_migrated(conn, row_id, OLD, NEW, HOOKS)
            assert not await chat_migrations.on_chat_migrated(conn, edit, OLD, NEW, HOOKS)
        row = await conn.fetchrow("SELECT *, not_before <= now() AS due FROM outbox WHERE id = $1", row_id)
        assert (row["chat_id"], row["params"]["chat_id"], row["status"], row["attempts"], row["due"]) == (
            NEW, NEW, "pending", 0, True)
        assert "ChatMigrated" in row["last_error"]


async def test_processes_learn_migrations_recorded_elsewhere(db_pool: asyncpg.Pool) -> None:
    from core.platform.admin_groups import LiveAdminGroups

    groups = LiveAdminGroups([-1001500000099, OLD])
    async with db_pool.acquire() as conn:
        await chat_migrations.record(conn, OLD, NEW, HOOKS)
    await chat_migrations.refresh(db_pool, groups)
    assert groups.ids == (-1001500000099, NEW)
