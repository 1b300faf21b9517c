"""The sandbox console's routes: people write and press buttons as Telegram users do,
with ids Telegram would give, through the real ingress; the raw path keeps one id per message."""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import aiohttp
import pytest

from core.platform.config import SANDBOX_ADMIN_GROUP_ID as GROUP
from core.platform.config import SANDBOX_ADMIN_USER_ID as OWNER
from core.sandbox.telegram.rows import Content
from tests import builders
from tests.acceptance.console_helpers import call, callbacks, conversation, new_user, press, send, world
from tests.builders import Person
from tests.harness import System
from workers import wiring


async def _counts(system: System) -> tuple[int, int, int]:
    """What a refused request must leave as it was: updates received, messages, users."""
    row = await system.pool.fetchrow(
        "SELECT (SELECT count(*) FROM inbox) + (SELECT count(*) FROM procrastinate_jobs) AS updates,"
        " (SELECT count(*) FROM sandbox_messages) AS messages, (SELECT count(*) FROM users) AS users")
    return row["updates"], row["messages"], row["users"]


async def test_a_person_writes_with_ids_telegram_would_give_through_the_ingress(system: System) -> None:
    ada = await new_user(system)
    assert ada > 5_000_000_000
    assert await system.pool.fetchval("SELECT count(*) FROM users") == 0  # she has not opened the bot yet

    before = time.time()
    start = await send(system, ada, "/start", drain=False)
    # Through the ingress, as Telegram's traffic: the update waits in the inbox for the workers.
    payload = await system.pool.fetchval("SELECT payload FROM inbox WHERE update_id = $1", start["update_id"])
    message = payload["message"]
    assert message["message_id"] == start["message_id"]
    assert message["from"] == {"id": ada, "is_bot": False, "first_name": "Ada", "last_name": "Lovelace",
                               "username": "ada_l", "language_code": "en"}
    assert message["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert before - 1 <= message["date"] <= time.time() + 1
    await system.drain_scheduled()

    user = await system.pool.fetchrow("SELECT * FROM users WHERE telegram_id = $1", ada)
    assert (user["first_name"], user["username"], user["language_code"], user["credits"]) == \
        ("Ada", "ada_l", "en", 3)
    hello = await send(system, ada, "Hi! Can you check my order?")
    assert hello["update_id"] > start["update_id"]

    # One sequence per chat for both sides: the user's ids and the bot's never meet.
    chat = await conversation(system, ada)
    ids = [m["message_id"] for m in chat]
    assert ids == sorted(set(ids))
    mine = [m["message_id"] for m in chat if not m["from_bot"]]
    assert mine == [start["message_id"], hello["message_id"]]
    welcome = next(m for m in chat if m["from_bot"])
    assert start["message_id"] < welcome["message_id"] < hello["message_id"]
    receipt = chat[-1]
    assert receipt["from_bot"]
    assert receipt["text"].startswith("✓")
    assert await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", ada) == 2


async def test_the_raw_path_refuses_a_message_id_taken_by_another_message(system: System) -> None:
    maria = builders.MARIA
    first = builders.private_text(maria, "/start")
    await system.write(first)
    [welcome] = await system.sent(maria.id)
    updates, messages, _ = await _counts(system)

    # A script that picks the id the bot's welcome has: refused, and the welcome stays as it was.
    clash = builders.private_text(maria, "Hello")
    clash["message"]["message_id"] = welcome["message_id"]
    status, body = await system.post_update(clash)
    assert status == 409
    assert f"message_id {welcome['message_id']} is already used in chat {maria.id}" in body["error"]
    assert (await system.sent(maria.id)) == [welcome]
    # Another update under the user's own earlier id is another message too.
    again = builders.private_text(maria, "Hello")
    again["message"]["message_id"] = first["message"]["message_id"]
    assert (await system.post_update(again))[0] == 409
    # Nobody edits another's message.
    forged = builders.edited(clash, "Edited")
    assert (await system.post_update(forged))[0] == 409
    assert await _counts(system) == (updates, messages, 1)

    # The same update delivered again is welcome, and changes nothing twice.
    assert (await system.post_update(first))[0] == 200
    await system.drain_scheduled()
    assert (await system.sent(maria.id)) == [welcome]
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger") == 1
    # A new id, and an edit of one's own message, pass.
    await system.write(builders.edited(first, "/start again"), builders.private_text(maria, "Hello"))
    assert (await system.sent(maria.id))[-1]["text"].startswith("✓")


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"chat_id": "ada", "text": "hi"}, 400, "chat_id must be an integer"),
    ({"chat_id": 42, "text": "hi"}, 404, "no chat 42 in the sandbox"),
    ({"chat_id": "ADA", "text": "   "}, 400, "write something, or attach a file"),
    ({"chat_id": "ADA", "text": "x" * 4097}, 400, "at most 4096 characters"),
    ({"chat_id": "ADA", "text": "hi", "from_id": OWNER}, 400, "only its user writes"),
    ({"chat_id": "ADA", "text": "hi", "thread_id": 5}, 400, "only forum groups have them"),
    ({"chat_id": "ADA", "text": "hi", "reply_to_message_id": 999}, 404, "no message 999"),
    ({"chat_id": "ADA", "text": "hi", "attachment": {"kind": "photo", "unique_id": "nope"}}, 400,
     "upload it first"),
    ({"chat_id": GROUP, "text": "hi"}, 400, "from_id is required in a group"),
    ({"chat_id": GROUP, "text": "hi", "from_id": 42}, 400, "neither an owner"),
    ({"chat_id": GROUP, "text": "hi", "from_id": OWNER, "thread_id": 999}, 404, "no topic 999"),
])
async def test_send_refuses_what_telegram_would_not_deliver_and_changes_nothing(
    system: System, body: dict[str, Any], status: int, error: str
) -> None:
    ada = await new_user(system)
    body = {k: (ada if v == "ADA" else v) for k, v in body.items()}
    before = await _counts(system)
    answer = await call(system, "POST", "/sandbox/send", body)
    assert answer[0] == status
    assert error in answer[1]["error"]
    assert await _counts(system) == before


async def test_buttons_are_pressed_as_telegram_sends_them_and_answered(system: System) -> None:
    ada = await new_user(system)
    await send(system, ada, "/start")
    welcome = next(m for m in await conversation(system, ada) if m["from_bot"])
    tour = callbacks(welcome)[0]

    query_id = await press(system, ada, welcome["message_id"], tour)
    answers = {a.query_id: a for a in await system.model.query_answers()}
    assert answers[query_id].ok
    step = (await conversation(system, ada))[-1]
    assert step["text"].startswith("Step 1/3")
    # A button that edits its message: the raw contract and the console both mark the edit.
    await press(system, ada, step["message_id"], callbacks(step)[0])
    [raw] = [m for m in await system.sent(ada) if m["message_id"] == step["message_id"]]
    assert raw["text"].startswith("Step 2/3")
    assert (raw["edited"], raw["reply_to_message_id"]) == (True, None)
    assert (await conversation(system, ada))[-1]["edited"] is True

    before = await _counts(system)
    for data, error in ((None, "has no button"), ("tut:99", "has no button with callback_data 'tut:99'")):
        status, body = await call(system, "POST", "/sandbox/press",
                                  {"chat_id": ada, "message_id": welcome["message_id"], "data": data})
        assert (status, error in body["error"]) == (400, True)
    mine = next(m for m in await conversation(system, ada) if not m["from_bot"])
    status, body = await call(system, "POST", "/sandbox/press",
                              {"chat_id": ada, "message_id": mine["message_id"], "data": "x"})
    assert (status, body["error"]) == (400, "only the bot's messages have buttons")
    assert await _counts(system) == before


async def test_the_operator_answers_in_the_customers_topic(system: System) -> None:
    ada = await new_user(system)
    await send(system, ada, "/start")
    question = await send(system, ada, "Where is my order?")
    [group] = (await world(system))["groups"]
    [topic] = group["topics"]
    assert topic["name"].startswith("Ada Lovelace")
    copy = next(m for m in await conversation(system, GROUP, topic["topic_id"])
                if m["text"] == "Where is my order?")

    sent = await send(system, GROUP, "On its way!", from_id=OWNER, thread_id=topic["topic_id"],
                      reply_to_message_id=copy["message_id"], drain=False)
    # Telegram's update: in the topic, from the owner, quoting the message answered.
    update = await system.pool.fetchval("SELECT payload FROM inbox WHERE update_id = $1", sent["update_id"])
    message = update["message"]
    assert (message["message_thread_id"], message["is_topic_message"], message["from"]["id"]) == \
        (topic["topic_id"], True, OWNER)
    assert (message["reply_to_message"]["message_id"], message["reply_to_message"]["from"]["is_bot"]) == \
        (copy["message_id"], True)
    await system.drain_scheduled()
    reply = (await conversation(system, ada))[-1]
    assert (reply["text"], reply["from_bot"]) == ("On its way!", True)
    assert reply["message_id"] > question["message_id"]
    operator = (await conversation(system, GROUP, topic["topic_id"]))[-1]
    assert (operator["sender_id"], operator["sender"]) == (OWNER, f"Owner {OWNER}")
    assert operator["reply_to"] == {"message_id": copy["message_id"], "sender": "Paid Desk",
                                    "text": "Where is my order?"}


async def test_new_users_are_checked_as_telegram_checks_them(system: System) -> None:
    await new_user(system, username="ada_l")
    for body, error in (
        ({"first_name": "Eve", "username": "ADA_L"}, "@ADA_L is taken"),
        ({"first_name": "Eve", "username": "e"}, "a username has 5 to 32"),
        ({"first_name": " ", "username": None}, "the first name must be 1 to 64"),
        ({"first_name": "Eve", "language_code": "English"}, "the language is a code"),
        ({"first_name": 5}, "are strings"),
    ):
        status, answer = await call(system, "POST", "/sandbox/users", body)
        assert (status, error in answer["error"]) == (400, True), answer
    users = [u["name"] for u in (await world(system))["users"]]
    assert users == ["Ada Lovelace"]


async def test_commands_are_suggested_from_what_the_bot_registered(system: System) -> None:
    assert system.container is not None
    await wiring.register_commands(system.container)
    await system.drain_scheduled()
    people = {lang: await new_user(system, first_name=lang, username=None, language_code=lang)
              for lang in ("pt-br", "de")}

    async def listed(chat_id: int, **query: int) -> list[dict[str, str]]:
        extra = "".join(f"&{k}={v}" for k, v in query.items())
        status, body = await call(system, "GET", f"/sandbox/commands?chat_id={chat_id}{extra}")
        assert status == 200
        return list(body["commands"])

    portuguese = await listed(people["pt-br"])
    assert [c["command"] for c in portuguese][:3] == ["start", "menu", "balance"]
    english = await listed(people["de"])  # no German list: the one for every language
    assert [c["command"] for c in english] == [c["command"] for c in portuguese]
    assert portuguese[0]["description"] != english[0]["description"]
    group = await listed(GROUP, from_id=OWNER)
    assert [c["command"] for c in group][:3] == ["admin", "dashboard", "conversations"]


async def test_the_page_is_served_to_browsers_and_json_to_scripts(system: System) -> None:
    async with system.http.get(f"{system.base_url}/", headers={"Accept": "text/html"}) as r:
        page = await r.text()
        assert (r.status, r.content_type) == (200, "text/html")
    for hook in ("user-picker", "new-user-form", "composer-input", "composer-send", "side-panel"):
        assert f'data-testid="{hook}"' in page
    assert "http" not in page.replace("http://", "").split("<body>")[0]  # nothing fetched from elsewhere
    assert await system.get("/") == (200, {"service": "paid-desk", "status": "ok"})
    scripts = [f"/console/static/{name}.js" for name in ("console", "dom", "text", "inspector")]
    for path, kind in (("/console", "text/html"), ("/console/static/console.css", "text/css"),
                       ("/console/open?start=paid_1", "text/html"),
                       *((script, "application/javascript") for script in scripts)):
        async with system.http.get(f"{system.base_url}{path}") as r:
            assert (r.status, r.content_type) == (200, kind), path


def _form(content: bytes, mime: str, name: str = "receipt.png") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(content), filename=name, content_type=mime)
    return form


async def test_files_people_attach_are_kept_shown_and_relayed(system: System) -> None:
    ada = await new_user(system)
    await send(system, ada, "/start")
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                        "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    async with system.http.post(f"{system.base_url}/sandbox/files", data=_form(png, "image/png")) as r:
        assert r.status == 201
        stored = await r.json()
    await send(system, ada, "my receipt", attachment={"kind": "photo", "unique_id": stored["unique_id"],
                                                      "width": 1, "height": 1})
    [mine] = [m for m in await conversation(system, ada) if m["kind"] == "photo"]
    assert (mine["text"], mine["file"]["width"]) == ("my receipt", 1)
    [topic] = (await world(system))["groups"][0]["topics"]
    [copy] = [m for m in await conversation(system, GROUP, topic["topic_id"]) if m["kind"] == "photo"]
    async with system.http.get(f"{system.base_url}{copy['file']['url']}") as r:
        assert (r.status, await r.read()) == (200, png)

    # Any other file is a document: shown with its name, offered as a download.
    async with system.http.post(f"{system.base_url}/sandbox/files",
                                data=_form(b"order,total\n1234,9.99\n", "text/csv", "order.csv")) as r:
        stored = await r.json()
    await send(system, ada, None, attachment={"kind": "document", "unique_id": stored["unique_id"]})
    [document] = [m for m in await conversation(system, ada) if m["kind"] == "document"]
    assert (document["file"]["name"], document["file"]["size"], document["text"]) == ("order.csv", 22, None)
    async with system.http.get(f"{system.base_url}{document['file']['url']}") as r:
        assert r.headers["Content-Disposition"] == 'attachment; filename="order.csv"'
        assert await r.read() == b"order,total\n1234,9.99\n"

    async with system.http.post(f"{system.base_url}/sandbox/files",
                                data=_form(b"x" * (10 * 1024 * 1024 + 1), "text/plain")) as r:
        assert r.status == 413
    status, body = await call(system, "POST", "/sandbox/send", {
        "chat_id": ada, "text": None, "attachment": {"kind": "photo", "unique_id": "sbx-none"}})
    assert (status, body["error"]) == (400, "no such file: upload it first (POST /sandbox/files)")


async def test_a_paid_stars_invoice_takes_the_chats_next_message_id(system: System) -> None:
    maria = Person(builders.MARIA.id, language_code="en")
    await system.write(builders.private_text(maria, "/start"))
    await system.write(builders.callback(maria, "pay:stars:pack10"))
    invoice = next(m for m in reversed(await system.sent(maria.id)) if m["kind"] == "invoice")
    # The bot's next message would have taken invoice + 1, which the payment used to claim.
    await system.model.send(maria.id, Content(kind="text", text="a message after the invoice"))
    paying = asyncio.create_task(call(system, "POST", "/sandbox/pay-invoice",
                                      {"chat_id": maria.id, "message_id": invoice["message_id"]}))
    while not paying.done():
        await system.drain()
        await asyncio.sleep(0.05)
    status, body = paying.result()
    assert (status, body["paid"]) == (200, True)
    await system.drain_scheduled()
    chat = await system.model.messages(maria.id, service=True)
    assert next(m for m in chat if m["message_id"] == invoice["message_id"] + 1)["text"] == \
        "a message after the invoice"
    paid = [m for m in chat if m["kind"] == "service"]
    assert len(paid) == 1
    assert paid[0]["message_id"] > invoice["message_id"] + 1
    assert await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", maria.id) == 13



async def test_operators_run_the_control_center_in_the_general_topic(system: System) -> None:
    await send(system, GROUP, "/admin", from_id=OWNER)
    home = next(m for m in reversed(await conversation(system, GROUP)) if m["from_bot"])
    assert home["thread_id"] is None
    opened = callbacks(home)
    assert all(data.startswith("adm:") for data in opened)

    query_id = await press(system, GROUP, home["message_id"], opened[0], from_id=OWNER)
    assert query_id in {a.query_id for a in await system.model.query_answers()}
    screen = next(m for m in await conversation(system, GROUP) if m["message_id"] == home["message_id"])
    assert screen["edited"]  # one message per screen, edited in place
    status, body = await call(system, "POST", "/sandbox/press", {
        "chat_id": GROUP, "message_id": home["message_id"], "data": opened[0], "from_id": 42})
    assert (status, "neither an owner" in body["error"]) == (400, True)
