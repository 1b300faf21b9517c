"""Stripe one-time payments: Checkout sessions and payment intents as their events report them.

A session is matched to its transaction by the ``transaction_id`` in its
metadata (the user's Telegram id must agree) or by the session id. A paid
session grants (key ``stripe:<session id>``); a session paid by a delayed
method waits for ``async_payment_succeeded``. A subscription's session only
links the subscription: its invoices grant the pass (see ``subscriptions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.accounts import language, users
from core.billing import event_log, keyboards, recharges, texts, transactions
from core.billing.catalog import by_id
from core.billing.event_log import Handled
from core.billing.grants import grant
from core.billing.rails import Rail
from core.billing.texts import Reason
from core.billing.transactions import Kind, Status, Transaction
from core.delivery.effects import Effects
from core.platform.sql import q


def metadata_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, Mapping):
        return {}
    return {k: v for k, v in metadata.items() if isinstance(k, str) and isinstance(v, str)}


def _str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, Mapping):  # an expanded object
        value = value.get("id")
    return value if isinstance(value, str) else None


async def _session_transaction(tx: Effects, session: Mapping[str, Any]) -> Transaction | None:
    found = await transactions.by_metadata(tx.conn, metadata_of(session))
    session_id = _str(session, "id")
    if found is None and session_id is not None:
        found = await transactions.by_external(tx.conn, Rail.STRIPE, session_id)
    if found is not None and found.external_id not in (None, session_id):
        return None  # metadata naming another session's purchase: not ours to grant
    return found


async def _link_session(tx: Effects, t: Transaction, session: Mapping[str, Any]) -> Transaction:
    intent = _str(session, "payment_intent")
    linked = await transactions.link(
        tx.conn, t.id, external_id=_str(session, "id"), payment_intent=intent,
        subscription=_str(session, "subscription"), invoice=_str(session, "invoice"),
    )
    customer = _str(session, "customer")
    if customer is not None and t.user_id is not None:
        await tx.conn.execute(q("payments_user_remember_stripe_customer"), t.user_id, customer)
    if intent is not None:
        # Refunds of this payment that came before it was known are applied now.
        earlier = [r["amount_refunded"] for r in
                   await tx.conn.fetch(q("payments_stripe_events_unmatched_refunds"), intent, t.id)]
        if earlier:
            linked = await transactions.record_refund(tx.conn, t.id, max(earlier))
    return linked


async def on_session_completed(
    tx: Effects, session: Mapping[str, Any], *, admin_chat_id: int, paid_now: bool = False,
) -> Handled:
    found = await _session_transaction(tx, session)
    if found is None:
        return event_log.unmatched("no purchase matches this Checkout session (unknown user or product)")
    t = await _link_session(tx, await transactions.lock_with_user(tx.conn, found), session)
    if t.kind is Kind.SUBSCRIPTION:
        return event_log.applied("subscription linked; its invoices grant the pass",
                                 user_id=t.user_id, transaction_id=t.id)
    if not paid_now and session.get("payment_status") != "paid":
        if t.user_id is not None and t.status is Status.PENDING:
            user = await users.get(tx.conn, t.user_id)
            assert user is not None
            lang = await language.of_telegram_id(tx.conn, user.telegram_id)
            await tx.send("sendMessage", user.telegram_id, text=texts.payment_processing(lang=lang))
        return event_log.applied("awaiting a delayed payment", user_id=t.user_id, transaction_id=t.id)
    granted = await grant(tx, t, key=f"stripe:{t.external_id}", admin_chat_id=admin_chat_id)
    return event_log.applied(None if granted else "granted before", user_id=t.user_id, transaction_id=t.id)


async def fail_checkout(tx: Effects, t: Transaction, reason: str | None) -> None:
    """Record a failed attempt and tell the user, with a button to try again."""
    if t.status not in transactions.OPEN or t.user_id is None:
        return
    await transactions.set_status(tx.conn, t.id, Status.FAILED, failure=reason or "payment failed")
    user = await users.get(tx.conn, t.user_id)
    product = await by_id(tx.conn, t.product_id) if t.product_id is not None else None
    assert user is not None
    lang = await language.of_telegram_id(tx.conn, user.telegram_id)
    retry = (keyboards.retry_keyboard(product.code, lang=lang, package=product.hidden)
             if product is not None else None)
    await tx.send("sendMessage", user.telegram_id, parse_mode=texts.PARSE_MODE,
                  text=texts.payment_failed(reason, lang=lang), reply_markup=retry)


async def on_session_async_failed(tx: Effects, session: Mapping[str, Any]) -> Handled:
    found = await _session_transaction(tx, session)
    if found is None:
        return event_log.unmatched("no purchase matches this Checkout session")
    t = await _link_session(tx, await transactions.lock_with_user(tx.conn, found), session)
    await fail_checkout(tx, t, Reason.BANK_UNCONFIRMED)
    return event_log.applied(user_id=t.user_id, transaction_id=t.id)


async def on_session_expired(tx: Effects, session: Mapping[str, Any]) -> Handled:
    """An abandoned Checkout page: the attempt ends canceled, without a message."""
    found = await _session_transaction(tx, session)
    if found is None:
        return event_log.ignored("no purchase matches this expired session")
    t = await transactions.lock_with_user(tx.conn, found)
    if t.status in transactions.OPEN:
        await transactions.set_status(tx.conn, t.id, Status.CANCELED, failure="checkout expired")
    return event_log.applied(user_id=t.user_id, transaction_id=t.id)


def _failure_message(intent: Mapping[str, Any]) -> str | None:
    error = intent.get("last_payment_error")
    message = error.get("message") if isinstance(error, Mapping) else None
    return message if isinstance(message, str) else None


async def _intent_transaction(tx: Effects, intent: Mapping[str, Any]) -> Transaction | None:
    intent_id = _str(intent, "id")
    found = await transactions.by_payment_intent(tx.conn, intent_id) if intent_id else None
    return found or await transactions.by_metadata(tx.conn, metadata_of(intent))


async def on_intent_failed(tx: Effects, intent: Mapping[str, Any], *, admin_chat_id: int) -> Handled:
    found = await _intent_transaction(tx, intent)
    if found is None:
        if not metadata_of(intent) and _str(intent, "customer"):
            return event_log.ignored("a subscription's payment; its invoice and subscription events tell")
        return event_log.unmatched("no purchase matches this payment")
    t = await transactions.lock_with_user(tx.conn, found)
    reason = _failure_message(intent)
    if t.kind is Kind.AUTO_RECHARGE:
        await recharges.failed(tx, t, reason or Reason.CARD_DECLINED, payment_intent=_str(intent, "id"))
    else:
        await fail_checkout(tx, t, reason)
    return event_log.applied(user_id=t.user_id, transaction_id=t.id)


async def on_intent_succeeded(tx: Effects, intent: Mapping[str, Any], *, admin_chat_id: int) -> Handled:
    """Only off-session charges grant on this event; Checkout payments grant on their session."""
    if metadata_of(intent).get("purpose") != "auto_recharge":
        return event_log.ignored("granted by its Checkout session or invoice")
    found = await _intent_transaction(tx, intent)
    if found is None:
        return event_log.unmatched("no auto-recharge matches this payment")
    t = await transactions.lock_with_user(tx.conn, found)
    await recharges.charged(tx, t, payment_intent=str(intent.get("id")),
                            charge=_str(intent, "latest_charge"), admin_chat_id=admin_chat_id)
    return event_log.applied(user_id=t.user_id, transaction_id=t.id)
