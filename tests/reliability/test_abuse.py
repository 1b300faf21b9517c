"""Abuse: a flood from a user without credits, a user over the rate, big media, and
injection strings in operators' inputs."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from core.platform.config import SANDBOX_ADMIN_GROUP_ID as ADMIN
from tests import builders
from tests.builders import OWNER, Person, private_text
from tests.harness import System
from tests.reliability import fuzz_kit

FLOODER = Person(771_000_001, "Flo", "Oder", "flooder", "en")
NEIGHBOUR = Person(771_000_002, "Nia", "Bour", "nia", "en")
HELD_CAP = 100
#: Messages of the flood (ABUSE_FLOOD=N for a quicker run by hand).
FLOOD = int(os.environ.get("ABUSE_FLOOD", "10000"))


async def _setting(system: System, key: str, value: object) -> None:
    await system.pool.execute(
        "INSERT INTO bot_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
        key, value)


async def _rows(system: System, person: Person) -> int:
    return int(await system.pool.fetchval(
        "SELECT count(*) FROM messages m JOIN users u ON u.id = m.user_id WHERE u.telegram_id = $1",
        person.id))


async def _texts(system: System, person: Person) -> list[str]:
    return [m["text"] or "" for m in await system.sent(person.id)]


async def _credits(system: System, person: Person) -> int:
    return int(await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", person.id))


async def _flood(system: System, person: Person, count: int) -> None:
    bodies = [json.dumps(private_text(person, f"message {i}")).encode() for i in range(count)]
    for start in range(0, count, 2000):
        results = await fuzz_kit.post_all(system, "/webhooks/telegram", bodies[start:start + 2000])
        assert {status for status, _ in results} == {200}
        await system.drain()


async def test_ten_thousand_messages_without_credits_fill_nothing_and_get_one_notice(system: System) -> None:
    await _setting(system, "messages_per_minute", 0)  # the cap alone, here
    await system.write(private_text(FLOODER, "/start"))
    started = time.monotonic()
    await _flood(system, FLOODER, FLOOD)
    elapsed = time.monotonic() - started

    # 3 signup credits paid for 3 messages; 100 wait for credits; the rest were refused.
    assert await _rows(system, FLOODER) == 3 + HELD_CAP
    assert await _credits(system, FLOODER) == 0
    texts = await _texts(system, FLOODER)
    full = [t for t in texts if t.startswith("✋")]
    assert full == [f"✋ {HELD_CAP} of your messages are already waiting for credits. New messages are not"
                    " saved until you buy credits (/buy)."]
    assert len(texts) < 10, texts  # welcome, confirmations, the credits-short notice, the cap's notice
    assert not any((await fuzz_kit.failures(system.pool)).values())
    print(f"\n{FLOOD} messages from one user without credits handled in {elapsed:.1f}s")

    # Credits arrive (an operator grants them): the held ones go, in order, and there
    # is room again for the next message.
    await system.write(private_text(OWNER, f"/credits {FLOODER.id} +200 sorry"))
    await system.write(private_text(FLOODER, "one more"))
    user_id = await system.pool.fetchval("SELECT id FROM users WHERE telegram_id = $1", FLOODER.id)
    held = await system.pool.fetchval(
        "SELECT count(*) FROM messages WHERE user_id = $1 AND status = 'held'", user_id)
    assert held == 0
    assert await _rows(system, FLOODER) == 3 + HELD_CAP + 1
    assert await _credits(system, FLOODER) == 200 - HELD_CAP - 1


async def test_a_user_over_the_rate_is_refused_with_one_notice_and_others_go_on(system: System) -> None:
    await _setting(system, "messages_per_minute", 20)
    await _setting(system, "signup_credits", 1000)
    await system.write(private_text(FLOODER, "/start"), private_text(NEIGHBOUR, "/start"))
    bodies = []
    for i in range(200):
        bodies.append(json.dumps(private_text(FLOODER, f"spam {i}")).encode())
        if i % 40 == 0:
            bodies.append(json.dumps(private_text(NEIGHBOUR, f"hello {i}")).encode())
    results = await fuzz_kit.post_all(system, "/webhooks/telegram", bodies)
    assert {status for status, _ in results} == {200}
    # Also the sends a loaded machine postponed by a moment.
    await system.drain_scheduled()

    assert await _rows(system, FLOODER) == 20
    assert await _credits(system, FLOODER) == 1000 - 20
    fast = [t for t in await _texts(system, FLOODER) if t.startswith("⏳")]
    assert len(fast) == 1
    assert "Messages you send in the next" in fast[0]
    # The neighbour's five messages were all relayed and charged, in the same shard's flow.
    assert await _rows(system, NEIGHBOUR) == 5
    assert await _credits(system, NEIGHBOUR) == 1000 - 5
    relayed = [m for m in await system.sent(ADMIN) if m["text"] and m["text"].startswith("hello")]
    assert len(relayed) == 5


def _document(person: Person, size: int) -> dict[str, Any]:
    update = private_text(person, "")
    message = update["message"]
    del message["text"]
    message["document"] = {"file_id": "BQACAgIAAxkBAAIC" + "x" * 40, "file_unique_id": "AgADbig",
                           "file_name": "big.zip", "mime_type": "application/zip", "file_size": size}
    message["caption"] = "the whole archive"
    return update


async def test_a_20_mb_document_and_an_album_of_ten_photos_are_relayed_and_charged_once(
        system: System) -> None:
    await _setting(system, "signup_credits", 20)
    await system.write(private_text(FLOODER, "/start"))
    await system.write(_document(FLOODER, 20 * 1024 * 1024))
    album = [builders.private_photo(FLOODER, "ten" if i == 0 else None, media_group_id="13800000000000001")
             for i in range(10)]
    await system.write(*album)

    kinds = [m["kind"] for m in await system.sent(ADMIN) if m["thread_id"]]
    assert kinds.count("document") == 1
    assert kinds.count("photo") == 10
    assert await _credits(system, FLOODER) == 20 - 11
    assert await _rows(system, FLOODER) == 11
    assert not any((await fuzz_kit.failures(system.pool)).values())


INJECTIONS = (
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "<b>bold</b><script>alert(1)</script>",
    "*bold* _it_ `code` [x](tg://user?id=1)",
    "%s %d {0} {name} {{}} %(x)s",
    "\\x00 \\u0000 ${jndi:ldap://x}",
)


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b.get("callback_data", "") for row in (message["reply_markup"] or {}).get(
        "inline_keyboard", []) for b in row}


async def _say(system: System, person: Person, text: str) -> dict[str, Any]:
    await system.write(private_text(person, text))
    return (await system.sent(person.id))[-1]


async def test_injection_strings_in_operator_inputs_stay_inert(system: System) -> None:
    await system.write(private_text(FLOODER, "/start"))
    users_before = await system.pool.fetchval("SELECT count(*) FROM users")
    for text in INJECTIONS:
        # Search: the text is searched for, and shown as typed (escaped, not markup).
        answer = (await _say(system, OWNER, f"/search {text}"))["text"]
        assert "🔍 Search" in answer
        assert text.split()[0] in answer, answer
        # A text setting takes it literally once confirmed, and users see it as typed.
        # Braces the setting does not fill in are refused with the reason instead.
        proposal = await _say(system, OWNER, f"/set paysupport_text {text}")
        if "{name}" in text:
            assert proposal["text"].startswith("Unknown placeholder {0}, {name}")
            assert "Nothing was changed." in proposal["text"]
            continue
        await system.write(builders.press(OWNER, proposal, _buttons(proposal)["✅ Confirm"]))
        stored = await system.pool.fetchval("SELECT value FROM bot_settings WHERE key = 'paysupport_text'")
        assert stored == text
        assert (await _say(system, FLOODER, "/paysupport"))["text"] == text
        # A user looked up by it: an answer (not found, or unreadable), nothing run.
        before = len(await system.sent(OWNER.id))
        await system.write(private_text(OWNER, f"/user {text}"))
        assert len(await system.sent(OWNER.id)) == before + 1
    assert await system.pool.fetchval("SELECT count(*) FROM users") == users_before
    assert not any((await fuzz_kit.failures(system.pool)).values())
