"""The control center: who may open it, roles added and removed, buttons that check
the presser's role when pressed, nothing revealed to strangers."""

from __future__ import annotations

from tests import builders
from tests.acceptance.admin_kit import buttons as _buttons
from tests.acceptance.admin_kit import press as _press
from tests.acceptance.admin_kit import say as _say
from tests.builders import MARIA, OWNER, Person
from tests.harness import System

AGENT = Person(2_000_000_001, "Alex", "Agent", "alex_agent", "en")
ANALYST = Person(2_000_000_002, "Ana", "Lyst", "ana_lyst", "en")
STRANGER = Person(2_000_000_099, "Stan", None, "stan_ger", "en")


async def test_the_owner_opens_the_center_with_every_category(system: System) -> None:
    home = await _say(system, OWNER, "/admin")
    assert "Control center" in home["text"]
    assert list(_buttons(home)) == [
        "💬 Conversations", "📊 Dashboard", "📈 Analytics", "👥 Users", "🛒 Products", "💰 Billing",
        "📢 Broadcast", "🎁 Mass Gift", "⚙️ Settings", "🔧 System", "📝 Quick Replies", "🔍 Search"]


async def test_a_stranger_gets_the_ordinary_hint_and_nothing_else(system: System) -> None:
    await system.write(builders.private_text(STRANGER, "/start"))
    before = await system.sent(STRANGER.id)
    for command in ("/admin", "/users", "/operator add 1 owner", "/credits @maria_s +100"):
        await system.write(builders.private_text(STRANGER, command))
    sent = (await system.sent(STRANGER.id))[len(before):]
    assert [m["text"] for m in sent] == ["Unknown command. Send /help to see what you can do."] * 4
    assert await system.pool.fetchval("SELECT count(*) FROM operators") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'message'") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM messages") == 0


async def test_roles_decide_what_each_operator_sees_and_may_do(system: System) -> None:
    for person in (AGENT, ANALYST):
        await system.write(builders.private_text(person, "/start"))
    added = await _say(system, OWNER, f"/operator add {AGENT.id} agent")
    assert "not an operator → agent" in added["text"]
    await _say(system, OWNER, "/operator add @ana_lyst analyst")

    agent_home = await _say(system, AGENT, "/admin")
    assert list(_buttons(agent_home)) == ["💬 Conversations", "👥 Users", "📝 Quick Replies", "🔍 Search"]
    analyst_home = await _say(system, ANALYST, "/admin")
    assert list(_buttons(analyst_home)) == ["📊 Dashboard", "📈 Analytics", "👥 Users", "🛒 Products",
                                            "💰 Billing", "🔍 Search"]

    # A forged or forwarded button does not get around the role.
    settings = _buttons(await _say(system, OWNER, "/admin"))["⚙️ Settings"]
    assert await _press(system, AGENT, agent_home, settings) == "🚫 Not allowed for your role (agent)."
    refused = await _say(system, AGENT, "/operator add 5 owner")
    assert refused["text"] == "🚫 Not allowed for your role (agent)."
    refused = await _say(system, ANALYST, "/settings")
    assert refused["text"] == "🚫 Not allowed for your role (analyst)."

    rows = await system.pool.fetch("SELECT telegram_id, role FROM operators ORDER BY telegram_id")
    assert [(r["telegram_id"], r["role"]) for r in rows] == [(AGENT.id, "agent"), (ANALYST.id, "analyst")]
    audit = await system.pool.fetch("SELECT operator_id, action, target, after FROM admin_audit ORDER BY id")
    assert [(a["operator_id"], a["action"], a["target"], a["after"]) for a in audit] == [
        (OWNER.id, "operator.set_role", str(AGENT.id), {"role": "agent"}),
        (OWNER.id, "operator.set_role", str(ANALYST.id), {"role": "analyst"})]


async def test_a_removed_operators_buttons_stop_working_at_once(system: System) -> None:
    await system.write(builders.private_text(AGENT, "/start"))
    await _say(system, OWNER, f"/operator add {AGENT.id} agent")
    home = await _say(system, AGENT, "/admin")
    users = _buttons(home)["👥 Users"]

    listing = await _say(system, OWNER, "/operators")
    remove = _buttons(listing)["Remove Alex Agent"]
    assert await _press(system, OWNER, listing, remove) is None
    confirm_screen = (await system.sent(OWNER.id))[-1]
    confirm_data = _buttons(confirm_screen)["✅ Remove"]
    # Only the owner who asked may confirm; then it works once.
    assert await _press(system, AGENT, confirm_screen, confirm_data) == (
        "Only the operator who asked can confirm this.")
    assert await _press(system, OWNER, confirm_screen, confirm_data) == (
        f"{AGENT.id} is no longer an operator (was agent).")
    assert await system.pool.fetchval("SELECT count(*) FROM operators") == 0
    assert await _press(system, OWNER, confirm_screen, confirm_data) == "Already done."

    assert await _press(system, AGENT, home, users) == "🚫 Not allowed."
    hint = "Unknown command. Send /help to see what you can do."
    assert (await _say(system, AGENT, "/admin"))["text"] == hint
    audit = await system.pool.fetch("SELECT action, before, after FROM admin_audit ORDER BY id")
    assert [(a["action"], a["before"], a["after"]) for a in audit][-1] == (
        "operator.remove", {"role": "agent"}, {"role": None})


async def test_a_command_in_a_customers_topic_never_reaches_the_customer(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(MARIA, "hello"))
    topic = await system.pool.fetchval("SELECT topic_id FROM conversations")
    before = await system.sent(MARIA.id)
    # (/credits there would give her credits, and tell her so: tests/acceptance/test_admin_user_actions.py)
    for text in ("/admin", "/nonsense", "/card"):
        await system.write(builders.with_command_entity(builders.topic_message(OWNER, topic, text)))
    assert await system.sent(MARIA.id) == before
    group = await system.sent(system.settings.admin_group_id)
    in_topic = [m["text"] for m in group if m["thread_id"] == topic]
    assert any("Control center" in (t or "") for t in in_topic)
    assert "Unknown command. /admin opens the control center." in in_topic
    assert await system.pool.fetchval("SELECT count(*) FROM messages WHERE direction = 'out'") == 0
