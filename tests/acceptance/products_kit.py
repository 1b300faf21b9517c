"""Helpers of the Products and Billing acceptance tests: typing, pressing, paying."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from core.sandbox.stripe import FakeStripe
from tests import builders
from tests.builders import Person
from tests.harness import System

#: Maria and Bob with English Telegram clients: the texts checked are English.
MARIA = dataclasses.replace(builders.MARIA, language_code="en")
BOB = Person(555000111, "Bob", "Brown", "bob_b", "en")
AGENT = Person(2_000_000_001, "Alex", "Agent", "alex_agent", "en")
ANALYST = Person(2_000_000_002, "Ana", "Lyst", "ana_lyst", "en")


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Label → callback data (or the copied text / URL) of a message's buttons."""
    found = {}
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            copied = (b.get("copy_text") or {}).get("text")
            found[b["text"]] = b.get("callback_data") or copied or b.get("url", "")
    return found


def fake(system: System) -> FakeStripe:
    assert system.fake_stripe is not None
    return system.fake_stripe


async def last(system: System, person: Person) -> dict[str, Any]:
    return (await system.sent(person.id))[-1]


async def say(system: System, person: Person, text: str) -> dict[str, Any]:
    """``person`` types ``text`` to the bot; the bot's last message in that chat."""
    await system.write(builders.private_text(person, text))
    return await last(system, person)


async def texts(system: System, person: Person) -> list[str]:
    return [m["text"] or "" for m in await system.sent(person.id)]


async def press(system: System, person: Person, sent: dict[str, Any], data: str) -> str | None:
    """``person`` presses a button of ``sent``; the notice the press was answered with."""
    update = builders.press(person, sent, data)
    await system.write(update)
    answers = {a.query_id: a for a in await system.model.query_answers()}
    return answers[update["callback_query"]["id"]].text


async def screen(system: System, person: Person, sent: dict[str, Any]) -> dict[str, Any]:
    """The message ``sent`` as it reads now (screens are edited in place)."""
    return next(m for m in await system.sent(person.id) if m["message_id"] == sent["message_id"])


async def user(system: System, person: Person = MARIA) -> Any:
    return await system.pool.fetchrow("SELECT * FROM users WHERE telegram_id = $1", person.id)


async def started(system: System, *people: Person) -> None:
    for person in people:
        await system.write(builders.private_text(person, "/start"))


async def transaction(system: System, transaction_id: int | None = None) -> Any:
    if transaction_id is None:
        return await system.pool.fetchrow("SELECT * FROM transactions ORDER BY id DESC LIMIT 1")
    return await system.pool.fetchrow("SELECT * FROM transactions WHERE id = $1", transaction_id)


async def open_checkout(system: System, person: Person, data: str) -> Any:
    """Press a card-payment button; the purchase once its Checkout link was sent."""
    await system.write(builders.callback(person, data))
    t = await transaction(system)
    assert (t["status"], t["rail"]) == ("pending", "stripe"), dict(t)
    assert str(t["external_id"]).startswith("cs_test_")
    return t


async def pay_checkout(system: System, session_id: str) -> None:
    await fake(system).complete_session(session_id)
    await system.drain_scheduled()


async def session_price(system: System, session_id: str) -> str | None:
    """The Stripe Price a Checkout session's line names (None: a price given inline)."""
    hidden = await system.pool.fetchval("SELECT hidden FROM fake_stripe_objects WHERE id = $1", session_id)
    return hidden["lines"][0]["price"]  # type: ignore[no-any-return]


async def pay_invoice(system: System, person: Person) -> dict[str, Any]:
    """Pay the newest Stars invoice in ``person``'s chat as Telegram would (the sandbox's pay-invoice)."""
    invoice = next(m for m in reversed(await system.sent(person.id)) if m["kind"] == "invoice")

    async def pay() -> dict[str, Any]:
        async with system.http.post(f"{system.base_url}/sandbox/pay-invoice",
                                    json={"chat_id": person.id, "message_id": invoice["message_id"]}) as r:
            assert r.status == 200
            body: dict[str, Any] = await r.json()
            return body

    paying = asyncio.create_task(pay())
    while not paying.done():  # Telegram waits for the bot's pre-checkout answer: keep the workers going
        await system.drain()
        await asyncio.sleep(0.05)
    await system.drain_scheduled()
    return paying.result()


async def ledger(system: System) -> list[tuple[str, int]]:
    rows = await system.pool.fetch("SELECT reason, delta FROM credit_ledger ORDER BY id")
    return [(r["reason"], r["delta"]) for r in rows]


async def product(system: System, code: str) -> Any:
    return await system.pool.fetchrow("SELECT * FROM products WHERE code = $1", code)


async def audit(system: System) -> list[tuple[str, str | None, Any, Any]]:
    rows = await system.pool.fetch("SELECT action, target, before, after FROM admin_audit ORDER BY id")
    return [(r["action"], r["target"], r["before"], r["after"]) for r in rows]
