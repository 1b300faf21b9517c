"""Who may do what to users: every role and a stranger × every action, typed and pressed.

Refused means refused: no ledger row, no flag, no tier, no pass, no audit entry.
"""

from __future__ import annotations

from core.admin.roles import Role
from tests import builders
from tests.acceptance.admin_kit import (
    ADMIN,
    AGENT,
    ANALYST,
    STRANGER,
    buttons,
    give,
    make_operators,
    press,
    say,
    screen,
    start,
)
from tests.builders import MARIA, OWNER, Person
from tests.harness import System

ACTIONS = {
    "card": "/user @maria_s",
    "credits +": "/credits @maria_s +5 gift",
    "credits -": "/credits @maria_s -1 fix",
    "ban": "/ban @maria_s spam",
    "unban": "/unban @maria_s",
    "tier": "/tier @maria_s vip",
    "pass": "/pass @maria_s 1",
}
ALLOWED = {
    OWNER: set(ACTIONS),
    ADMIN: set(ACTIONS),
    AGENT: {"card", "ban", "unban"},
    ANALYST: {"card"},
    STRANGER: set(),
}
ROLE = {OWNER: "owner", ADMIN: "admin", AGENT: "agent", ANALYST: "analyst"}
HINT = "Unknown command. Send /help to see what you can do."


async def _snapshot(system: System) -> tuple[object, ...]:
    row = await system.pool.fetchrow(
        "SELECT u.credits, u.tier, u.is_banned, u.ban_reason, u.pass_expires_at,"
        " (SELECT count(*) FROM credit_ledger) AS ledger, (SELECT count(*) FROM pass_grants) AS passes,"
        " (SELECT count(*) FROM admin_audit) AS audit"
        " FROM users u WHERE u.telegram_id = $1", MARIA.id)
    return tuple(row.values())


async def _prepare(system: System, action: str) -> None:
    """Maria in a state where the action would change something."""
    if action == "unban":
        await system.pool.execute("UPDATE users SET is_banned = true WHERE telegram_id = $1", MARIA.id)
    elif action == "ban":
        await system.pool.execute("UPDATE users SET is_banned = false WHERE telegram_id = $1", MARIA.id)
    elif action == "tier":
        await system.pool.execute("UPDATE users SET tier = 'free' WHERE telegram_id = $1", MARIA.id)


async def test_each_role_may_do_what_it_allows_and_nothing_else(system: System) -> None:
    await start(system, MARIA, ADMIN, AGENT, ANALYST, STRANGER)
    await make_operators(system, (ADMIN, Role.ADMIN), (AGENT, Role.AGENT), (ANALYST, Role.ANALYST))
    await give(system, MARIA, 100)
    for person, allowed in ALLOWED.items():
        for action, command in ACTIONS.items():
            await _prepare(system, action)
            before = await _snapshot(system)
            audit_before = await system.pool.fetchval("SELECT count(*) FROM admin_audit")
            reply = (await say(system, person, command))["text"]
            after = await _snapshot(system)
            if action not in allowed:
                refusal = HINT if person is STRANGER else f"🚫 Not allowed for your role ({ROLE[person]})."
                assert reply == refusal, (person.first_name, action, reply)
                assert after == before, (person.first_name, action)
            elif action == "card":
                assert reply.startswith("👤 Maria Silva (@maria_s)")
                assert after == before
            else:
                assert after != before, (person.first_name, action, reply)
                operator, = await system.pool.fetchrow(
                    "SELECT operator_id FROM admin_audit ORDER BY id DESC LIMIT 1")
                assert operator == person.id
                assert await system.pool.fetchval("SELECT count(*) FROM admin_audit") == audit_before + 1


CARD_BUTTONS = {
    OWNER: ["💰 Credits ±", "⛔ Ban", "🏷 Tier", "🎟 Pass"],
    ADMIN: ["💰 Credits ±", "⛔ Ban", "🏷 Tier", "🎟 Pass"],
    AGENT: ["⛔ Ban"],
    ANALYST: [],
}


async def test_cards_offer_only_what_the_role_allows_and_forged_buttons_do_nothing(system: System) -> None:
    await start(system, MARIA, ADMIN, AGENT, ANALYST, STRANGER)
    await make_operators(system, (ADMIN, Role.ADMIN), (AGENT, Role.AGENT), (ANALYST, Role.ANALYST))
    cards: dict[Person, dict[str, object]] = {}
    for person, actions in CARD_BUTTONS.items():
        cards[person] = await say(system, person, "/user @maria_s")
        assert list(buttons(cards[person])) == [*actions, "🔄 Refresh", "⬅️ Back", "🏠 Home"]

    owner_card = cards[OWNER]
    before = await _snapshot(system)
    # An owner's buttons pressed by others (forwarded or forged) check the presser's role.
    for person, label, refusal in (
        (AGENT, "💰 Credits ±", "🚫 Not allowed for your role (agent)."),
        (AGENT, "🏷 Tier", "🚫 Not allowed for your role (agent)."),
        (ANALYST, "⛔ Ban", "🚫 Not allowed for your role (analyst)."),
        (ANALYST, "🎟 Pass", "🚫 Not allowed for your role (analyst)."),
        (STRANGER, "⛔ Ban", "🚫 Not allowed."),
    ):
        assert await press(system, person, owner_card, buttons(owner_card)[label]) == refusal
    await press(system, OWNER, owner_card, buttons(owner_card)["🏷 Tier"])
    picker = await screen(system, OWNER, owner_card["message_id"])
    refused = await press(system, AGENT, picker, buttons(picker)["vip"])
    assert refused == "🚫 Not allowed for your role (agent)."
    await press(system, OWNER, picker, buttons(picker)["vip"])
    proposal = await screen(system, OWNER, owner_card["message_id"])
    confirm = buttons(proposal)["✅ Confirm"]
    assert await press(system, ADMIN, proposal, confirm) == "Only the operator who asked can confirm this."
    assert await _snapshot(system) == before

    # A role taken away between proposing and confirming: the Confirm no longer works.
    admin_card = cards[ADMIN]
    await press(system, ADMIN, admin_card, buttons(admin_card)["⛔ Ban"])
    proposal = await screen(system, ADMIN, admin_card["message_id"])
    await system.pool.execute("UPDATE operators SET role = 'analyst' WHERE telegram_id = $1", ADMIN.id)
    assert await press(system, ADMIN, proposal, buttons(proposal)["⛔ Ban"]) == (
        "🚫 Not allowed for your role (analyst).")
    assert await _snapshot(system) == before


async def test_a_stranger_in_the_staff_room_is_refused(system: System) -> None:
    await start(system, MARIA)
    before = await _snapshot(system)
    for text in ("/credits @maria_s +100", "/ban @maria_s", "/user @maria_s"):
        await system.write(builders.with_command_entity(builders.admin_group_text(STRANGER, text)))
    group = [m["text"] for m in await system.sent(system.settings.admin_group_id)]
    assert group[-3:] == ["🚫 Managing the bot needs an operator role."] * 3
    assert await _snapshot(system) == before
