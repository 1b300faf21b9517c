"""Outcomes of auto-recharge charges, from the job that charged or from Stripe's events.

The job learns the outcome from Stripe's answer, and Stripe also sends
``payment_intent.succeeded`` / ``payment_failed``; whichever comes first
settles the pending transaction under its row lock, the other finds it
settled and changes nothing. The grant's key is the payment intent's id.
"""

from __future__ import annotations

from core.accounts import language, users
from core.billing import auto_recharge, texts, transactions
from core.billing.grants import Notice, grant
from core.billing.transactions import Status, Transaction
from core.delivery.effects import Effects


async def charged(
    tx: Effects, t: Transaction, *, payment_intent: str, charge: str | None, admin_chat_id: int,
) -> None:
    t = await transactions.lock_with_user(tx.conn, t)
    if t.status not in (Status.PENDING, Status.SUCCEEDED):
        return
    t = await transactions.link(tx.conn, t.id, external_id=payment_intent, payment_intent=payment_intent,
                                charge=charge)
    await grant(tx, t, key=f"stripe:{payment_intent}", admin_chat_id=admin_chat_id,
                notice=Notice.AUTO_RECHARGE)


async def failed(tx: Effects, t: Transaction, reason: str, *, payment_intent: str | None) -> None:
    """The charge did not go through: auto-recharge turns off and the user is told why."""
    t = await transactions.lock_with_user(tx.conn, t)
    user_id = t.user_id
    if t.status is not Status.PENDING or user_id is None:
        return
    if payment_intent is not None:
        t = await transactions.link(tx.conn, t.id, external_id=payment_intent, payment_intent=payment_intent)
    await transactions.set_status(tx.conn, t.id, Status.FAILED, failure=reason)
    await auto_recharge.turn_off(tx.conn, user_id)
    user = await users.get(tx.conn, user_id)
    assert user is not None
    lang = await language.of_telegram_id(tx.conn, user.telegram_id)
    await tx.send("sendMessage", user.telegram_id, text=texts.auto_recharge_failed(reason, lang=lang),
                  parse_mode=texts.PARSE_MODE)


async def canceled(tx: Effects, t: Transaction) -> None:
    """The user turned auto-recharge off before the charge was made: nothing is charged."""
    t = await transactions.lock_with_user(tx.conn, t)
    if t.status is Status.PENDING:
        await transactions.set_status(tx.conn, t.id, Status.CANCELED, failure="auto-recharge turned off")
