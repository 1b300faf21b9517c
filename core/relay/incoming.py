"""The paid relay, user side: charge and relay a message as one decision.

A user's message is stored as held first; then held messages are released in
the order written while the balance (or an active pass) allows, each with its
ledger row, and queued for the user's topic. Whatever is left stays held until
a grant releases it, so no message is lost and none is charged twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.accounts import language, ledger, users
from core.accounts.events import BalanceDebited, CreditsArrived, CreditsShort
from core.accounts.users import User
from core.delivery.effects import Effects
from core.platform import bot_settings
from core.platform.bot_settings import BotSettings
from core.platform.sql import q
from core.relay import conversations, guard, low_credit, messages, texts
from core.telegram.updates import message_kind, text_of

#: How long the relay of an album waits for its other parts, to send them as one album.
ALBUM_WAIT_SECONDS = 1.0


@dataclass(frozen=True)
class Released:
    count: int
    still_held: int
    balance: int
    pass_active: bool


@dataclass(frozen=True)
class Charge:
    message: messages.Held
    #: Credits it costs: 0 on an active pass.
    cost: int


def plan_release(held: Sequence[messages.Held], credits: int, cost: int, pass_active: bool) -> list[Charge]:
    """Which held messages go now, oldest first, and what each costs.

    On an active pass all go, free. Otherwise each costs ``cost`` and they go
    while the balance pays for them; the first the balance cannot pay for stops
    the rest, so a user's messages are never relayed out of order.
    """
    if pass_active or cost <= 0:
        return [Charge(m, 0) for m in held]
    affordable = max(credits, 0) // cost
    return [Charge(m, cost) for m in held[:affordable]]


async def _queue_relay(
    tx: Effects, conv: conversations.Conversation, user: User, charged: Sequence[Charge],
    *, were_held: bool,
) -> int:
    """Queue the relay of the ``charged`` messages (joining one still waiting), each
    marked queued with its cost and the conversation told; return its outbox row."""
    held = [c.message for c in charged]
    ids = [h.user_message_id for h in held]
    row_ids = [h.id for h in held]
    # Whether the relay must look up the topic copies these answer (core.relay.methods).
    replies = any(h.reply_to_message_id is not None for h in held)
    found = await tx.conn.fetchrow(
        q("incoming_outbox_relay_append"), conv.admin_chat_id, conv.id, ids, row_ids, replies, user.tier,
        row_ids, [c.cost for c in charged],
    )
    assert found is not None
    if found["appended"] is not None:
        return int(found["appended"])
    delay = ALBUM_WAIT_SECONDS if any(h.media_group_id for h in held) else 0.0
    # When the admin group's budget is short, higher tiers are relayed first.
    priority = int(found["priority"])
    return await tx.send(
        "relayToTopic", conv.admin_chat_id, delay=delay, priority=priority, conversation_id=conv.id,
        user_chat_id=user.telegram_id, message_ids=ids, message_row_ids=row_ids, were_held=were_held,
        replies=replies,
    )


async def release_held(
    tx: Effects, cfg: BotSettings, user: User, conv: conversations.Conversation,
    *, after_grant: bool = False, locked: ledger.Balance | None = None,
    held: Sequence[messages.Held] | None = None,
) -> Released:
    """Charge and queue held messages in order while the balance allows.

    ``locked`` is the balance when the caller holds the user's row locked
    already (it upserted it in this transaction): no need to read it again.
    ``held``: the held messages, when the caller read them (locked) already.
    """
    balance = locked or await ledger.lock_balance(tx.conn, user.id)
    if held is None:
        held = await messages.held(tx.conn, user.id)
    credits = balance.credits
    released: list[Charge] = []
    for charge in plan_release(held, balance.credits, cfg.message_cost, balance.pass_active):
        if charge.cost:
            change = await ledger.apply(
                tx.conn, user.id, -charge.cost, reason="message", key=f"message:{charge.message.id}"
            )
            if change.outcome is not ledger.Outcome.APPLIED:
                break  # charged before (it cannot be held then) or short: it stays held
            assert change.balance is not None
            credits = change.balance
        released.append(charge)
    if released:
        relay_row = await _queue_relay(tx, conv, user, released, were_held=after_grant)
        if credits < balance.credits:
            await low_credit.after_debit(tx, cfg, user.id, credits, None, before=balance.credits,
                                         relay_row=relay_row)
            await tx.publish(BalanceDebited(user.id, credits, user.auto_recharge_enabled))
    return Released(len(released), len(held) - len(released), credits, balance.pass_active)


async def on_user_message(
    tx: Effects,
    cfg: BotSettings,
    admin_groups: Sequence[int],
    user: User,
    message: Mapping[str, Any],
    update_id: int,
) -> None:
    chat_id = user.telegram_id
    if user.is_banned:
        if await users.mark_ban_notified(tx.conn, user.id):
            lang = await language.of_telegram_id(tx.conn, chat_id)
            await tx.send("sendMessage", chat_id, text=texts.banned(lang=lang), parse_mode=texts.PARSE_MODE)
        return
    kind = message_kind(message)
    if kind is None:
        return
    if kind in ("poll", "story"):
        lang = await language.of_telegram_id(tx.conn, chat_id)
        await tx.send("sendMessage", chat_id, text=texts.unsupported_message(lang=lang),
                      parse_mode=texts.PARSE_MODE, reply_to_message_id=message["message_id"])
        return
    refusal = await guard.admit(tx.conn, cfg, user.id)
    if refusal is not None:
        # Neither stored, charged nor relayed: a flood costs no rows but the guard's own.
        if refusal.notify:
            lang = await language.of_telegram_id(tx.conn, chat_id)
            text = (texts.too_fast(refusal.wait_seconds, lang=lang)
                    if refusal.reason is guard.Refused.TOO_FAST
                    else texts.held_full(cfg.max_held_messages, lang=lang))
            await tx.send("sendMessage", chat_id, text=text, parse_mode=texts.PARSE_MODE)
        return
    conv = await conversations.ensure(
        tx.conn, user.id, conversations.admin_group_for(user.telegram_id, admin_groups)
    )
    replied = message.get("reply_to_message")
    held = await messages.add_incoming(tx.conn, messages.Incoming(
        user_id=user.id, conversation_id=conv.id, update_id=update_id,
        user_message_id=message["message_id"], media_group_id=message.get("media_group_id"),
        kind=kind, text=text_of(message),
        reply_to_message_id=(replied["message_id"] if isinstance(replied, Mapping)
                             and isinstance(replied.get("message_id"), int) else None),
    ))
    if held is None:
        return  # the same message came in another update; it is handled already
    # users.upsert_from locked the user's row in this transaction: its balance is current.
    pass_active = user.pass_expires_at is not None and user.pass_expires_at > datetime.now(UTC)
    released = await release_held(tx, cfg, user, conv, held=held,
                                  locked=ledger.Balance(user.credits, user.pass_expires_at, pass_active))
    if released.still_held == 1 and released.count == 0:
        # The first message held: say why, once, rather than after every message
        # (billing, subscribed, says it with an offer of packs).
        await tx.publish(CreditsShort(user.id, chat_id, released.balance, cfg.message_cost))


async def after_grant(tx: Effects, cfg: BotSettings, user: User) -> Released | None:
    """Release held messages after credits or a pass were granted.

    The user is told with the relay's confirmation, which then names the
    messages as the saved ones.
    """
    conv = await conversations.of_user(tx.conn, user.id)
    if conv is None:
        return None
    return await release_held(tx, cfg, user, conv, after_grant=True)


async def on_credits_arrived(tx: Effects, event: CreditsArrived) -> None:
    """Credits arrived (core.accounts.events): held messages go through, unless the user is banned."""
    user = await users.get(tx.conn, event.user_id)
    if user is None or user.is_banned:
        return
    await after_grant(tx, await bot_settings.load(tx.conn), user)
