"""The relay's own outbox methods: they need the database as well as Telegram.

``relayToTopic`` copies a user's messages into their topic in one call
(creating or recreating the topic as needed) and confirms to the user;
``relayToUser`` copies an operator's reply to the user, or tells the topic why
it could not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import asyncpg
import structlog

from core import language, ledger, messages, texts, users
from core.courier import Courier
from core.database import connection
from core.errors import PermanentError, RecipientUnavailable, TelegramError, TopicGone
from core.limits import Lane
from core.topics import ensure_topic

log = structlog.get_logger(__name__)


#: The confirmation to the user is worth a short wait for the chat's slot, not more.
CONFIRMATION_MAX_WAIT = 1.0


async def _refund(pool: asyncpg.Pool, row_ids: Sequence[int]) -> None:
    """Messages that can never be relayed give their credits back."""
    async with connection(pool) as conn, conn.transaction():
        for failed in await messages.mark_failed(conn, row_ids):
            if failed.credits_charged:
                await ledger.apply(conn, failed.user_id, failed.credits_charged,
                                   reason="relay_failed_refund", key=f"refund:message:{failed.id}")


async def relay_to_topic(courier: Courier, p: Mapping[str, Any]) -> dict[str, Any]:
    pool, gateway = courier.pool, courier.gateway
    row_ids: list[int] = list(p["message_row_ids"])
    try:
        conv = await ensure_topic(pool, gateway, p["conversation_id"])
        assert conv.topic_id is not None
        try:
            sent = await gateway.copy_messages(
                conv.admin_chat_id, p["user_chat_id"], p["message_ids"], thread_id=conv.topic_id
            )
        except TopicGone:
            conv = await ensure_topic(pool, gateway, p["conversation_id"], gone=True)
            assert conv.topic_id is not None
            sent = await gateway.copy_messages(
                conv.admin_chat_id, p["user_chat_id"], p["message_ids"], thread_id=conv.topic_id
            )
    except PermanentError:
        await _refund(pool, row_ids)
        raise
    async with connection(pool) as conn:
        await messages.relayed_to_topic(
            conn, row_ids[: len(sent)], conv.admin_chat_id, [s.message_id for s in sent]
        )
        balance = await ledger.balance_of(conn, p["user_chat_id"])
        lang = await language.of_telegram_id(conn, p["user_chat_id"])
    if await courier.limiter.take_within(p["user_chat_id"], Lane.NORMAL, CONFIRMATION_MAX_WAIT):
        log.info("confirmation skipped: the user's chat is at its limit")
        return {"message_ids": [s.message_id for s in sent], "topic_id": conv.topic_id}
    try:
        confirm = texts.held_released if p.get("were_held") else texts.delivered
        await gateway.send_message(
            p["user_chat_id"],
            confirm(len(sent), balance.credits, pass_active=balance.pass_active, lang=lang),
            parse_mode=texts.PARSE_MODE,
        )
    except TelegramError as exc:
        # The relay itself succeeded; a lost confirmation must not resend it.
        log.warning("confirmation not sent", error=str(exc))
    return {"message_ids": [s.message_id for s in sent], "topic_id": conv.topic_id}


async def relay_to_user(courier: Courier, p: Mapping[str, Any]) -> dict[str, Any]:
    pool, gateway = courier.pool, courier.gateway
    row_ids: list[int] = list(p["message_row_ids"])
    try:
        sent = await gateway.copy_messages(p["chat_id"], p["admin_chat_id"], p["admin_message_ids"])
    except RecipientUnavailable as exc:
        async with connection(pool) as conn, conn.transaction():
            await users.set_blocked_bot(conn, p["chat_id"], True)
            await messages.mark_failed(conn, row_ids)
        await gateway.send_message(
            p["admin_chat_id"], texts.not_delivered_notice("the user blocked the bot or left Telegram"),
            thread_id=p.get("topic_id"), parse_mode=texts.PARSE_MODE,
            reply_to_message_id=p["admin_message_ids"][-1],
        )
        raise RecipientUnavailable(f"not delivered, operators told: {exc}") from exc
    async with connection(pool) as conn:
        await messages.relayed_to_user(conn, row_ids[: len(sent)], [s.message_id for s in sent])
    return {"message_ids": [s.message_id for s in sent]}


METHODS: dict[str, Callable[[Courier, Mapping[str, Any]], Awaitable[dict[str, Any]]]] = {
    "relayToTopic": relay_to_topic,
    "relayToUser": relay_to_user,
}
