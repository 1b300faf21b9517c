"""The relay's own outbox methods: they need the database as well as Telegram.

``relayToTopic`` copies a user's messages into their topic in one call
(creating or recreating the topic as needed) and confirms to the user;
``relayToUser`` copies an operator's reply to the user, or tells the topic why
it could not. The wiring registers :data:`METHODS` with the delivery
(:mod:`core.delivery.methods`); their slots are worked out in :mod:`core.relay.slots`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import structlog

from core import i18n
from core.accounts import ledger, users
from core.delivery.budgets import Lane
from core.delivery.methods import Again, Delivered, Means, Outcome, Reservation
from core.delivery.outbox import OutboxRow
from core.platform.database import connection
from core.platform.errors import (
    ChatMigrated,
    PermanentError,
    RecipientUnavailable,
    TelegramError,
    TopicGone,
    TopicRecreating,
)
from core.platform.sql import q
from core.relay import low_credit, messages, slots, texts
from core.relay.slots import Hints, TopicState
from core.relay.topics import ensure_topic
from core.relay.topics import forget as forget_topic
from core.telegram.gateway import Sent

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


async def _not_yet_relayed(
    pool: asyncpg.Pool, p: Mapping[str, Any], ids_key: str, hints: Hints
) -> tuple[list[int], list[int]]:
    """The row's (message row ids, ids to copy) still to relay, in order.

    Telegram has no idempotency key, so a copy made just before a worker died
    would go out twice; each copy is recorded right after Telegram answers, so
    a retried row skips what its earlier try recorded.
    """
    row_ids, ids = list(p["message_row_ids"]), list(p[ids_key])
    if not hints.retried:
        return row_ids, ids
    async with connection(pool) as conn:
        done = set(await conn.fetchval(q("methods_messages_relayed_among"), row_ids))
    kept = [(r, i) for r, i in zip(row_ids, ids, strict=True) if r not in done]
    return [r for r, _ in kept], [i for _, i in kept]


async def _runs(pool: asyncpg.Pool, rows: list[int], ids: list[int], admin_chat_id: int, *, replies: bool
                ) -> list[tuple[list[int], int | None]]:
    """The user's messages in runs answering the same topic message (None: none):
    one copy call per run, so a user's reply shows as a reply in the topic.
    ``replies``: whether any of them answers a message (a row recorded before the
    relay said so counts as yes); without, there is nothing to look up."""
    if not replies:
        return [(ids, None)]
    async with connection(pool) as conn:
        targets = await messages.topic_replies(conn, rows, admin_chat_id)
    runs: list[tuple[list[int], int | None]] = []
    for row_id, message_id in zip(rows, ids, strict=True):
        target = targets.get(row_id)
        if runs and runs[-1][1] == target:
            runs[-1][0].append(message_id)
        else:
            runs.append(([message_id], target))
    return runs


async def _copy_into_topic(
    courier: Means, p: Mapping[str, Any], ids: list[int], hints: Hints, rows: list[int]
) -> tuple[int, int, list[Sent]]:
    """Copy the user's messages ``ids`` into their topic: (admin chat, topic, copies)."""
    pool, gateway = courier.pool, courier.gateway
    if hints.topic_id is not None:
        admin_chat_id, topic_id = int(p["chat_id"]), hints.topic_id
    else:
        conv = await ensure_topic(pool, gateway, p["conversation_id"])
        assert conv.topic_id is not None
        admin_chat_id, topic_id = conv.admin_chat_id, conv.topic_id
        if hints.copy_after > 0:
            await asyncio.sleep(hints.copy_after)
    try:
        sent = []
        for run, reply_to in await _runs(pool, rows, ids, admin_chat_id, replies=p.get("replies", True)):
            sent += await gateway.copy_messages(admin_chat_id, p["user_chat_id"], run, thread_id=topic_id,
                                                reply_to_message_id=reply_to)
    except TopicGone:
        # Operators deleted the topic: the retry creates a new one, in slots of its own.
        await forget_topic(pool, p["conversation_id"])
        raise TopicRecreating() from None
    return admin_chat_id, topic_id, sent


async def relay_to_topic(courier: Means, p: Mapping[str, Any], hints: Hints) -> dict[str, Any]:
    pool, gateway = courier.pool, courier.gateway
    if hints.topic_only:
        await ensure_topic(pool, gateway, p["conversation_id"])
        return {"topic_ready": True}
    row_ids, ids = await _not_yet_relayed(pool, p, "message_ids", hints)
    if not ids:
        log.info("relay skipped: an earlier try relayed every message")
        return {"message_ids": [], "resumed": True}
    try:
        admin_chat_id, topic_id, sent = await _copy_into_topic(courier, p, ids, hints, row_ids)
    except ChatMigrated:
        raise  # delivered at the group's new id: nothing to give back
    except PermanentError:
        await _refund(pool, row_ids)
        raise
    async with connection(pool) as conn:
        row = await conn.fetchrow(q("methods_relay_recorded"), row_ids[: len(sent)], admin_chat_id,
                                  [s.message_id for s in sent], p["user_chat_id"])
    assert row is not None
    balance = ledger.Balance(row["credits"], None, row["pass_active"])
    lang = i18n.negotiate(row["language"], row["language_code"])
    result = {"message_ids": [s.message_id for s in sent], "topic_id": topic_id}
    if not hints.confirmation_reserved and await courier.limiter.take_within(
        p["user_chat_id"], Lane.NORMAL, CONFIRMATION_MAX_WAIT
    ):
        log.info("confirmation skipped: the user's chat is at its limit")
        return result
    if hints.confirmation_reserved and hints.confirmation_after > 0:
        await asyncio.sleep(hints.confirmation_after)
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
    else:
        await _warn_low_credit(courier, p, balance, lang, reserved=hints.confirmation_reserved)
    return result


async def _warn_low_credit(courier: Means, p: Mapping[str, Any], balance: ledger.Balance,
                           lang: str, *, reserved: bool) -> None:
    """The low-credit warning that rode on this relay (core.relay.low_credit), after its confirmation."""
    below = p.get("low_credit_below")
    if below is None or balance.pass_active or balance.credits >= below:
        return
    if not reserved and await courier.limiter.take_within(
        p["user_chat_id"], Lane.NORMAL, CONFIRMATION_MAX_WAIT
    ):
        log.info("low-credit warning skipped: the user's chat is at its limit")
        return
    try:
        await courier.gateway.send_message(
            p["user_chat_id"], low_credit.warning_text(balance.credits, lang),
            parse_mode=texts.PARSE_MODE, reply_markup=low_credit.warning_markup(lang))
    except TelegramError as exc:
        log.warning("low-credit warning not sent", error=str(exc))


async def relay_to_user(courier: Means, p: Mapping[str, Any], hints: Hints) -> dict[str, Any]:
    pool, gateway = courier.pool, courier.gateway
    row_ids, ids = await _not_yet_relayed(pool, p, "admin_message_ids", hints)
    if not ids:
        log.info("reply skipped: an earlier try delivered it")
        return {"message_ids": [], "resumed": True}
    try:
        if p.get("signed_html"):
            sent = [await gateway.send_message(p["chat_id"], p["signed_html"], parse_mode=texts.PARSE_MODE,
                                               reply_to_message_id=p.get("reply_to_message_id"))]
        else:
            sent = await gateway.copy_messages(p["chat_id"], p["admin_chat_id"], ids,
                                               reply_to_message_id=p.get("reply_to_message_id"))
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


class RelayToTopic:
    """A user's messages into their topic, the topic made ready first when needed."""

    name = "relayToTopic"
    required = frozenset({"chat_id", "conversation_id", "user_chat_id", "message_ids", "message_row_ids"})
    reaches_blocked = True  # sent into the admin group

    async def prepare(self, conn: asyncpg.Connection, rows: Sequence[OutboxRow]) -> list[TopicState]:
        ids = [int(row.params["conversation_id"]) for row in rows]
        found = {r["id"]: TopicState(r["topic_id"], r["status"] == "closed")
                 for r in await conn.fetch(q("methods_topics"), ids)}
        return [found.get(i, TopicState()) for i in ids]

    def reservations(self, row: OutboxRow, state: TopicState) -> list[Reservation]:
        return slots.to_topic_reservations(row, state)

    def order_of(self, row: OutboxRow) -> int:
        # The confirmation goes to the user: it keeps their chat's order.
        return int(row.params["user_chat_id"])

    async def perform(
        self, means: Means, row: OutboxRow, state: TopicState, granted: Sequence[float]
    ) -> Outcome:
        hints = slots.to_topic_hints(row, state, granted)
        result = await relay_to_topic(means, row.params, hints)
        # The topic now, the copies when their slots come: the row goes back until then.
        return Again(hints.copies_wait) if hints.topic_only else Delivered(result)


class RelayToUser:
    """An operator's reply copied to the user; the topic is told when it cannot be."""

    name = "relayToUser"
    required = frozenset({"chat_id", "admin_chat_id", "admin_message_ids", "message_row_ids"})
    reaches_blocked = True  # the operators are told the user blocked the bot

    async def prepare(self, conn: asyncpg.Connection, rows: Sequence[OutboxRow]) -> list[None]:
        return [None] * len(rows)

    def reservations(self, row: OutboxRow, state: None) -> list[Reservation]:
        return slots.to_user_reservations(row)

    def order_of(self, row: OutboxRow) -> int:
        return row.chat_id

    async def perform(self, means: Means, row: OutboxRow, state: None, granted: Sequence[float]) -> Outcome:
        return Delivered(await relay_to_user(means, row.params, Hints(retried=row.attempts > 1)))


#: The relay's outbox methods, for the wiring to register.
METHODS = (RelayToTopic(), RelayToUser())
