"""Driving the control center as operators do: typing, pressing buttons, reading screens."""

from __future__ import annotations

from typing import Any

from core.accounts import ledger
from core.admin.roles import Role
from tests import builders
from tests.builders import Person
from tests.harness import System

ADMIN = Person(2_000_000_010, "Adam", "Admin", "adam_admin", "en")
AGENT = Person(2_000_000_011, "Alex", "Agent", "alex_agent", "en")
ANALYST = Person(2_000_000_012, "Ana", "Lyst", "ana_lyst", "en")
STRANGER = Person(2_000_000_099, "Stan", None, "stan_ger", "en")


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """A message's buttons: label → callback data."""
    return {b["text"]: b.get("callback_data", "") for row in (message["reply_markup"] or {}).get(
        "inline_keyboard", []) for b in row}


async def say(system: System, person: Person, text: str) -> dict[str, Any]:
    """``person`` types ``text`` in their chat with the bot; the bot's last message there."""
    await system.write(builders.private_text(person, text))
    return (await system.sent(person.id))[-1]


async def press(system: System, person: Person, sent: dict[str, Any], data: str) -> str | None:
    """``person`` presses a button of ``sent``; the notice the press was answered with."""
    update = builders.press(person, sent, data)
    await system.write(update)
    answers = {a.query_id: a for a in await system.model.query_answers()}
    return answers[update["callback_query"]["id"]].text


async def screen(system: System, person: Person, message_id: int) -> dict[str, Any]:
    """The message ``message_id`` of ``person``'s chat as it reads now (screens are edited in place)."""
    [found] = [m for m in await system.sent(person.id) if m["message_id"] == message_id]
    return found


async def start(system: System, *people: Person) -> None:
    await system.write(*(builders.private_text(p, "/start") for p in people))


async def make_operators(system: System, *pairs: tuple[Person, Role]) -> None:
    """Operators as an owner's ``/operator add`` would leave them (that path has its own tests)."""
    for person, role in pairs:
        await system.pool.execute(
            "INSERT INTO operators (telegram_id, role, added_by) VALUES ($1, $2, 1000001)",
            person.id, role.value)


async def user_id(system: System, person: Person) -> int:
    return int(await system.pool.fetchval("SELECT id FROM users WHERE telegram_id = $1", person.id))


async def give(system: System, person: Person, credits: int) -> None:
    """Credits through the ledger, as a purchase would (test setup)."""
    uid = await user_id(system, person)
    async with system.pool.acquire() as conn:
        await ledger.apply(conn, uid, credits, reason="purchase", key=f"test:{uid}:{credits}")


async def balance(system: System, person: Person) -> int:
    return int(await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", person.id))


async def ledger_rows(system: System, person: Person) -> list[tuple[int, str, str]]:
    """(delta, reason, idempotency key) of the user's ledger rows, oldest first."""
    rows = await system.pool.fetch(
        "SELECT l.delta, l.reason, l.idempotency_key FROM credit_ledger l JOIN users u ON u.id = l.user_id"
        " WHERE u.telegram_id = $1 ORDER BY l.id", person.id)
    return [(r["delta"], r["reason"], r["idempotency_key"]) for r in rows]


async def audit_rows(system: System) -> list[tuple[int, str, Any, Any]]:
    """(operator, action, before, after) of every audit entry, oldest first."""
    rows = await system.pool.fetch("SELECT operator_id, action, before, after FROM admin_audit ORDER BY id")
    return [(r["operator_id"], r["action"], r["before"], r["after"]) for r in rows]


async def texts_to(system: System, person: Person) -> list[str]:
    return [m["text"] or "" for m in await system.sent(person.id)]
