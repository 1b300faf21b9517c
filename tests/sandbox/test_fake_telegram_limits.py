"""The fake Telegram holds the bot to Telegram's sending limits (design §5), across processes."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from pyrogram import errors as pe

from core.platform import database
from core.platform.config import SANDBOX_ADMIN_GROUP_ID
from core.platform.errors import FloodWait
from core.sandbox.telegram import FakeClient, Limits, TelegramModel, create_fake_client
from core.telegram.pyrogram import PyrogramGateway

USER = 123456789
GROUP = SANDBOX_ADMIN_GROUP_ID
#: Users 1000..1099, for sends to many chats.
MANY = [1000 + i for i in range(100)]
#: Only the group's window limits: the chat's bucket and the lanes never refuse.
GROUP_ONLY = Limits(per_chat_per_second=1000, per_chat_burst=1000)


async def make_model(
    pool: asyncpg.Pool, limits: Limits | None = None, *, users: int = 0
) -> TelegramModel:
    """A model with Maria, the admin group and the first ``users`` of :data:`MANY`."""
    model = TelegramModel(pool, limits=limits)
    await model.ensure_chat(USER, first_name="Maria")
    await model.ensure_chat(GROUP, title="Support desk", is_forum=True)
    for user in MANY[:users]:
        await model.ensure_chat(user, first_name=f"User {user}")
    return model


@pytest.fixture
async def clients(db_pool: asyncpg.Pool) -> AsyncIterator[list[FakeClient]]:
    """Fake clients, closed at the end; tests build their models with the limits they need."""
    made: list[FakeClient] = []
    yield made
    for client in made:
        await client.close()


async def connect(clients: list[FakeClient], model: TelegramModel) -> FakeClient:
    client = await create_fake_client(model)
    clients.append(client)
    return client


async def send(client: FakeClient, chat_id: int, text: str = "hi", **kwargs: Any) -> int | None:
    """The sent message's id, or None when Telegram said FLOOD_WAIT."""
    try:
        message = await client.send_message(chat_id, text, **kwargs)
    except pe.FloodWait:
        return None
    return int(message.id)


def most_in_any_window(times: Sequence[datetime], seconds: float) -> int:
    """The most messages sent within any ``seconds`` (a window open at its start)."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while (at - ordered[start]).total_seconds() >= seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_the_defaults_are_telegrams() -> None:
    limits = Limits()
    assert (limits.per_chat_per_second, limits.per_group_per_minute) == (1.0, 20)
    assert (limits.global_per_second, limits.paid_global_per_second) == (30, 1000)
    assert limits.per_chat_burst == 3
    assert limits.enabled
    with pytest.raises(ValueError, match="per_chat_burst"):
        Limits(per_chat_burst=0)


# --- one chat ---


@pytest.mark.parametrize("chat_id", [USER, GROUP])
async def test_a_burst_to_one_chat_meets_flood_wait_and_leaves_no_message(
    db_pool: asyncpg.Pool, clients: list[FakeClient], chat_id: int
) -> None:
    model = await make_model(db_pool)
    client = await connect(clients, model)

    assert [await send(client, chat_id, f"m{i}") for i in range(3)] == [1, 2, 3]  # the burst
    with pytest.raises(pe.FloodWait) as caught:
        await client.send_message(chat_id, "one too many")
    assert caught.value.value == 1  # the bucket gives the next message within a second

    assert [m["text"] for m in await model.messages(chat_id)] == ["m0", "m1", "m2"]
    [refused] = await model.flood_waits()
    assert (refused.chat_id, refused.messages, refused.seconds, refused.paid) == (chat_id, 1, 1, False)
    assert len(await model.sent_times(chat_id)) == 3

    await asyncio.sleep(1)
    assert await send(client, chat_id, "after the wait") == 4  # no id was spent on the refusal


async def test_flood_wait_is_the_time_until_the_bucket_frees_up(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, Limits(per_chat_per_second=0.2, per_chat_burst=2))
    client = await connect(clients, model)

    assert [await send(client, USER) for _ in range(2)] == [1, 2]
    with pytest.raises(pe.FloodWait) as caught:
        await client.send_message(USER, "third")
    assert caught.value.value == 5  # one message every 5 s, rounded up


async def test_a_sustained_rate_above_one_a_second_is_refused(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool)
    client = await connect(clients, model)

    loop = asyncio.get_running_loop()
    start = loop.time()
    results = []
    for i in range(12):  # about 8 a second
        results.append(await send(client, USER, f"m{i}"))
        await asyncio.sleep(0.125)
    elapsed = loop.time() - start
    accepted = [r for r in results if r is not None]
    # The burst of 3, then one a second: never the 12 asked for.
    assert 4 <= len(accepted) <= 3 + math.ceil(elapsed)
    assert accepted == list(range(1, len(accepted) + 1))
    assert len(await model.flood_waits(USER)) == 12 - len(accepted)


async def test_concurrent_sends_to_one_chat_take_exactly_the_burst(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool)
    client = await connect(clients, model)

    results = await asyncio.gather(*(send(client, USER, f"m{i}") for i in range(10)))
    assert sorted(r for r in results if r is not None) == [1, 2, 3]
    assert len(await model.messages(USER)) == 3
    # Sends refused by the chat gave their place in the overall lane back.
    assert await db_pool.fetchval("SELECT sum(messages) FROM sandbox_lane_sends") == 3


async def test_a_send_that_fails_otherwise_takes_no_place_in_the_lane(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, Limits(global_per_second=2), users=3)
    client = await connect(clients, model)
    await model.set_blocked(USER)

    with pytest.raises(pe.UserIsBlocked):
        await client.send_message(USER, "hello?")
    assert [await send(client, chat) for chat in MANY[:3]] == [1, 1, None]
    assert [f.chat_id for f in await model.flood_waits()] == [MANY[2]]


# --- a group: 20 a minute ---


async def test_the_twenty_first_message_to_a_group_in_a_minute_is_refused(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, GROUP_ONLY)
    client = await connect(clients, model)

    assert [await send(client, GROUP, f"m{i}") for i in range(20)] == list(range(1, 21))
    with pytest.raises(pe.FloodWait) as caught:
        await client.send_message(GROUP, "21st")
    assert 55 <= caught.value.value <= 60  # until the first of the twenty is a minute old
    assert len(await model.messages(GROUP)) == 20
    assert await send(client, USER) == 1  # other chats are not held back


async def test_concurrent_sends_to_a_group_take_exactly_its_window(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, GROUP_ONLY)
    first = await connect(clients, model)
    second = await connect(clients, model)

    results = await asyncio.gather(
        *(send(first if i % 2 else second, GROUP, f"m{i}") for i in range(30))
    )
    assert sorted(r for r in results if r is not None) == list(range(1, 21))
    assert len(await model.flood_waits(GROUP)) == 10
    assert most_in_any_window(await model.sent_times(GROUP), 60) == 20


async def test_a_forward_counts_every_message_it_creates(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, Limits(per_chat_per_second=1000, per_chat_burst=1000,
                                             per_group_per_minute=4))
    client = await connect(clients, model)
    for i in range(1, 6):
        await model.record_incoming({
            "message_id": i, "from": {"id": USER, "is_bot": False, "first_name": "Maria"},
            "chat": {"id": USER, "type": "private", "first_name": "Maria"},
            "date": 1763900000 + i, "text": f"m{i}",
        })

    gateway = PyrogramGateway(client)  # one raw ForwardMessages(drop_author) per copy

    copied = await gateway.copy_messages(GROUP, USER, [1, 2, 3])
    assert [s.message_id for s in copied] == [1, 2, 3]
    with pytest.raises(FloodWait):  # 3 + 2 > 4 a minute
        await gateway.copy_messages(GROUP, USER, [4, 5])
    [refused] = await model.flood_waits()
    assert refused.messages == 2
    assert await send(client, GROUP, "the fourth") == 4
    assert len(await model.sent_times(GROUP)) == 4


async def test_a_call_larger_than_the_window_goes_when_the_window_is_empty(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, Limits(per_chat_per_second=1000, per_chat_burst=1000,
                                             per_group_per_minute=2))
    client = await connect(clients, model)
    for i in range(1, 4):
        await model.record_incoming({
            "message_id": i, "from": {"id": USER, "is_bot": False, "first_name": "Maria"},
            "chat": {"id": USER, "type": "private", "first_name": "Maria"},
            "date": 1763900000 + i, "text": f"m{i}",
        })

    # Refusing it for ever would leave a coalesced burst stuck; it empties the window instead.
    assert len(await PyrogramGateway(client).copy_messages(GROUP, USER, [1, 2, 3])) == 3
    with pytest.raises(pe.FloodWait):
        await client.send_message(GROUP, "next")


async def test_topic_management_and_group_edits_count_against_the_group(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    """Creating, renaming, closing, reopening topics and editing messages in a
    group are each one of its 20 a minute (design §5)."""
    model = await make_model(db_pool, Limits(per_chat_per_second=1000, per_chat_burst=1000,
                                             per_group_per_minute=5))
    client = await connect(clients, model)

    topic = await client.create_forum_topic(GROUP, "Topic")
    await client.edit_forum_topic(GROUP, topic.id, "Renamed")
    await client.edit_forum_topic(GROUP, topic.id, closed=True)
    await client.edit_forum_topic(GROUP, topic.id, closed=False)
    sent = await client.send_message(GROUP, "the message", message_thread_id=topic.id)
    with pytest.raises(pe.FloodWait):
        await client.edit_message_text(GROUP, sent.id, "edited")
    with pytest.raises(pe.FloodWait):
        await client.create_forum_topic(GROUP, "Another")
    assert len(await model.sent_times()) == 5
    assert [m["text"] for m in await model.messages(GROUP) if m["kind"] != "service"] == ["the message"]


async def test_private_edits_and_answers_do_not_count(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, Limits(per_chat_per_second=0.01, per_chat_burst=1))
    client = await connect(clients, model)

    sent = await client.send_message(USER, "the one message")
    for i in range(3):
        await client.edit_message_text(USER, sent.id, f"edited {i}")
    await client.answer_callback_query("5712345678901234567", text="ok")
    with pytest.raises(pe.FloodWait):
        await client.send_message(USER, "a second message")
    assert len(await model.sent_times()) == 1


# --- overall: 30 a second, 1000 paid ---


async def test_more_than_thirty_chats_in_a_second_are_refused(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, users=31)
    client = await connect(clients, model)

    results = await asyncio.gather(*(send(client, chat) for chat in MANY[:31]))
    times = await model.sent_times()
    assert (max(times) - min(times)).total_seconds() < 1, "the fake sent too slowly to test this"
    assert sum(r is not None for r in results) == 30
    [refused] = await model.flood_waits()
    assert refused.seconds == 1
    assert await model.messages(refused.chat_id) == []


async def test_paid_broadcasts_go_beyond_thirty_a_second(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, users=90)
    client = await connect(clients, model)

    results = await asyncio.gather(
        *(send(client, chat, "sale!", allow_paid_broadcast=True) for chat in MANY[:60])
    )
    assert all(r == 1 for r in results)
    paid = await model.sent_times(paid=True)
    assert len(paid) == 60
    assert most_in_any_window(paid, 1) > 30
    # Their own allowance: the normal lane is untouched.
    normal = await asyncio.gather(*(send(client, chat, "hello") for chat in MANY[60:90]))
    assert all(r == 1 for r in normal)
    assert await model.flood_waits() == []


async def test_the_paid_lane_has_its_own_limit(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, Limits(paid_global_per_second=5), users=6)
    client = await connect(clients, model)

    results = [await send(client, chat, allow_paid_broadcast=True) for chat in MANY[:6]]
    assert results == [1, 1, 1, 1, 1, None]
    [refused] = await model.flood_waits()
    assert (refused.chat_id, refused.paid, refused.seconds) == (MANY[5], True, 1)


# --- across processes, off, and pruning ---


async def test_two_processes_share_the_limits(
    db_pool: asyncpg.Pool, database_url: str, clients: list[FakeClient]
) -> None:
    other_pool = await database.create_pool(database_url, max_size=4)
    try:
        first = await connect(clients, await make_model(db_pool))
        second = await connect(clients, TelegramModel(other_pool))

        assert await send(first, USER, "a") == 1
        assert await send(second, USER, "b") == 2
        assert await send(first, USER, "c") == 3
        assert await send(second, USER, "d") is None
        assert await send(first, USER, "e") is None
    finally:
        await other_pool.close()


async def test_limits_can_be_turned_off(db_pool: asyncpg.Pool, clients: list[FakeClient]) -> None:
    model = await make_model(db_pool, Limits(enabled=False))
    client = await connect(clients, model)

    results = await asyncio.gather(*(send(client, USER, f"m{i}") for i in range(25)))
    assert None not in results
    assert sorted(r for r in results if r is not None) == list(range(1, 26))
    assert await model.flood_waits() == []
    assert await model.sent_times() == []  # nothing counted either


async def test_pruning_forgets_only_what_no_window_needs(
    db_pool: asyncpg.Pool, clients: list[FakeClient]
) -> None:
    model = await make_model(db_pool, GROUP_ONLY)
    client = await connect(clients, model)
    for i in range(20):
        await send(client, GROUP, f"m{i}")

    await model.prune_sends(timedelta(0))  # a window's worth is always kept
    assert len(await model.sent_times()) == 20
    assert await send(client, GROUP) is None

    await db_pool.execute("UPDATE sandbox_chat_sends SET at = at - interval '2 minutes'")
    await db_pool.execute("UPDATE sandbox_lane_sends SET at = at - interval '2 minutes'")
    await model.prune_sends(timedelta(minutes=1))
    assert await model.sent_times() == []
    assert await send(client, GROUP, "a minute later") == 21
