"""The paid relay end to end: ingress over HTTP, real workers, fake Telegram."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.accounts import ledger, users
from core.jobs.processed import Source
from core.platform import bot_settings
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as ADMIN
from core.relay import incoming
from tests import builders
from tests.builders import MARIA, OPERATOR, Person
from tests.harness import System
from workers import inbox_drain
from workers.runtime import apply_once


async def _user(system: System, person: Person = MARIA) -> Any:
    return await system.pool.fetchrow("SELECT * FROM users WHERE telegram_id = $1", person.id)


async def _topic_messages(system: System) -> list[dict[str, Any]]:
    """The bot's messages in topics, without Telegram's service messages."""
    return [m for m in await system.sent(ADMIN) if m["thread_id"] is not None and m["kind"] != "service"]


async def _topic_id(system: System, person: Person = MARIA) -> int:
    return int(await system.pool.fetchval(
        "SELECT c.topic_id FROM conversations c JOIN users u ON u.id = c.user_id"
        " WHERE u.telegram_id = $1", person.id))


async def test_start_creates_user_with_signup_bonus_and_no_topic(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    user = await _user(system)
    assert user["credits"] == 3
    rows = await system.pool.fetch("SELECT reason, delta FROM credit_ledger")
    assert [(r["reason"], r["delta"]) for r in rows] == [("signup_bonus", 3)]
    [welcome] = await system.sent(MARIA.id)
    assert welcome["text"].startswith("Boas-vindas, Maria Silva!")
    assert "Saldo: 3 créditos" in welcome["text"]
    assert await system.model.topics(ADMIN) == []


async def test_returning_user_is_welcomed_back_without_a_second_bonus(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "/start"))
    sent = await system.sent(MARIA.id)
    assert "Que bom ver você de novo" in sent[1]["text"]
    assert (await _user(system))["credits"] == 3
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger") == 1


async def test_deep_link_payload_is_recorded_not_charged(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start ref_555"))
    user = await _user(system)
    assert (user["start_payload"], user["referred_by"], user["credits"]) == ("ref_555", 555, 3)
    assert await system.pool.fetchval("SELECT count(*) FROM messages") == 0
    await system.write(builders.private_text(MARIA, "/start paid_cs_test_1"))
    assert "Obrigado pelo pagamento" in (await system.sent(MARIA.id))[-1]["text"]


async def test_paid_message_is_charged_and_copied_into_a_new_topic(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "hello there"))

    assert (await _user(system))["credits"] == 2
    reasons = [r["reason"] for r in await system.pool.fetch("SELECT reason FROM credit_ledger ORDER BY id")]
    assert reasons == ["signup_bonus", "message"]
    [topic] = await system.model.topics(ADMIN)
    assert topic.name == "Maria Silva · @maria_s · 123456789"
    in_topic = await _topic_messages(system)
    assert "Balance: 2 credits" in in_topic[0]["text"]  # the customer summary comes first
    assert "pt-br" in in_topic[0]["text"]
    assert (in_topic[1]["kind"], in_topic[1]["text"]) == ("text", "hello there")
    assert all(m["thread_id"] == topic.topic_id for m in in_topic)
    assert (await system.sent(MARIA.id))[-1]["text"] == "✓ Mensagem entregue · restam 2 créditos"

    conv = await system.pool.fetchrow("SELECT * FROM conversations")
    assert (conv["status"], conv["unread_count"], conv["topic_id"]) == (
        "waiting_operator", 1, topic.topic_id)
    stored = await system.pool.fetchrow("SELECT * FROM messages")
    assert (stored["direction"], stored["status"], stored["credits_charged"]) == ("in", "relayed", 1)
    assert stored["admin_message_id"] == in_topic[1]["message_id"]


async def test_photo_keeps_media_and_caption(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"),
                 builders.private_photo(MARIA, "my receipt"))
    copy = (await _topic_messages(system))[-1]
    assert (copy["kind"], copy["text"]) == ("photo", "my receipt")


async def test_album_is_relayed_as_one_album_and_charged_per_message(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    calls_before = len(system.container.gateway._client.calls)  # type: ignore[union-attr]
    parts = [builders.private_photo(MARIA, "two screenshots", media_group_id="13840012345678901"),
             builders.private_photo(MARIA, None, media_group_id="13840012345678901")]
    await system.write(*parts)

    assert (await _user(system))["credits"] == 1
    copies = (await _topic_messages(system))[1:]
    assert [c["kind"] for c in copies] == ["photo", "photo"]
    topic_rows = await system.model.messages(ADMIN, thread_id=await _topic_id(system))
    groups = {m["message_id"]: m for m in topic_rows}
    assert len({(await system.model.message(ADMIN, c["message_id"])).media_group_id  # type: ignore[union-attr]
                for c in copies if c["message_id"] in groups}) == 1
    calls = system.container.gateway._client.calls[calls_before:]  # type: ignore[union-attr]
    assert calls.count("messages.ForwardMessages") == 1


async def test_out_of_credits_holds_the_message_and_offers_to_buy(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"),
                 *[builders.private_text(MARIA, f"m{i}") for i in range(4)])
    assert (await _user(system))["credits"] == 0
    sent = await system.sent(MARIA.id)
    [notice] = [m for m in sent if (m["text"] or "").startswith("Créditos insuficientes")]
    assert ("Créditos insuficientes: você tem 0 créditos e cada mensagem custa 1 crédito"
            in notice["text"])
    buttons = [b["callback_data"] for row in notice["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["buy:pack10", "buy:pack25", "buy:pack50", "buy:pack100"]
    statuses = [r["status"] for r in await system.pool.fetch("SELECT status FROM messages ORDER BY id")]
    assert statuses == ["relayed", "relayed", "relayed", "held"]
    assert [m["text"] for m in (await _topic_messages(system))[1:]] == ["m0", "m1", "m2"]

    # A second held message is held silently: one notice, not one per message.
    await system.write(builders.private_text(MARIA, "m4"))
    assert len([m for m in await system.sent(MARIA.id) if "Créditos insuficientes" in (m["text"] or "")]) == 1


async def test_held_messages_go_through_in_order_after_a_grant(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"),
                 *[builders.private_text(MARIA, f"m{i}") for i in range(6)])
    user = await users.get(system.pool, (await _user(system))["id"])  # type: ignore[arg-type]
    assert user is not None

    async def grant(tx: Any) -> None:
        await ledger.apply(tx.conn, user.id, 2, reason="gift", key="gift:1")
        await incoming.after_grant(tx, await bot_settings.load(tx.conn), user)

    assert system.container is not None
    await apply_once(system.container, Source.INTERNAL, "gift:1", grant)
    await system.drain_scheduled()

    assert [m["text"] for m in (await _topic_messages(system))[1:]] == ["m0", "m1", "m2", "m3", "m4"]
    confirmation = (await system.sent(MARIA.id))[-1]["text"]
    assert confirmation == "✓ Suas 2 mensagens guardadas foram enviadas · restam 0 créditos"
    assert (await _user(system))["credits"] == 0
    statuses = [r["status"] for r in await system.pool.fetch("SELECT status FROM messages ORDER BY id")]
    assert statuses == ["relayed"] * 5 + ["held"]


async def test_operator_reply_reaches_the_user_free(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "help me"))
    topic_id = await _topic_id(system)
    await system.write(builders.topic_message(OPERATOR, topic_id, "Sure, send it as PDF please."))

    last = (await system.sent(MARIA.id))[-1]
    assert (last["text"], last["kind"]) == ("Sure, send it as PDF please.", "text")
    assert (await _user(system))["credits"] == 2
    conv = await system.pool.fetchrow("SELECT * FROM conversations")
    assert (conv["status"], conv["unread_count"]) == ("waiting_user", 0)
    assert conv["first_response_at"] is not None
    out = await system.pool.fetchrow("SELECT * FROM messages WHERE direction = 'out'")
    assert (out["status"], out["operator_id"], out["user_message_id"]) == (
        "relayed", OPERATOR.id, last["message_id"])


async def test_notes_bots_and_service_messages_stay_in_the_topic(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "hi"))
    topic_id = await _topic_id(system)
    before = len(await system.sent(MARIA.id))
    await system.write(
        builders.topic_message(OPERATOR, topic_id, "// she paid twice, check"),
        builders.topic_message(None, topic_id, "a bot's own message"),
        builders.topic_message(Person(999, "Other", None, "otherbot"), topic_id, "x",
                               **{"from": {"id": 999, "is_bot": True, "first_name": "Other"}}),
        builders.topic_message(OPERATOR, topic_id, None, forum_topic_edited={"name": "x"}),
    )
    assert len(await system.sent(MARIA.id)) == before
    notes = await system.pool.fetch("SELECT direction, text FROM messages WHERE direction = 'note'")
    assert [n["text"] for n in notes] == ["// she paid twice, check"]


async def test_closed_topic_is_reopened_and_deleted_topic_recreated(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "one"))
    topic_id = await _topic_id(system)
    await system.write(builders.topic_message(OPERATOR, topic_id, None, forum_topic_closed={}))
    assert await system.pool.fetchval("SELECT status FROM conversations") == "closed"

    await system.write(builders.private_text(MARIA, "two"))
    [topic] = await system.model.topics(ADMIN)
    assert (topic.topic_id, topic.closed) == (topic_id, False)
    assert (await _topic_messages(system))[-1]["text"] == "two"

    await system.model.delete_topic(ADMIN, topic_id)
    await system.write(builders.private_text(MARIA, "three"))
    new_topic = await _topic_id(system)
    assert new_topic != topic_id
    copies = await system.model.messages(ADMIN, thread_id=new_topic)
    assert [m["text"] for m in copies][-1] == "three"
    assert "Balance" in copies[0]["text"] or "Balance" in copies[1]["text"]


async def test_reply_to_a_user_who_blocked_the_bot_gets_a_notice_in_the_topic(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "hi"))
    topic_id = await _topic_id(system)
    await system.model.set_blocked(MARIA.id)
    await system.write(builders.topic_message(OPERATOR, topic_id, "are you there?"))

    notice = (await _topic_messages(system))[-1]
    assert notice["text"].startswith("⚠️ Not delivered")
    assert (await _user(system))["blocked_bot_at"] is not None
    # Told by Telegram too: the next reply is refused at once, with a notice.
    await system.write(builders.my_chat_member(MARIA, "kicked"),
                 builders.topic_message(OPERATOR, topic_id, "hello?"))
    assert (await _topic_messages(system))[-1]["text"].startswith("⚠️ Not delivered")
    statuses = [r["status"] for r in await system.pool.fetch(
        "SELECT status FROM messages WHERE direction = 'out' ORDER BY id")]
    assert statuses == ["failed", "refused"]


async def test_banned_user_is_told_once_and_nothing_is_charged(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    await system.pool.execute("UPDATE users SET is_banned = true")
    await system.write(builders.private_text(MARIA, "a"), builders.private_text(MARIA, "b"))
    notices = [m for m in await system.sent(MARIA.id) if "não pode mais enviar" in (m["text"] or "")]
    assert len(notices) == 1
    assert (await _user(system))["credits"] == 3
    assert await system.pool.fetchval("SELECT count(*) FROM messages") == 0
    assert await system.model.topics(ADMIN) == []


async def test_edits_follow_the_message_both_ways(system: System) -> None:
    original = builders.private_text(MARIA, "helo")
    await system.write(builders.private_text(MARIA, "/start"), original)
    await system.write(builders.edited(original, "hello (fixed)"))
    copy = (await _topic_messages(system))[-1]
    assert copy["text"] == "hello (fixed)"

    topic_id = await _topic_id(system)
    reply = builders.topic_message(OPERATOR, topic_id, "answr")
    await system.write(reply)
    await system.write(builders.edited(reply, "answer"))
    assert (await system.sent(MARIA.id))[-1]["text"] == "answer"


async def test_fifty_concurrent_messages_twice_with_ten_credits(system: System) -> None:
    await system.pool.execute("UPDATE bot_settings SET value = '10' WHERE key = 'signup_credits'")
    await system.write(builders.private_text(MARIA, "/start"))
    updates = [builders.private_text(MARIA, f"msg {i:02d}") for i in range(50)]
    results = await asyncio.gather(*(system.post_update(u) for u in updates + updates))
    assert {status for status, _ in results} == {200}
    await system.drain_scheduled()

    copies = [m["text"] for m in (await _topic_messages(system))[1:]]
    assert len(copies) == len(set(copies)) == 10
    assert set(copies) <= {f"msg {i:02d}" for i in range(50)}
    assert (await _user(system))["credits"] == 0
    counts = dict(await system.pool.fetch("SELECT status, count(*) FROM messages GROUP BY status"))
    assert counts == {"relayed": 10, "held": 40}
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'message'") == 10


async def test_a_burst_handled_in_several_batches_reaches_the_topic_in_order_once_each(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches: the burst is taken, charged and delivered in four turns.
    monkeypatch.setattr(inbox_drain, "BATCH", 3)
    await system.pool.execute("UPDATE bot_settings SET value = '20' WHERE key = 'signup_credits'")
    await system.write(builders.private_text(MARIA, "/start"))
    texts = [f"msg {i:02d}" for i in range(12)]
    for text in texts:
        assert (await system.post_update(builders.private_text(MARIA, text)))[0] == 200
    await system.drain_scheduled()

    assert [m["text"] for m in (await _topic_messages(system))[1:]] == texts
    assert (await _user(system))["credits"] == 8
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'message'") == 12
    calls = await system.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE method = 'relayToTopic' AND status = 'sent'")
    assert calls >= 2, "the burst went out in one call: it was not handled in several batches"
