"""Granting what a payment bought: one ledger (or pass) row per provider id, then the follow-up.

Every grant is keyed by the provider's id of the payment (``stripe:cs_…``,
``stripe:pi_…``, ``stripe:in_…``, ``stars:<charge id>``) and written in the
same transaction as the transaction row's new status, so a payment reported
twice, by two events or by an event and a job, is granted once. After a
grant the user is told the new balance, becomes a paying user, a refund that
arrived first is settled, and messages held for lack of credits go through.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from core.accounts import language, ledger, users
from core.accounts.events import CreditsArrived
from core.billing import catalog, passes, refunds, texts, transactions
from core.billing.transactions import Kind, Status, Transaction
from core.delivery.effects import Effects
from core.platform.sql import q


class Notice(StrEnum):
    PURCHASE = "purchase"
    AUTO_RECHARGE = "auto_recharge"
    RENEWAL = "renewal"


async def grant(
    tx: Effects, t: Transaction, *, key: str, admin_chat_id: int, pass_until: datetime | None = None,
    notice: Notice = Notice.PURCHASE,
) -> bool:
    """Grant ``t``'s purchase once per ``key``; False when it was granted before."""
    assert t.user_id is not None
    user_id = t.user_id
    await ledger.lock_balance(tx.conn, user_id)
    locked = await transactions.get(tx.conn, t.id, lock=True)
    assert locked is not None
    t = locked
    product = await catalog.by_id(tx.conn, t.product_id) if t.product_id is not None else None
    user = await users.get(tx.conn, user_id)
    assert user is not None
    lang = await language.of_telegram_id(tx.conn, user.telegram_id)
    name = product.name if product is not None else texts.unnamed_purchase(lang=lang)
    text: str | None = None
    if t.grants_pass or pass_until is not None:
        change = await passes.extend(
            tx.conn, user_id, days=None if pass_until is not None else t.pass_days, until=pass_until,
            reason="renewal" if notice is Notice.RENEWAL else "purchase", key=key, transaction_id=t.id,
        )
        if not change.applied:
            return False
        assert change.expires_at is not None
        if notice is Notice.RENEWAL:
            text = texts.subscription_renewed(name, change.expires_at, lang=lang)
        else:
            text = texts.pass_granted(name, change.expires_at, lang=lang)
    elif t.credits > 0:
        reason = "auto_recharge" if t.kind is Kind.AUTO_RECHARGE else "purchase"
        applied = await ledger.apply(tx.conn, user_id, t.credits, reason=reason, key=key, transaction_id=t.id)
        if applied.outcome is not ledger.Outcome.APPLIED:
            return False
        assert applied.balance is not None
        if notice is Notice.AUTO_RECHARGE:
            text = texts.auto_recharged(t.credits, t.amount, t.currency, applied.balance, lang=lang)
        else:
            text = texts.credits_granted(t.credits, applied.balance, lang=lang)
    if t.status in transactions.OPEN:
        await transactions.set_status(tx.conn, t.id, Status.SUCCEEDED)
        t = await _reread(tx, t.id)
    await tx.conn.execute(q("grants_user_mark_paying"), user_id)
    if text is not None:
        await tx.send("sendMessage", user.telegram_id, text=text, parse_mode=texts.PARSE_MODE)
    # A refund reported before the payment completed takes back what was just granted.
    await refunds.settle(tx, t, admin_chat_id=admin_chat_id)
    # Messages waiting for credits may go through now (core.relay, subscribed).
    await tx.publish(CreditsArrived(user_id))
    return True


async def _reread(tx: Effects, transaction_id: int) -> Transaction:
    found = await transactions.get(tx.conn, transaction_id)
    assert found is not None
    return found
