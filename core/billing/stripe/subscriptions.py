"""Stripe subscriptions: each paid invoice extends the pass; updates and deletion are tracked.

``invoice.paid`` is the grant: the pass runs to the end of the invoiced
period plus a short grace (key ``stripe:<invoice id>``). The first invoice
completes the Checkout transaction that started the subscription; later ones
are recorded as ``renewal`` transactions. Subscription events are applied in
the order Stripe created them: an older one arriving late is ignored, and a
canceled subscription is never revived. Cancellation ends the pass at the
end of the period already paid (the grace is dropped), never earlier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from core.accounts import language, ledger, users
from core.billing import catalog, event_log, passes, texts, transactions
from core.billing.event_log import Event, Handled
from core.billing.grants import Notice, grant
from core.billing.rails import Rail
from core.billing.transactions import Kind, Transaction
from core.delivery.effects import Effects
from core.platform.sql import q


@dataclass(frozen=True)
class Subscription:
    id: str
    user_id: int
    product_id: int | None
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    last_event_at: datetime | None


def _row(record: asyncpg.Record | None) -> Subscription | None:
    if record is None:
        return None
    return Subscription(**{k: record[k] for k in Subscription.__dataclass_fields__})


def _ts(value: object) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) and value > 0 else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first_line(invoice: Mapping[str, Any]) -> Mapping[str, Any]:
    data = _mapping(invoice.get("lines")).get("data")
    return _mapping(data[0]) if isinstance(data, list) and data else {}


def invoice_subscription(invoice: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
    """The subscription an invoice bills and its metadata, wherever the API version puts them."""
    details = _mapping(_mapping(invoice.get("parent")).get("subscription_details"))
    sub = details.get("subscription") or invoice.get("subscription")
    metadata = details.get("metadata") or _first_line(invoice).get("metadata") or {}
    return (sub if isinstance(sub, str) else None), _mapping(metadata)


def period_end(obj: Mapping[str, Any]) -> datetime | None:
    """The end of the paid period of an invoice (its line) or a subscription (its item)."""
    line_period = _mapping(_first_line(obj).get("period"))
    if line_period:
        return _ts(line_period.get("end"))
    data = _mapping(obj.get("items")).get("data")
    item = _mapping(data[0]) if isinstance(data, list) and data else {}
    return _ts(item.get("current_period_end") or obj.get("current_period_end"))


async def _owner(
    conn: asyncpg.Connection, customer: object, metadata: Mapping[str, Any], existing: Subscription | None,
) -> tuple[int | None, int | None, Transaction | None]:
    """(user id, product id, the Checkout transaction) for a subscription's object."""
    started = await transactions.by_metadata(conn, metadata)
    if existing is not None:
        return existing.user_id, existing.product_id, started
    if started is not None:
        return started.user_id, started.product_id, started
    user_id = None
    if isinstance(customer, str):
        user_id = await conn.fetchval(q("subscriptions_user_by_stripe_customer"), customer)
    code = metadata.get("product")
    product = await catalog.by_code(conn, code) if isinstance(code, str) else None
    return user_id, product.id if product is not None else None, None


async def get(conn: asyncpg.Connection, subscription_id: str) -> Subscription | None:
    return _row(await conn.fetchrow(q("subscriptions_lock"), subscription_id))


async def on_invoice_paid(tx: Effects, invoice: Mapping[str, Any], *, admin_chat_id: int) -> Handled:
    sub_id, metadata = invoice_subscription(invoice)
    invoice_id = invoice.get("id")
    if sub_id is None or not isinstance(invoice_id, str):
        return event_log.ignored("not a subscription invoice")
    existing = await get(tx.conn, sub_id)
    user_id, product_id, started = await _owner(tx.conn, invoice.get("customer"), metadata, existing)
    product = await catalog.by_id(tx.conn, product_id) if product_id is not None else None
    if user_id is None or product is None:
        return event_log.unmatched("unknown user or product for this subscription", user_id=user_id)
    await ledger.lock_balance(tx.conn, user_id)
    end = period_end(invoice)
    await tx.conn.execute(q("subscriptions_paid"), sub_id, user_id, product.id, end)
    first = invoice.get("billing_reason") == "subscription_create"
    if (first and started is not None and started.kind is Kind.SUBSCRIPTION
            and started.stripe_invoice in (None, invoice_id)):
        t, notice = started, Notice.PURCHASE
    else:
        amount = invoice.get("amount_paid")
        opened = await transactions.open_paid(
            tx.conn, user_id=user_id, product_id=product.id, rail=Rail.STRIPE, kind=Kind.RENEWAL,
            amount=amount if isinstance(amount, int) else 0, currency=str(invoice.get("currency") or ""),
            credits=0, pass_days=product.pass_days or 1, external_id=invoice_id, key=f"stripe:{invoice_id}",
        )
        found = opened or await transactions.by_external(tx.conn, Rail.STRIPE, invoice_id)
        assert found is not None
        t, notice = found, Notice.RENEWAL
    t = await transactions.link(tx.conn, t.id, subscription=sub_id, invoice=invoice_id)
    until = (end + passes.RENEWAL_GRACE) if end is not None else None
    if until is None:
        # No period on the invoice: the product's own length.
        granted = await grant(tx, t, key=f"stripe:{invoice_id}", admin_chat_id=admin_chat_id, notice=notice)
    else:
        granted = await grant(tx, t, key=f"stripe:{invoice_id}", admin_chat_id=admin_chat_id,
                              pass_until=until, notice=notice)
    return event_log.applied(None if granted else "granted before", user_id=user_id, transaction_id=t.id)


async def on_subscription_changed(tx: Effects, event: Event, *, deleted: bool) -> Handled:
    sub = event.object
    sub_id = sub.get("id")
    if not isinstance(sub_id, str):
        return event_log.ignored("no subscription id")
    existing = await get(tx.conn, sub_id)
    metadata = _mapping(sub.get("metadata"))
    user_id, product_id, _ = await _owner(tx.conn, sub.get("customer"), metadata, existing)
    if user_id is None:
        return event_log.unmatched("unknown user for this subscription")
    await ledger.lock_balance(tx.conn, user_id)
    existing = await get(tx.conn, sub_id)
    if existing is not None and existing.last_event_at is not None and event.created < existing.last_event_at:
        return event_log.ignored("older than the state already applied")
    if existing is not None and existing.status == "canceled" and not deleted:
        return event_log.ignored("the subscription was canceled already")
    status = "canceled" if deleted else str(sub.get("status") or "active")
    end = period_end(sub)
    ending = bool(sub.get("cancel_at_period_end"))
    await tx.conn.execute(q("subscriptions_set_state"), sub_id, user_id, product_id, status, end, ending,
                          _ts(sub.get("canceled_at")) or (event.created if deleted else None), event.created)
    user = await users.get(tx.conn, user_id)
    assert user is not None
    lang = await language.of_telegram_id(tx.conn, user.telegram_id)
    before = existing.status if existing is not None else None
    text: str | None = None
    if deleted and before != "canceled":
        paid_until = max(end or event.created, event.created)
        change = await passes.shorten(tx.conn, user_id, until=paid_until, reason="subscription_canceled",
                                      key=f"stripe:{sub_id}:canceled")
        still = change.expires_at if change.expires_at and change.expires_at > event.created else None
        text = texts.subscription_canceled(still, lang=lang)
    elif status == "past_due" and before != "past_due":
        text = texts.subscription_past_due(lang=lang)
    elif ending and not (existing is not None and existing.cancel_at_period_end):
        text = texts.subscription_ends(end, lang=lang)
    if text is not None:
        await tx.send("sendMessage", user.telegram_id, text=text, parse_mode=texts.PARSE_MODE)
    return event_log.applied(f"subscription {status}", user_id=user_id)
