"""The operator desk, as the issue's "Done when" says: two users write, an agent
takes one, greets them with a quick reply, replies thread both ways, the other
conversation passes its SLA and raises one alert, an analyst gets the revenue
chart as a photo and a CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from core.admin.roles import Role
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as GROUP
from tests import builders
from tests.acceptance import products_kit
from tests.acceptance.admin_kit import AGENT, ANALYST, buttons, make_operators, press, say, start
from tests.acceptance.desk_kit import conversation, general, in_topic, run_desk_sweeps, stored, topic_id
from tests.builders import MARIA, OWNER, Person
from tests.harness import System

JOAO = Person(310_000_777, "João", "Souza", "joao_s", "pt-br")


async def _setting(system: System, key: str, value: object) -> None:
    await system.pool.execute(
        "INSERT INTO bot_settings (key, value) VALUES ($1, $2)"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", key, value)


async def _write(system: System, person: Person, text: str, **extra: Any) -> dict[str, Any]:
    update = builders.private_text(person, text)
    update["message"].update(extra)
    await system.write(update)
    return update["message"]


async def test_two_users_an_agent_a_quick_reply_threads_the_sla_and_the_revenue_chart(system: System) -> None:
    await make_operators(system, (AGENT, Role.AGENT), (ANALYST, Role.ANALYST))
    await start(system, MARIA, JOAO, AGENT, ANALYST)

    # An owner saves a greeting; its formatting is kept and {first_name} filled per user.
    add = builders.private_text(OWNER, "/qr add greet Hello {first_name}! How can we help?")
    add["message"]["entities"].append({"type": "bold", "offset": 14, "length": 5})  # "Hello"
    await system.write(add)
    assert "Saved the quick reply !greet" in (await system.sent(OWNER.id))[-1]["text"]

    first = await _write(system, MARIA, "I need help with my order")
    await _write(system, JOAO, "hello?")
    maria_topic, joao_topic = await topic_id(system, MARIA), await topic_id(system, JOAO)
    assert maria_topic != joao_topic

    # The agent lists the conversations (both waiting, Maria longest) and takes Maria's.
    listing = await say(system, AGENT, "/conversations")
    assert "2" in listing["text"].split("\n")[0]
    lines = listing["text"].split("\n")
    assert [i for i, line in enumerate(lines) if "Maria Silva" in line] < [
        i for i, line in enumerate(lines) if "João Souza" in line]
    opened = buttons(listing)
    await press(system, AGENT, listing, next(d for label, d in opened.items() if "Maria" in label))
    screen = (await system.sent(AGENT.id))[-1]
    assert await press(system, AGENT, screen, buttons(screen)["🙋 Assign to me"]) == "Assigned to you."
    assert (await conversation(system, MARIA))["assignee_id"] == AGENT.id
    assert await system.pool.fetchval(
        "SELECT count(*) FROM admin_audit WHERE action = 'conversation.assign' AND operator_id = $1",
        AGENT.id) == 1

    # !greet in Maria's topic: Maria gets the greeting by name, as the bot's message, free.
    before = len(await system.sent(MARIA.id))
    credits = await products_kit.user(system, MARIA)
    await system.write(builders.topic_message(AGENT, maria_topic, "!greet"))
    [greeting] = (await system.sent(MARIA.id))[before:]
    assert greeting["text"] == "Hello Maria! How can we help?"
    kept = await stored(system, MARIA.id, greeting["message_id"])
    assert any(e["type"] == "bold" and e["offset"] == 0 and e["length"] == 5 for e in kept["entities"])
    assert (await products_kit.user(system, MARIA))["credits"] == credits["credits"]
    assert await system.pool.fetchval("SELECT count(*) FROM messages WHERE text = '!greet'") == 0
    assert (await in_topic(system, MARIA))[-1]["text"].startswith("📝 !greet sent:")
    assert await system.pool.fetchval("SELECT sum(uses) FROM quick_reply_usage WHERE operator_id = $1",
                                      AGENT.id) == 1
    # The greeting answered Maria's wait: her ticket has its first response, by the agent.
    ticket = await system.pool.fetchrow(
        "SELECT * FROM desk_tickets WHERE conversation_id = $1", (await conversation(system, MARIA))["id"])
    assert ticket["first_response_at"] is not None
    assert ticket["first_response_by"] == AGENT.id

    # An unknown name: the agent is told, Maria gets nothing.
    await system.write(builders.topic_message(AGENT, maria_topic, "!gret"))
    assert len(await system.sent(MARIA.id)) == before + 1
    assert "no quick reply named “gret”" in (await in_topic(system, MARIA))[-1]["text"]

    # The agent answers Maria's first message specifically: her copy replies to her original.
    copy = next(m for m in await in_topic(system, MARIA) if m["text"] == "I need help with my order")
    reply = builders.topic_message(AGENT, maria_topic, "Sure, which order?",
                                   reply_to_message={"message_id": copy["message_id"], "date": 1763900000,
                                                         "chat": {"id": GROUP, "type": "supergroup"}})
    await system.write(reply)
    answer = (await system.sent(MARIA.id))[-1]
    assert answer["text"] == "Sure, which order?"
    threaded = await stored(system, MARIA.id, answer["message_id"])
    assert threaded["reply_to_message_id"] == first["message_id"]

    # Maria replies to that answer: in the topic her copy replies to the agent's message.
    original = {"message_id": answer["message_id"], "date": 1763900000,
                "chat": {"id": MARIA.id, "type": "private"}}
    await _write(system, MARIA, "Order 42", reply_to_message=original)
    order = next(m for m in await in_topic(system, MARIA) if m["text"] == "Order 42")
    assert (await stored(system, GROUP, order["message_id"]))["reply_to_message_id"] == \
        reply["message"]["message_id"]

    # João waits past the SLA: one alert in the General topic, however often the desk sweeps.
    await _setting(system, "first_response_minutes", 15)
    await system.pool.execute(
        "UPDATE conversations SET waiting_since = now() - interval '20 minutes' WHERE id = $1",
        (await conversation(system, JOAO))["id"])
    await run_desk_sweeps(system, 3)
    alerts = [t for t in await general(system) if t.startswith("⏰ SLA")]
    assert len(alerts) == 1
    assert "João Souza (@joao_s) has waited 20 min" in alerts[0]
    assert "Nobody is assigned." in alerts[0]
    assert f"/{joao_topic}" in alerts[0]

    # A Stars payment, then the analyst asks for the revenue chart and its CSV.
    await _setting(system, "stripe_enabled", False)
    await system.write(builders.private_text(MARIA, "/buy"), builders.callback(MARIA, "buy:pack25"))
    await products_kit.pay_invoice(system, MARIA)
    assert await system.pool.fetchval("SELECT count(*) FROM transactions WHERE status = 'succeeded'") == 1

    screen = await say(system, ANALYST, "/analytics 7")
    assert "📈 Analytics" in screen["text"]
    await press(system, ANALYST, screen, buttons(screen)["💰 Revenue"])
    photo = (await system.sent(ANALYST.id))[-1]
    assert photo["kind"] == "photo"
    assert "Revenue" in photo["text"]
    assert "stars XTR: total 500" in photo["text"]
    csv_button = next(b["callback_data"] for row in screen["reply_markup"]["inline_keyboard"] for b in row
                      if b["callback_data"].startswith("adm:an:g:v:revenue"))
    await press(system, ANALYST, screen, csv_button)
    document = (await system.sent(ANALYST.id))[-1]
    assert document["kind"] == "document"
    data = b"".join(r["data"] for r in await system.pool.fetch(
        "SELECT p.data FROM desk_file_parts p WHERE p.file_id = (SELECT max(id) FROM desk_files)"
        " ORDER BY seq"))
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == ["day", "stars XTR"]
    assert len(rows) == 1 + 7
    assert sum(float(r[1]) for r in rows[1:]) == 500.0

    # An agent may not: analytics is the analyst's.
    refused = await say(system, AGENT, "/analytics")
    assert "Not allowed" in refused["text"]

