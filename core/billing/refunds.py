"""Refunds and disputes: taking back what a refunded payment bought, never below zero.

Stripe reports a charge's *cumulative* refunded amount. The transaction keeps
the highest figure seen, so duplicate and out-of-order ``charge.refunded``
events converge on one state; what that figure takes back is computed from
it (``revoke_target``) and only the difference to what was taken already is
applied. A refund reported before its payment completed is kept on the
pending transaction and settled right after the grant, in the same database
transaction. Credits already spent cannot be taken: the balance goes to zero
and the rest is recorded as the transaction's ``refund_shortfall`` and shown
to operators. A refunded pass loses its share of the time that payment added
(all of it for a full refund), never ending before now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.accounts import language, ledger, users
from core.billing import event_log, passes, texts, transactions
from core.billing.event_log import Handled
from core.billing.transactions import Status, Transaction
from core.delivery.effects import Effects
from core.platform.sql import q


def revoke_target(credits: int, amount: int, amount_refunded: int) -> int:
    """Credits a cumulative refund takes back: all of them for a full refund, pro rata below."""
    if amount_refunded <= 0 or credits <= 0:
        return 0
    if amount <= 0 or amount_refunded >= amount:
        return credits
    return credits * amount_refunded // amount


def status_after_refund(t: Transaction) -> Status:
    if t.amount_refunded >= t.amount:
        return Status.REFUNDED
    if t.status is Status.DISPUTED:
        return Status.DISPUTED
    return Status.PARTIALLY_REFUNDED


async def settle(tx: Effects, t: Transaction, *, admin_chat_id: int) -> None:
    """Apply the refund recorded on a paid transaction, as far as it was not applied yet.

    The caller holds the user's row (``ledger.lock_balance``) and the transaction's.
    """
    if not t.paid or t.amount_refunded <= 0 or t.user_id is None:
        return
    user = await users.get(tx.conn, t.user_id)
    assert user is not None
    lang = await language.of_telegram_id(tx.conn, user.telegram_id)
    status = status_after_refund(t)
    refunded = t.amount_refunded
    if t.grants_pass:
        granted, taken_back = await passes.granted_seconds(tx.conn, t.id)
        target = revoke_target(granted, t.amount, refunded)
        if t.status is not status:
            await transactions.set_status(tx.conn, t.id, status)
        if target > taken_back:
            # Time already used cannot be taken back: the pass ends now at the earliest.
            change = await passes.shorten(tx.conn, t.user_id, seconds=target - taken_back, reason="refund",
                                          key=f"refund:{t.id}:{target}", transaction_id=t.id)
            if change.applied:
                await tx.send("sendMessage", user.telegram_id, parse_mode=texts.PARSE_MODE,
                              text=texts.refunded_pass(refunded, t.currency, change.expires_at,
                                                               lang=lang))
        return
    target = revoke_target(t.credits, t.amount, refunded)
    due = target - t.credits_revoked
    if due <= 0:
        if t.status is not status:
            await transactions.set_status(tx.conn, t.id, status)
        return
    balance = (await ledger.lock_balance(tx.conn, t.user_id)).credits
    take = min(balance, due)
    if take > 0:
        taken = await ledger.apply(tx.conn, t.user_id, -take, reason="refund",
                                   key=f"refund:{t.id}:{target}", transaction_id=t.id)
        if taken.outcome is not ledger.Outcome.APPLIED:
            return  # applied before, under the same target
        balance = taken.balance if taken.balance is not None else balance - take
    shortfall = due - take
    await transactions.set_revoked(tx.conn, t.id, credits_revoked=target, shortfall=shortfall, status=status)
    await tx.send("sendMessage", user.telegram_id, parse_mode=texts.PARSE_MODE,
                  text=texts.refunded_credits(refunded - _refunded_before(t), t.currency,
                                                      take, balance, lang=lang))
    if shortfall:
        await event_log.alert(tx, admin_chat_id, texts.shortfall_alert(
            user.display_name, user.telegram_id, shortfall, t.id))


def _refunded_before(t: Transaction) -> int:
    """What of the cumulative refund earlier settlements covered (as near as credits tell)."""
    if t.credits_revoked <= 0 or t.credits <= 0:
        return 0
    return min(t.amount_refunded, t.amount * t.credits_revoked // t.credits)


async def _find(tx: Effects, obj: Mapping[str, Any]) -> Transaction | None:
    """The transaction a charge or dispute belongs to: by payment intent, charge, or metadata."""
    intent, charge = obj.get("payment_intent"), obj.get("charge")
    if obj.get("object") == "charge":
        charge = obj.get("id")
    found = None
    if isinstance(intent, str):
        found = await transactions.by_payment_intent(tx.conn, intent)
    if found is None and isinstance(charge, str):
        found = await transactions.by_charge(tx.conn, charge)
    metadata = obj.get("metadata")
    if found is None and isinstance(metadata, Mapping):
        found = await transactions.by_metadata(tx.conn, metadata)
    return found


async def on_charge_refunded(tx: Effects, charge: Mapping[str, Any], *, admin_chat_id: int) -> Handled:
    found = await _find(tx, charge)
    if found is None:
        # Kept as unmatched with the charge: when its payment is matched, the
        # refund is applied then (see ``stripe_payments``).
        return event_log.unmatched("no payment matches this charge")
    t = await transactions.lock_with_user(tx.conn, found)
    intent = charge.get("payment_intent")
    t = await transactions.link(tx.conn, t.id, payment_intent=intent if isinstance(intent, str) else None,
                                charge=str(charge.get("id")))
    refunded = charge.get("amount_refunded")
    if not isinstance(refunded, int) or refunded <= t.amount_refunded:
        return event_log.applied("refund known already", user_id=t.user_id, transaction_id=t.id)
    t = await transactions.record_refund(tx.conn, t.id, refunded)
    if not t.paid:
        return event_log.applied("refund recorded; applied when the payment completes",
                                 user_id=t.user_id, transaction_id=t.id)
    await settle(tx, t, admin_chat_id=admin_chat_id)
    return event_log.applied(user_id=t.user_id, transaction_id=t.id)


async def on_dispute_created(tx: Effects, dispute: Mapping[str, Any], *, admin_chat_id: int) -> Handled:
    """Operators are alerted and the user flagged; credits stay until the dispute is decided."""
    found = await _find(tx, dispute)
    if found is None or found.user_id is None:
        return event_log.unmatched("no payment matches this dispute")
    t = await transactions.lock_with_user(tx.conn, found)
    if t.status is not Status.REFUNDED:
        await transactions.set_status(tx.conn, t.id, Status.DISPUTED)
    await tx.conn.execute(q("refunds_user_flag"), t.user_id)
    user = await users.get(tx.conn, found.user_id)
    assert user is not None
    amount = dispute.get("amount")
    await event_log.alert(tx, admin_chat_id, texts.dispute_alert(
        user.display_name, user.telegram_id, amount if isinstance(amount, int) else t.amount,
        str(dispute.get("currency") or t.currency), str(dispute.get("reason") or "unknown"), t.id,
    ))
    return event_log.applied("user flagged, operators alerted", user_id=t.user_id, transaction_id=t.id)
