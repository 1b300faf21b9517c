"""Each user's forum topic in the admin group: created on the first relayed
message (never on a bare /start), reopened or recreated when operators closed
or deleted it."""

from __future__ import annotations

import asyncpg
import structlog

from core.accounts import users
from core.platform.database import connection
from core.platform.errors import TopicGone, TopicRecreating
from core.relay import conversations, texts
from core.relay.conversations import Conversation, Status
from core.telegram.gateway import TelegramGateway

log = structlog.get_logger(__name__)


async def _create(
    conn: asyncpg.Connection, gateway: TelegramGateway, conv: Conversation
) -> Conversation:
    user = await users.get(conn, conv.user_id)
    assert user is not None
    name = texts.topic_name(user.first_name, user.last_name, user.username, user.telegram_id)
    topic_id = await gateway.create_forum_topic(conv.admin_chat_id, name)
    conv = await conversations.set_topic(conn, conv.id, topic_id)
    summary = texts.customer_summary(
        name=user.display_name, username=user.username, telegram_id=user.telegram_id,
        credits=user.credits, tier=user.tier, member_since=f"{user.created_at:%Y-%m-%d}",
        language=user.language_code,
        pass_until=f"{user.pass_expires_at:%Y-%m-%d %H:%M} UTC" if user.pass_expires_at else None,
    )
    card = await gateway.send_message(
        conv.admin_chat_id, summary, thread_id=topic_id, parse_mode=texts.PARSE_MODE
    )
    # The desk edits this card when something material changes (core.desk).
    await conversations.set_card(conn, conv.id, card.message_id)
    log.info("topic created", conversation_id=conv.id, topic_id=topic_id)
    return conv


async def ensure_topic(pool: asyncpg.Pool, gateway: TelegramGateway, conversation_id: int) -> Conversation:
    """The conversation with a usable topic: created when it has none, reopened when closed.

    The conversation row stays locked while Telegram is asked, so two
    deliveries for one user never create two topics. A topic found deleted is
    forgotten and :class:`TopicRecreating` raised: the delivery is retried,
    and the retry reserves the slots of the new topic and its summary.
    """
    async with connection(pool) as conn, conn.transaction():
        conv = await conversations.lock(conn, conversation_id)
        if conv.topic_id is None:
            return await _create(conn, gateway, conv)
        if conv.status is Status.CLOSED:
            try:
                await gateway.reopen_forum_topic(conv.admin_chat_id, conv.topic_id)
            except TopicGone:
                await conversations.forget_topic(conn, conv.id)
                raise TopicRecreating() from None
            await conversations.set_status(conn, conv.id, Status.WAITING_OPERATOR)
        return conv


async def forget(pool: asyncpg.Pool, conversation_id: int) -> None:
    """The conversation's topic was deleted: its next relay creates a new one."""
    async with connection(pool) as conn:
        await conversations.forget_topic(conn, conversation_id)
