"""The production gateway against the fake Telegram, through Pyrogram's own request building."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from pyrogram import errors as pe
from pyrogram import raw, types

from core.platform.config import SANDBOX_ADMIN_GROUP_ID
from core.platform.errors import (
    FloodWait,
    RecipientUnavailable,
    TelegramRejected,
    TelegramUnavailable,
    TopicGone,
)
from core.sandbox.telegram import FakeClient, Limits, TelegramModel, UnsupportedCall, create_fake_client
from core.telegram.gateway import LabeledPrice, Sent
from core.telegram.pyrogram import PyrogramGateway

USER = 123456789
OTHER_USER = 987654321
GROUP = SANDBOX_ADMIN_GROUP_ID
PUBLIC_KEYS = {"chat_id", "message_id", "thread_id", "text", "reply_markup", "kind", "from_bot", "date",
               "reply_to_message_id", "edited"}
#: These tests are about what Telegram stores and refuses, not how fast it lets the bot send
#: (tests/sandbox/test_fake_telegram_limits.py); the limiter still runs, just never refuses.
GENEROUS = Limits(per_chat_per_second=1000, per_chat_burst=1000, per_group_per_minute=10_000,
                  global_per_second=10_000)


@pytest.fixture
async def model(db_pool: asyncpg.Pool) -> TelegramModel:
    model = TelegramModel(db_pool, limits=GENEROUS)
    await model.ensure_chat(USER, first_name="Maria", last_name="Silva", username="maria_s")
    await model.ensure_chat(OTHER_USER, first_name="Ivo")
    await model.ensure_chat(GROUP, title="Support desk", is_forum=True)
    return model


def user_message(message_id: int, **content: Any) -> dict[str, Any]:
    """An incoming private message in the Bot API's shape (as in a webhook update)."""
    person = {"id": USER, "first_name": "Maria", "last_name": "Silva", "username": "maria_s"}
    return {
        "message_id": message_id,
        "from": {**person, "is_bot": False, "language_code": "pt-br"},
        "chat": {**person, "type": "private"},
        "date": 1763900000 + message_id,
        **content,
    }


def photo(unique: str, size: int = 85000) -> list[dict[str, Any]]:
    return [{"file_id": f"id-{unique}", "file_unique_id": unique, "file_size": size,
             "width": 1280, "height": 960}]


KEYBOARD = {
    "inline_keyboard": [
        [{"text": "25 credits", "callback_data": "buy:25"}, {"text": "Terms", "url": "https://example.com/terms"}],
        [{"text": "Open", "web_app": {"url": "https://example.com/app"}, "style": "success"}],
        [{"text": "Copy code", "copy_text": {"text": "PROMO-1"}},
         {"text": "Share", "switch_inline_query": "paid desk"}],
    ]
}


# --- sending text ---


async def test_send_message_is_stored_as_the_bot_api_shows_it(
    gateway: PyrogramGateway, model: TelegramModel
) -> None:
    sent = await gateway.send_message(USER, "Hello <b>Maria</b>", reply_markup=KEYBOARD)

    assert sent == Sent(chat_id=USER, message_id=1)
    [message] = await model.messages(USER)
    assert set(message) == PUBLIC_KEYS
    assert message["text"] == "Hello <b>Maria</b>"  # no parse_mode: sent as is
    assert message["reply_markup"] == KEYBOARD
    assert message["kind"] == "text"
    assert message["from_bot"] is True
    assert message["thread_id"] is None
    assert isinstance(message["date"], str)
    assert (message["reply_to_message_id"], message["edited"]) == (None, False)


async def test_html_parse_mode_becomes_entities(gateway: PyrogramGateway, model: TelegramModel) -> None:
    sent = await gateway.send_message(USER, "Your <b>balance</b>: 3", parse_mode="HTML")

    stored = await model.message(USER, sent.message_id)
    assert stored is not None
    assert stored.text == "Your balance: 3"
    assert stored.entities == [{"offset": 5, "length": 7, "type": "bold"}]


async def test_unsupported_parse_mode_and_keyboard_are_refused_before_sending(
    gateway: PyrogramGateway, client: FakeClient, model: TelegramModel
) -> None:
    with pytest.raises(TelegramRejected):
        await gateway.send_message(USER, "*hi*", parse_mode="MarkdownV2")
    with pytest.raises(TelegramRejected):
        await gateway.send_message(USER, "hi", reply_markup={"keyboard": [[{"text": "a"}]]})
    with pytest.raises(TelegramRejected):
        await gateway.send_message(USER, "hi", reply_markup={"inline_keyboard": [[{"text": "no action"}]]})
    assert list(client.calls) == []
    assert await model.messages(USER) == []


async def test_telegram_limits_are_enforced(gateway: PyrogramGateway) -> None:
    with pytest.raises(TelegramRejected, match=r"MessageTooLong"):
        await gateway.send_message(USER, "x" * 4097)
    too_long_data = {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]}
    with pytest.raises(TelegramRejected):
        await gateway.send_message(USER, "hi", reply_markup=too_long_data)


async def test_message_ids_grow_per_chat(gateway: PyrogramGateway, model: TelegramModel) -> None:
    first = await gateway.send_message(USER, "one")
    second = await gateway.send_message(USER, "two")
    other = await gateway.send_message(OTHER_USER, "one")
    in_group = await gateway.send_message(GROUP, "general")

    assert (first.message_id, second.message_id) == (1, 2)
    assert other.message_id == 1
    assert in_group == Sent(GROUP, 1)
    assert [m["text"] for m in await model.messages(USER)] == ["one", "two"]


async def test_concurrent_senders_share_one_telegram(
    model: TelegramModel, gateway: PyrogramGateway
) -> None:
    # Two processes of the sandbox: two clients, one Postgres.
    second_client = await create_fake_client(model)
    try:
        second = PyrogramGateway(second_client)
        sends = [(gateway if i % 2 else second).send_message(USER, f"m{i}") for i in range(12)]
        sent = await asyncio.gather(*sends)
    finally:
        await second_client.close()
    assert sorted(s.message_id for s in sent) == list(range(1, 13))


async def test_reply_to_a_message(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await model.record_incoming(user_message(40, text="question"))
    sent = await gateway.send_message(USER, "answer", reply_to_message_id=40)

    assert sent.message_id == 41  # after the user's message, not colliding with it
    stored = await model.message(USER, sent.message_id)
    assert stored is not None
    assert stored.reply_to_message_id == 40
    assert (await model.messages(USER))[-1]["reply_to_message_id"] == 40


# --- editing ---


async def test_edit_message_text_and_keyboard(gateway: PyrogramGateway, model: TelegramModel) -> None:
    sent = await gateway.send_message(USER, "Choose a pack", reply_markup=KEYBOARD)

    await gateway.edit_message_text(USER, sent.message_id, "Paid, thank you")
    [message] = await model.messages(USER)
    assert message["text"] == "Paid, thank you"
    assert message["reply_markup"] is None  # as in the Bot API: no markup removes it

    # The same text again is "not modified" for Telegram and success for us (retries).
    await gateway.edit_message_text(USER, sent.message_id, "Paid, thank you")


async def test_cannot_edit_what_the_bot_did_not_send(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await model.record_incoming(user_message(7, text="mine"))
    with pytest.raises(TelegramRejected):
        await gateway.edit_message_text(USER, 7, "changed")
    with pytest.raises(TelegramRejected):
        await gateway.edit_message_text(USER, 999, "nothing there")


# --- forum topics ---


async def test_topic_life(gateway: PyrogramGateway, model: TelegramModel) -> None:
    topic_id = await gateway.create_forum_topic(GROUP, "Maria Silva · @maria_s · 123456789")


    [topic] = await model.topics(GROUP)
    name = "Maria Silva · @maria_s · 123456789"
    assert (topic.topic_id, topic.name, topic.closed) == (topic_id, name, False)
    assert await model.messages(GROUP) == []  # only a service message so far
    [created] = await model.messages(GROUP, service=True)
    assert (created["message_id"], created["thread_id"], created["kind"]) == (topic_id, topic_id, "service")

    sent = await gateway.send_message(GROUP, "New message from Maria", thread_id=topic_id)
    assert sent.message_id == topic_id + 1
    [in_topic] = await model.messages(GROUP, thread_id=topic_id)
    assert (in_topic["text"], in_topic["thread_id"]) == ("New message from Maria", topic_id)

    await gateway.edit_forum_topic(GROUP, topic_id, name="Maria · VIP")
    await gateway.close_forum_topic(GROUP, topic_id)
    await gateway.close_forum_topic(GROUP, topic_id)  # already closed: fine
    [topic] = await model.topics(GROUP)
    assert (topic.name, topic.closed) == ("Maria · VIP", True)

    # The bot administers the group, so it may still post in a closed topic.
    await gateway.send_message(GROUP, "closing note", thread_id=topic_id)
    await gateway.reopen_forum_topic(GROUP, topic_id)
    [topic] = await model.topics(GROUP)
    assert topic.closed is False

    await model.delete_topic(GROUP, topic_id)
    with pytest.raises(TopicGone):
        await gateway.send_message(GROUP, "anyone?", thread_id=topic_id)
    with pytest.raises(TopicGone):
        await gateway.send_photo(GROUP, b"\xff\xd8 jpeg", thread_id=topic_id)
    with pytest.raises(TopicGone):
        await gateway.close_forum_topic(GROUP, topic_id)
    assert await model.messages(GROUP, thread_id=topic_id, service=True) == []


async def test_topics_need_a_forum(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await model.ensure_chat(-1002000000002, title="Plain group")
    with pytest.raises(TelegramRejected):
        await gateway.create_forum_topic(-1002000000002, "x")


async def test_unknown_thread_is_refused(gateway: PyrogramGateway) -> None:
    with pytest.raises(TopicGone):
        await gateway.send_message(GROUP, "into the void", thread_id=4242)


# --- recipients that are gone ---


async def test_blocked_user(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await model.set_blocked(USER, True)
    with pytest.raises(RecipientUnavailable):
        await gateway.send_message(USER, "hello?")
    with pytest.raises(RecipientUnavailable):
        await gateway.send_invoice(
            USER, title="t", description="d", payload="p", currency="XTR",
            prices=[LabeledPrice("10 credits", 250)],
        )
    await model.set_blocked(USER, False)
    assert (await gateway.send_message(USER, "welcome back")).message_id == 1


async def test_deleted_account_and_unknown_user(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await model.set_deactivated(OTHER_USER)
    with pytest.raises(RecipientUnavailable):
        await gateway.send_message(OTHER_USER, "hello?")
    with pytest.raises(RecipientUnavailable):
        await gateway.send_message(555000111, "never talked to the bot")


# --- injected faults ---


async def test_injected_flood_wait(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await model.inject_fault("FLOOD_WAIT", value=30, chat_id=GROUP, method="messages.SendMessage")

    await gateway.send_message(USER, "another chat is not affected")
    with pytest.raises(FloodWait) as caught:
        await gateway.send_message(GROUP, "burst")
    assert caught.value.retry_after == 30
    assert (await gateway.send_message(GROUP, "after the wait")).message_id == 1  # consumed once
    assert [m["text"] for m in await model.messages(GROUP)] == ["after the wait"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("INTERNAL", TelegramUnavailable),
        ("USER_IS_BLOCKED", RecipientUnavailable),
        ("TOPIC_DELETED", TopicGone),
        ("MESSAGE_EMPTY", TelegramRejected),
    ],
)
async def test_injected_errors(
    gateway: PyrogramGateway, model: TelegramModel, error: str, expected: type[Exception]
) -> None:
    await model.inject_fault(error, count=2)
    for _ in range(2):
        with pytest.raises(expected):
            await gateway.send_message(USER, "hi")
    await gateway.send_message(USER, "fine again")


# --- copying and forwarding a burst ---


async def test_copy_a_burst_in_one_call(
    gateway: PyrogramGateway, client: FakeClient, model: TelegramModel
) -> None:
    burst = [
        user_message(51, text="Hi! Can you review my CV?"),
        user_message(54, photo=photo("p1"), caption="this is the <error> I get"),
        user_message(55, photo=photo("a1"), caption="two screenshots", media_group_id="1384001"),
        user_message(56, photo=photo("a2"), media_group_id="1384001"),
        user_message(57, voice={"file_id": "v", "file_unique_id": "v1", "duration": 7,
                                "mime_type": "audio/ogg", "file_size": 21000}),
    ]
    for message in burst:
        await model.record_incoming(message)
    topic_id = await gateway.create_forum_topic(GROUP, "Maria")
    client.calls.clear()

    sent = await gateway.copy_messages(GROUP, USER, [51, 54, 55, 56, 57], thread_id=topic_id)

    assert client.calls.count("messages.ForwardMessages") == 1
    assert not {"messages.SendMessage", "messages.SendMedia"} & set(client.calls)
    assert [s.message_id for s in sent] == [topic_id + i for i in range(1, 6)]
    copies = await model.messages(GROUP, thread_id=topic_id)
    assert [(m["kind"], m["text"]) for m in copies] == [
        ("text", "Hi! Can you review my CV?"),
        ("photo", "this is the <error> I get"),
        ("photo", "two screenshots"),
        ("photo", None),
        ("voice", None),
    ]
    assert all(m["from_bot"] for m in copies)
    album = [await model.message(GROUP, s.message_id) for s in sent[2:4]]
    groups = {m.media_group_id for m in album if m is not None}
    assert len(groups) == 1
    assert groups != {"1384001"}
    first = await model.message(GROUP, sent[0].message_id)
    assert first is not None
    assert "forward_origin" not in first.extra


async def test_forward_keeps_the_origin(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await model.record_incoming(user_message(60, text="forward me"))
    [sent] = await gateway.forward_messages(GROUP, USER, [60])

    stored = await model.message(GROUP, sent.message_id)
    assert stored is not None
    assert stored.text == "forward me"
    assert stored.extra["forward_origin"]["sender_user_id"] == USER


async def test_copy_skips_messages_that_are_gone(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await model.record_incoming(user_message(70, text="still here"))
    sent = await gateway.copy_messages(GROUP, USER, [69, 70])
    assert len(sent) == 1
    assert [m["text"] for m in await model.messages(GROUP)] == ["still here"]
    with pytest.raises(TelegramRejected):
        await gateway.copy_messages(GROUP, USER, [68])
    with pytest.raises(TelegramRejected):
        await gateway.copy_messages(GROUP, USER, list(range(1, 102)))
    assert await gateway.copy_messages(GROUP, USER, []) == []


# --- payments and queries ---


async def test_stars_invoice(gateway: PyrogramGateway, model: TelegramModel) -> None:
    sent = await gateway.send_invoice(
        USER, title="25 credits", description="Credits for paid messages",
        payload="product:credits_25:user:123456789:nonce:9f2c", currency="XTR",
        prices=[LabeledPrice("25 credits", 500)], provider_token="",
    )

    [message] = await model.messages(USER)
    assert (message["message_id"], message["kind"]) == (sent.message_id, "invoice")
    stored = await model.message(USER, sent.message_id)
    assert stored is not None
    assert stored.extra["invoice"]["currency"] == "XTR"
    assert stored.extra["invoice"]["total_amount"] == 500
    assert stored.extra["invoice_payload"] == "product:credits_25:user:123456789:nonce:9f2c"
    assert stored.extra["provider_token"] == ""


async def test_invoice_rules(gateway: PyrogramGateway) -> None:
    with pytest.raises(TelegramRejected):  # a card currency needs a provider
        await gateway.send_invoice(
            USER, title="t", description="d", payload="p", currency="USD",
            prices=[LabeledPrice("x", 499)],
        )
    with pytest.raises(TelegramRejected):  # Stars take exactly one price
        await gateway.send_invoice(
            USER, title="t", description="d", payload="p", currency="XTR",
            prices=[LabeledPrice("a", 1), LabeledPrice("b", 2)],
        )


async def test_answer_callback_query(
    gateway: PyrogramGateway, client: FakeClient, model: TelegramModel
) -> None:
    await gateway.answer_callback_query("5712345678901234567", text="Added", show_alert=True)

    [answer] = await model.query_answers()
    assert (answer.kind, answer.query_id, answer.text, answer.show_alert) == (
        "callback_query", "5712345678901234567", "Added", True)
    with pytest.raises(TelegramRejected):  # one answer per query
        await gateway.answer_callback_query("5712345678901234567")
    client.calls.clear()
    with pytest.raises(TelegramRejected):
        await gateway.answer_callback_query("4382bfdwdsb323b2d9")
    assert list(client.calls) == []


async def test_answer_pre_checkout_query(gateway: PyrogramGateway, model: TelegramModel) -> None:
    await gateway.answer_pre_checkout_query("1763900400123456789", ok=True)
    await gateway.answer_pre_checkout_query("1763900400123456790", ok=False, error_message="Sold out")
    with pytest.raises(TelegramRejected):
        await gateway.answer_pre_checkout_query("not-a-number", ok=True)

    answers = {a.query_id: (a.ok, a.text) for a in await model.query_answers()}
    assert answers == {"1763900400123456789": (True, None), "1763900400123456790": (False, "Sold out")}


# --- files ---


async def test_send_document_and_photo(gateway: PyrogramGateway, model: TelegramModel) -> None:
    topic_id = await gateway.create_forum_topic(GROUP, "Exports")
    csv = b"id,credits\n1,25\n" * 100
    document = await gateway.send_document(
        GROUP, csv, file_name="users.csv", caption="Export", thread_id=topic_id
    )
    picture = await gateway.send_photo(USER, b"\xff\xd8\xff\xe0 not really a jpeg", caption="QR")

    stored = await model.message(GROUP, document.message_id)
    assert stored is not None
    assert (stored.kind, stored.text, stored.thread_id) == ("document", "Export", topic_id)
    assert stored.extra["document"]["file_name"] == "users.csv"
    assert stored.extra["document"]["file_size"] == len(csv)
    [photo_message] = await model.messages(USER)
    assert (photo_message["message_id"], photo_message["kind"], photo_message["text"]) == (
        picture.message_id, "photo", "QR")

    with pytest.raises(TelegramRejected):
        await gateway.send_document(USER, b"", file_name="empty.txt")


# --- what users and operators send ---


async def test_record_incoming_is_idempotent_and_follows_edits(model: TelegramModel) -> None:
    await model.record_incoming(user_message(51, text="Hi! Can you review my CV?"))
    await model.record_incoming(user_message(51, text="Hi! Can you review my CV?"))
    edited = user_message(51, text="Hi! Can you review my CV tomorrow?", edit_date=1763900100)
    await model.record_incoming(edited)

    [message] = await model.messages(USER)
    assert message["text"] == "Hi! Can you review my CV tomorrow?"
    assert message["from_bot"] is False
    assert message["edited"] is True
    stored = await model.message(USER, 51)
    assert stored is not None
    assert stored.edited_at is not None


async def test_operator_messages_and_topic_service_messages(model: TelegramModel) -> None:
    group = {"id": GROUP, "title": "Support desk", "is_forum": True, "type": "supergroup"}
    operator = {"id": 222000111, "is_bot": False, "first_name": "Olek"}
    await model.record_incoming({
        "message_id": 812, "message_thread_id": 800, "is_topic_message": True, "from": operator,
        "chat": group, "date": 1763900200, "text": "Sure, send it as PDF please.",
        "reply_to_message": {"message_id": 800, "chat": group, "date": 1763899990,
                             "forum_topic_created": {"name": "Maria", "icon_color": 7322096}},
    })
    await model.record_incoming({
        "message_id": 815, "message_thread_id": 800, "is_topic_message": True, "from": operator,
        "chat": group, "date": 1763900230, "forum_topic_closed": {},
    })

    [topic] = await model.topics(GROUP)
    assert (topic.topic_id, topic.name, topic.closed) == (800, "Maria", True)
    in_topic = await model.messages(GROUP, thread_id=800, service=True)
    assert [(m["message_id"], m["kind"]) for m in in_topic] == [(812, "text"), (815, "service")]


# --- the fake itself ---


async def test_pyrogram_reads_back_what_the_fake_stored(client: FakeClient, gateway: PyrogramGateway) -> None:
    sent = await gateway.send_message(GROUP, "with buttons", reply_markup=KEYBOARD)

    [message] = await client.get_messages(GROUP, [sent.message_id])
    assert message.text == "with buttons"
    assert isinstance(message.reply_markup, types.InlineKeyboardMarkup)
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "buy:25"


async def test_pyrogram_finds_private_messages_by_id(client: FakeClient, model: TelegramModel) -> None:
    await model.record_incoming(user_message(77, text="look me up"))

    [message] = await client.get_messages(USER, [77])
    assert (message.id, message.text, message.chat.id) == (77, "look me up", USER)


async def test_bot_commands(client: FakeClient) -> None:
    commands = [types.BotCommand("start", "Start"), types.BotCommand("buy", "Buy credits")]
    assert await client.set_bot_commands(commands) is True
    with pytest.raises(pe.BotCommandInvalid):
        await client.set_bot_commands([types.BotCommand("Bad-Name", "x")])


async def test_unknown_function_is_named(client: FakeClient) -> None:
    with pytest.raises(UnsupportedCall, match=r"help\.GetConfig"):
        await client.invoke(raw.functions.help.GetConfig())


async def test_requests_are_serialized(client: FakeClient, model: TelegramModel) -> None:
    peer = await client.resolve_peer(USER)
    malformed = raw.functions.messages.SendMessage(peer=peer, message=None, random_id=1)
    with pytest.raises((TypeError, AttributeError)):
        await client.invoke(malformed)  # fails writing the bytes, as it would before the network
    assert "messages.SendMessage" not in client.calls
    assert await model.messages(USER) == []
