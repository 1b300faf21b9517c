"""Campaigns to a list of users uploaded as a document, through the ingress with real
workers: the bot downloads the .txt/.csv through the gateway (the fake Telegram
keeps the file), previews the users it names with the unknown ones counted, and
the campaign reaches exactly them; a bad file or command is answered (a bad line
by its number) and changes nothing."""

from __future__ import annotations

from typing import Any

from core.sandbox.telegram import media
from tests import builders
from tests.builders import OWNER, Person
from tests.harness import System

GROUP = builders.SANDBOX_ADMIN_GROUP_ID
PEOPLE = [Person(740_000_001 + i, f"List{i}", None, f"list_user{i}", "en") for i in range(4)]


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b.get("callback_data") or b.get("url", "")
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}


async def _document(system: System, name: str, content: bytes, *, size: int | None = None) -> dict[str, Any]:
    """An operator uploads a file to the admin group (the fake Telegram keeps its bytes)."""
    unique = f"idlist{builders.next_update_id()}"
    await system.model.store_file(unique, "text/plain", name, content)
    update = builders.admin_group_text(OWNER, "")
    del update["message"]["text"]
    update["message"]["document"] = {"file_id": media.file_id_of("document", unique),
                                     "file_unique_id": unique, "file_name": name,
                                     "file_size": len(content) if size is None else size}
    await system.write(update)
    return update


async def _reply(system: System, text: str, to: dict[str, Any]) -> list[dict[str, Any]]:
    """The command as a reply; what the bot said in the group after it."""
    before = len(await system.sent(GROUP))
    update = builders.with_command_entity(builders.admin_group_text(OWNER, text))
    update["message"]["reply_to_message"] = to["message"]
    await system.write(update)
    return (await system.sent(GROUP))[before:]


async def _start(system: System) -> None:
    for person in PEOPLE:
        await system.write(builders.private_text(person, "/start"))


async def test_a_mass_gift_reaches_the_users_an_uploaded_list_names(system: System) -> None:
    await _start(system)
    listed = PEOPLE[:3]
    content = (f"telegram_id\n{PEOPLE[0].id}\n@{PEOPLE[1].username.upper()}, {PEOPLE[2].id}\n"
               f"999999\n@nobody_here\n{PEOPLE[0].id}\n").encode()
    document = await _document(system, "vip.csv", content)
    before = dict(await system.pool.fetch("SELECT telegram_id, credits FROM users"))

    reading, preview = await _reply(system, "/massgift ids 5 Thanks for testing", document)
    assert reading["text"] == "⏳ Reading the list of users…"
    assert "Audience: file:1 · 3 users" in preview["text"]
    assert "List #1 (vip.csv): 5 ids and usernames, 2 unknown to the bot (left out)" in preview["text"]
    assert "15 credits in all" in preview["text"]
    await system.write(builders.press(OWNER, preview, _buttons(preview)["✅ Gift silently"]))

    after = dict(await system.pool.fetch("SELECT telegram_id, credits FROM users"))
    gifts = {p.id: after[p.id] - before[p.id] for p in PEOPLE}
    assert gifts == {p.id: 5 if p in listed else 0 for p in PEOPLE}
    c = await system.pool.fetchrow("SELECT * FROM campaigns")
    assert (c["segment"], c["status"], c["granted"]) == ("file:1", "done", 3)
    actions = [r["action"] for r in await system.pool.fetch("SELECT action FROM admin_audit ORDER BY id")]
    assert actions == ["campaign.list.upload", "campaign.gift.start"]


async def test_a_broadcast_from_a_template_reaches_an_uploaded_list_joined_with_a_segment(
        system: System) -> None:
    await _start(system)
    await system.pool.execute("UPDATE users SET language = 'pt' WHERE telegram_id = $1", PEOPLE[1].id)
    photo = builders.admin_group_text(OWNER, "")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "AgACAgQAAxkBAAIBphoto", "file_unique_id": "AQADphoto",
                                  "file_size": 90000, "width": 1280, "height": 720}]
    photo["message"]["caption"] = "For the list"
    await system.write(photo)
    preview = (await _reply(system, "/broadcast all", photo))[-1]
    await system.write(builders.press(OWNER, preview, _buttons(preview)["💾 Save as template"]))
    await system.write(builders.admin_group_text(OWNER, "listed"))

    document = await _document(system, "ids.txt", f"{PEOPLE[0].id},{PEOPLE[1].id},{PEOPLE[3].id}".encode())
    *_, copy, preview = await _reply(system, "/broadcast ids+lang:en tpl:listed", document)
    assert copy["kind"] == "photo"
    assert "Audience: file:1+lang:en · 2 users" in preview["text"]
    assert "0 unknown to the bot" in preview["text"]
    await system.write(builders.press(OWNER, preview, _buttons(preview)["✅ Send (free lane)"]))
    for person in PEOPLE:
        got = [m for m in await system.sent(person.id) if m["kind"] == "photo"]
        assert len(got) == (1 if person in (PEOPLE[0], PEOPLE[3]) else 0), person


async def test_a_broadcast_replying_to_its_message_asks_for_the_list(system: System) -> None:
    await _start(system)
    photo = builders.admin_group_text(OWNER, "")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "AgACAgQAAxkBAAIBasked", "file_unique_id": "AQADasked",
                                  "file_size": 90000, "width": 1280, "height": 720}]
    photo["message"]["caption"] = "Asked for its list"
    await system.write(photo)
    [asked] = await _reply(system, "/broadcast ids\nShop https://example.com/shop", photo)
    assert asked["text"].startswith("📄 Now send the list of users as a .txt or .csv document")

    await system.write(builders.admin_group_text(OWNER, "42, 43"))
    assert "That is text: send the list as a .txt or .csv document" in (await system.sent(GROUP))[-1]["text"]
    await _document(system, "ids.pdf", b"1\n")
    assert "is not a .txt or .csv file" in (await system.sent(GROUP))[-1]["text"]
    assert await system.pool.fetchval("SELECT count(*) FROM campaign_id_lists") == 0

    await _document(system, "ids.txt", f"{PEOPLE[2].id}\n@nobody_at_all\n".encode())
    *_, reading, copy, preview = await system.sent(GROUP)
    assert reading["text"] == "⏳ Reading the list of users…"
    assert copy["text"] == "Asked for its list"
    assert _buttons(copy) == {"Shop": "https://example.com/shop"}
    assert "Audience: file:1 · 1 users" in preview["text"]
    assert "1 unknown to the bot" in preview["text"]
    await system.write(builders.press(OWNER, preview, _buttons(preview)["✅ Send (free lane)"]))
    for person in PEOPLE:
        got = [m for m in await system.sent(person.id) if m["kind"] == "photo"]
        assert len(got) == (1 if person is PEOPLE[2] else 0), person


async def test_bad_lists_and_commands_are_answered_and_change_nothing(system: System) -> None:
    await _start(system)
    good = await _document(system, "ids.txt", f"{PEOPLE[0].id}\n".encode())
    cases = [
        ("/massgift ids 5",
         await _document(system, "ids.txt", f"{PEOPLE[0].id}\n{PEOPLE[1].id}\nbob\n".encode()),
         "Line 3: “bob” is neither a Telegram id (digits) nor an @username. Nothing was given."),
        ("/massgift ids 5", await _document(system, "ids.txt", b"\xff\xfe"), "not UTF-8"),
        ("/massgift ids 5", await _document(system, "ids.pdf", b"1\n"), "is not a .txt or .csv file"),
        ("/massgift ids 5", await _document(system, "big.txt", b"1\n", size=2 * 1024 * 1024), "over 1 MB"),
        ("/massgift ids 5", builders.admin_group_text(OWNER, "just text"), "to a .txt or .csv document"),
        ("/massgift ids 0", good, "0 credits changes nothing"),
        ("/massgift ids+nobody 5", good, "unknown segment"),
        ("/broadcast ids", good, "name the message with a template"),
        ("/broadcast ids+nobody", builders.admin_group_text(OWNER, "a message"), "unknown segment"),
    ]
    for command, document, says in cases:
        answers = await _reply(system, command, document)
        assert says in answers[-1]["text"], (command, answers[-1]["text"])
    assert await system.pool.fetchval("SELECT count(*) FROM campaigns") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM campaign_id_lists") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'mass_gift'") == 0
