"""An admin group Telegram upgrades to a supergroup (turning on Topics does it) is followed
to its new id: from Telegram's service message, or from a send the old id refuses."""

from __future__ import annotations

from typing import Any

from core.sandbox.telegram import Message
from tests import builders
from tests.acceptance.conftest import assert_ledger_invariant
from tests.builders import MARIA, OPERATOR
from tests.harness import System, running_system

#: A basic group, configured as the admin group, and the supergroup it becomes.
OLD = -4_000_000_001
NEW = -1_001_000_004_001
TITLE = "Support desk (sandbox)"


def _service(message: Message) -> dict[str, Any]:
    """The update Telegram sends for a service message about the upgrade."""
    if message.chat_id == OLD:
        chat: dict[str, Any] = {"id": OLD, "title": TITLE, "type": "group"}
    else:
        chat = {"id": NEW, "title": TITLE, "type": "supergroup", "is_forum": True}
    return {"update_id": builders.next_update_id(), "message": {
        "message_id": message.message_id, "from": OPERATOR.as_user(), "chat": chat,
        "date": builders.DATE, **message.extra,
    }}


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if m["text"]]


async def _conversation_chat(system: System) -> int:
    chat_id: int = await system.pool.fetchval("SELECT admin_chat_id FROM conversations")
    return chat_id


async def test_the_upgrade_service_message_moves_the_admin_group(database_url: str) -> None:
    async with running_system(database_url, env={"ADMIN_GROUP_IDS": str(OLD)}) as system:
        await system.write(builders.private_text(MARIA, "/start"))
        assert system.settings.admin_group_ids == (OLD,)

        moved_to, moved_from = await system.model.migrate_group(OLD, NEW, by=OPERATOR.id)
        await system.write(_service(moved_to), _service(moved_from))

        assert await system.pool.fetchval(
            "SELECT new_chat_id FROM chat_migrations WHERE old_chat_id = $1", OLD) == NEW
        assert system.settings.admin_group_ids == (NEW,)

        # The next message is relayed into the new group, in a topic of its own.
        await system.write(builders.private_text(MARIA, "I need help with my order"))
        [topic] = await system.model.topics(NEW)
        in_topic = await system.model.messages(NEW, thread_id=topic.topic_id)
        assert "I need help with my order" in _texts(in_topic)
        assert await _conversation_chat(system) == NEW
        assert await system.model.topics(OLD) == []

        # Operators answer in the new group; the answer reaches the user.
        await system.write(builders.topic_message(OPERATOR, topic.topic_id, "On it, Maria!",
                                                  chat={"id": NEW, "title": TITLE, "is_forum": True,
                                                        "type": "supergroup"}))
        assert "On it, Maria!" in _texts(await system.sent(MARIA.id))

        # Nothing was tried at the old id, nothing failed.
        assert await system.pool.fetchval("SELECT count(*) FROM outbox WHERE chat_id = $1", OLD) == 0
        assert await system.pool.fetchval("SELECT count(*) FROM outbox WHERE status = 'failed'") == 0
        await assert_ledger_invariant(system.pool)


async def test_a_send_refused_by_the_upgraded_group_is_delivered_at_its_new_id(database_url: str) -> None:
    async with running_system(database_url, env={"ADMIN_GROUP_IDS": str(OLD)}) as system:
        await system.write(builders.private_text(MARIA, "/start"))
        # The group is upgraded, but the bot misses the service messages.
        await system.model.migrate_group(OLD, NEW, by=OPERATOR.id)

        await system.write(builders.private_text(MARIA, "I need help with my order"))

        [topic] = await system.model.topics(NEW)
        in_topic = await system.model.messages(NEW, thread_id=topic.topic_id)
        assert "I need help with my order" in _texts(in_topic)
        assert await system.pool.fetchval(
            "SELECT new_chat_id FROM chat_migrations WHERE old_chat_id = $1", OLD) == NEW
        assert await _conversation_chat(system) == NEW
        [relay] = await system.pool.fetch("SELECT * FROM outbox WHERE method = 'relayToTopic'")
        assert (relay["chat_id"], relay["status"]) == (NEW, "sent")

        # The next message goes straight to the new group.
        await system.write(builders.private_text(MARIA, "Order 1234"))
        assert "Order 1234" in _texts(await system.model.messages(NEW, thread_id=topic.topic_id))
        # Both relayed, both paid: the detour is not a failed relay to refund.
        refunds = await system.pool.fetchval(
            "SELECT count(*) FROM credit_ledger WHERE reason = 'relay_failed_refund'")
        assert refunds == 0, "a relay that followed the group to its new id was refunded"
        assert await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", MARIA.id) == 1
        await assert_ledger_invariant(system.pool)
