"""Delivery within Telegram's limits and through its errors (fake Telegram faults)."""

from __future__ import annotations

from typing import Any

import pytest

from core.jobs.processed import Source
from core.platform.config import SANDBOX_ADMIN_GROUP_ID as ADMIN
from tests import builders
from tests.builders import MARIA, Person
from tests.harness import System
from workers.runtime import apply_once

ANA = Person(555000111, "Ana", None, "ana_vip", "en")


@pytest.fixture
def system(system_with_telegram_limits: System) -> System:
    """These tests are about Telegram's limits: hold the system to the real ones."""
    return system_with_telegram_limits


async def _outbox(system: System) -> list[Any]:
    return await system.pool.fetch("SELECT * FROM outbox ORDER BY id")


async def test_flood_wait_reschedules_the_chat_and_loses_nothing(system: System) -> None:
    await system.model.inject_fault("FLOOD_WAIT", value=2, chat_id=MARIA.id,
                                    method="messages.SendMessage")
    await system.write(builders.private_text(MARIA, "/start"), scheduled=False)

    [row] = await _outbox(system)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "FloodWait" in row["last_error"]
    blocked = await system.pool.fetchval(
        "SELECT blocked_until > now() FROM send_budgets WHERE key = $1", f"chat:{MARIA.id}")
    assert blocked
    assert await system.sent(MARIA.id) == []

    await system.drain_scheduled(within=5)
    [welcome] = await system.sent(MARIA.id)
    assert welcome["text"].startswith("Boas-vindas")
    assert (await _outbox(system))[0]["status"] == "sent"


async def test_transient_errors_are_retried_with_backoff(system: System) -> None:
    await system.model.inject_fault("INTERNAL", chat_id=MARIA.id, method="messages.SendMessage")
    await system.write(builders.private_text(MARIA, "/start"), scheduled=False)
    assert (await _outbox(system))[0]["status"] == "pending"
    await system.drain_scheduled(within=5)
    assert len(await system.sent(MARIA.id)) == 1
    assert (await _outbox(system))[0]["status"] == "sent"


async def _notify(system: System, key: str, text: str) -> None:
    """Something the bot says on its own (not an answer to the user)."""
    async def effects(tx: Any) -> None:
        await tx.send("sendMessage", MARIA.id, text=text)

    assert system.container is not None
    await apply_once(system.container, Source.INTERNAL, key, effects)


async def test_a_user_who_blocked_the_bot_is_not_sent_to_until_they_write(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), scheduled=False)
    await system.model.set_blocked(MARIA.id)
    await _notify(system, "n1", "first notice")
    rows = await _outbox(system)
    assert rows[-1]["status"] == "failed"
    assert "RecipientUnavailable" in rows[-1]["last_error"]
    assert await system.pool.fetchval("SELECT blocked_bot_at IS NOT NULL FROM users")
    _, health = await system.get("/health")
    assert health["outbox"]["failed"] == 1

    # Marked: the next send is refused without asking Telegram.
    calls = len(system.container.gateway._client.calls)  # type: ignore[union-attr]
    await _notify(system, "n2", "second notice")
    assert (await _outbox(system))[-1]["status"] == "failed"
    assert len(system.container.gateway._client.calls) == calls  # type: ignore[union-attr]

    # Writing to the bot means they unblocked it.
    await system.write(builders.private_text(MARIA, "/help"), scheduled=False)
    assert (await _outbox(system))[-1]["status"] == "sent"
    assert not await system.pool.fetchval("SELECT blocked_bot_at IS NOT NULL FROM users")
    assert [m["text"] for m in await system.sent(MARIA.id)][-1].startswith("Como funciona")


async def test_higher_tiers_go_first_when_the_group_budget_is_short(system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(ANA, "/start"),
                       scheduled=False)
    await system.pool.execute("UPDATE users SET tier = 'vip' WHERE telegram_id = $1", ANA.id)
    # The admin group has used its allowance for now.
    await system.pool.execute(
        "INSERT INTO send_budgets (key, rate, burst, tokens) VALUES ($1, 1000, 3, -1000)",
        f"group:{ADMIN}")

    await system.write(builders.private_text(MARIA, "first, free"),
                 builders.private_text(ANA, "second, vip"), scheduled=False)
    relays = [r for r in await _outbox(system) if r["method"] == "relayToTopic"]
    assert [r["status"] for r in relays] == ["pending", "pending"]
    assert {r["params"]["user_chat_id"]: r["priority"] for r in relays} == {MARIA.id: 0, ANA.id: 20}

    # Slots free up one at a time: the VIP's message goes first although it came second.
    await system.pool.execute(
        "UPDATE send_budgets SET tokens = 2, updated_at = clock_timestamp() WHERE key = $1",
        f"group:{ADMIN}")
    await system.pool.execute("UPDATE outbox SET not_before = now() WHERE status = 'pending'")
    await system.pool.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
    await system.drain_scheduled(within=20)
    sent_at = {r["params"]["user_chat_id"]: r["sent_at"]
               for r in await _outbox(system) if r["method"] == "relayToTopic"}
    assert sent_at[ANA.id] < sent_at[MARIA.id]
