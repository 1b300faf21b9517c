"""📢 Broadcast of an album through the ingress with real workers: the operator
replies to any item of an album they sent to the admin group, and each recipient
gets the whole album, as one album, exactly once; an album with buttons or over
Telegram's 10 items is refused and nothing is queued."""

from __future__ import annotations

from typing import Any

from tests import builders
from tests.builders import OWNER, Person
from tests.harness import System

GROUP = builders.SANDBOX_ADMIN_GROUP_ID
PEOPLE = [Person(720_000_001 + i, f"Album{i}", None, f"album{i}", "en") for i in range(4)]


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b.get("callback_data") or b.get("url", "")
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}


def _album(group: str, captions: list[str]) -> list[dict[str, Any]]:
    """An album as Telegram delivers it: one update per item, sharing a media_group_id."""
    updates = []
    for caption in captions:
        update = builders.admin_group_text(OWNER, "")
        message = update["message"]
        del message["text"]
        message["photo"] = [{"file_id": f"AgACAgQAAxkBAAIB{message['message_id']}",
                             "file_unique_id": f"AQAD{message['message_id']}", "file_size": 90000,
                             "width": 1280, "height": 720}]
        if caption:
            message["caption"] = caption
        message["media_group_id"] = group
        updates.append(update)
    return updates


async def _groups(system: System, messages: list[dict[str, Any]]) -> set[str | None]:
    """The albums (the fake Telegram's media_group_id) these messages belong to."""
    rows = await system.pool.fetch("SELECT media_group_id FROM sandbox_messages WHERE (chat_id, message_id)"
                                   " IN (SELECT * FROM unnest($1::bigint[], $2::int[]))",
                                   [m["chat_id"] for m in messages], [m["message_id"] for m in messages])
    assert len(rows) == len(messages)
    return {r["media_group_id"] for r in rows}


def _reply(text: str, to: dict[str, Any]) -> dict[str, Any]:
    update = builders.with_command_entity(builders.admin_group_text(OWNER, text))
    update["message"]["reply_to_message"] = to["message"]
    return update


async def test_an_album_is_broadcast_as_one_album_to_each_recipient_once(system: System) -> None:
    for person in PEOPLE:
        await system.write(builders.private_text(person, "/start"))
    album = _album("13800001", ["Our new <b>menu</b>", "", ""])
    await system.write(*album)
    # A reply to the second item names the whole album.
    await system.write(_reply("/broadcast all", album[1]))

    *copies, preview = (await system.sent(GROUP))[-4:]
    assert [m["kind"] for m in copies] == ["photo", "photo", "photo"]
    groups = await _groups(system, copies)
    assert len(groups) == 1
    assert None not in groups
    assert copies[0]["text"] == "Our new <b>menu</b>"
    assert "An album of 3 items: 12 messages in all" in preview["text"]
    assert "· 4 users" in preview["text"]

    await system.write(builders.press(OWNER, preview, _buttons(preview)["✅ Send (free lane)"]))
    c = await system.pool.fetchrow("SELECT * FROM campaigns")
    assert (c["status"], c["sent"], c["source_kind"]) == ("done", 4, "album")
    assert list(c["source_message_ids"]) == [u["message"]["message_id"] for u in album]
    for person in PEOPLE:
        got = [m for m in await system.sent(person.id) if m["kind"] == "photo"]
        assert len(got) == 3, person
        groups = await _groups(system, got)
        assert len(groups) == 1
        assert None not in groups
        assert [m["text"] for m in got] == ["Our new <b>menu</b>", None, None]
    # One call per recipient, counted as three messages.
    calls = await system.pool.fetch("SELECT params FROM outbox WHERE lane = 'broadcast'")
    assert len(calls) == len(PEOPLE)
    assert all(len(r["params"]["message_ids"]) == 3 for r in calls)


async def test_bad_album_broadcasts_are_answered_and_nothing_is_queued(system: System) -> None:
    for person in PEOPLE[:2]:
        await system.write(builders.private_text(person, "/start"))
    album = _album("13800002", ["with a button?", ""])
    await system.write(*album)
    await system.write(_reply("/broadcast all\nShop https://example.com/shop", album[0]))
    assert "An album cannot carry buttons" in (await system.sent(GROUP))[-1]["text"]

    big = _album("13800003", [f"item {i}" for i in range(11)])
    await system.write(*big)
    await system.write(_reply("/broadcast all", big[4]))
    assert "at most 10 items" in (await system.sent(GROUP))[-1]["text"]

    # An album the bot never saw arrive (sent before it kept albums): refused, not sent in part.
    unseen = _album("13800004", ["old"])[0]
    await system.write(_reply("/broadcast all", unseen))
    assert "did not see this album arrive" in (await system.sent(GROUP))[-1]["text"]

    assert await system.pool.fetchval("SELECT count(*) FROM campaigns") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM outbox WHERE lane <> 'normal'") == 0
    for person in PEOPLE[:2]:
        assert [m for m in await system.sent(person.id) if m["kind"] == "photo"] == []
