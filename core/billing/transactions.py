"""Payment attempts and their outcomes: the audit trail the ledger's grants point to.

A row is opened pending when the user asks to pay (its idempotency key comes
from the update that asked), gains the provider's ids as the provider reports
them, and ends succeeded, failed or canceled; a paid one may later be
refunded, partially refunded or disputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from core.accounts import ledger
from core.billing.catalog import Product
from core.billing.rails import Rail
from core.platform.sql import q


class Status(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    DISPUTED = "disputed"
    CANCELED = "canceled"


#: Statuses of a payment whose purchase was granted.
PAID = frozenset({Status.SUCCEEDED, Status.REFUNDED, Status.PARTIALLY_REFUNDED, Status.DISPUTED})
#: Statuses from which the payment may still go through.
OPEN = frozenset({Status.PENDING, Status.FAILED})


class Kind(StrEnum):
    PURCHASE = "purchase"
    SUBSCRIPTION = "subscription"  # the Checkout that starts a Stripe subscription
    RENEWAL = "renewal"  # a later invoice of a subscription
    AUTO_RECHARGE = "auto_recharge"


@dataclass(frozen=True)
class Transaction:
    id: int
    user_id: int | None
    product_id: int | None
    rail: str
    kind: Kind
    status: Status
    amount: int
    currency: str
    credits: int
    pass_days: int | None
    external_id: str | None
    idempotency_key: str
    stripe_payment_intent: str | None
    stripe_charge: str | None
    stripe_subscription: str | None
    stripe_invoice: str | None
    amount_refunded: int
    credits_revoked: int
    refund_shortfall: int
    failure: str | None
    details: Mapping[str, Any]
    created_at: datetime

    @property
    def paid(self) -> bool:
        return self.status in PAID

    @property
    def grants_pass(self) -> bool:
        return self.pass_days is not None and self.credits == 0


def _row(record: asyncpg.Record | None) -> Transaction | None:
    if record is None:
        return None
    values = {k: record[k] for k in Transaction.__dataclass_fields__}
    values["kind"] = Kind(values["kind"])
    values["status"] = Status(values["status"])
    return Transaction(**values)


async def open_pending(
    conn: asyncpg.Connection, *, user_id: int, product: Product, rail: Rail, kind: Kind, key: str,
) -> Transaction | None:
    """Record an attempt to pay for ``product``; None when ``key`` was used before."""
    amount = product.price(rail)
    currency = "XTR" if rail is Rail.STARS else product.stripe_currency
    if amount is None or currency is None:
        raise ValueError(f"{product.code} is not sold on {rail.value}")
    return _row(await conn.fetchrow(
        q("transactions_open"), user_id, product.id, rail.value, kind.value, amount, currency,
        product.credits, product.pass_days, key,
    ))


async def get(conn: asyncpg.Connection, transaction_id: int, *, lock: bool = False) -> Transaction | None:
    return _row(await conn.fetchrow(
        q("transactions_lock" if lock else "transactions_get"), transaction_id
    ))


async def by_payment_intent(conn: asyncpg.Connection, payment_intent: str) -> Transaction | None:
    return _row(await conn.fetchrow(q("transactions_by_payment_intent"), payment_intent))


async def by_external(conn: asyncpg.Connection, rail: Rail, external_id: str) -> Transaction | None:
    return _row(await conn.fetchrow(q("transactions_by_external"), rail.value, external_id))


async def by_charge(conn: asyncpg.Connection, charge: str) -> Transaction | None:
    return _row(await conn.fetchrow(q("transactions_by_charge"), charge))


async def link(
    conn: asyncpg.Connection, transaction_id: int, *, external_id: str | None = None,
    payment_intent: str | None = None, charge: str | None = None, subscription: str | None = None,
    invoice: str | None = None,
) -> Transaction:
    """Remember the provider's ids of this payment; ids known already are kept."""
    found = _row(await conn.fetchrow(
        q("transactions_link"), transaction_id, external_id, payment_intent, charge, subscription, invoice,
    ))
    assert found is not None
    return found


async def set_status(
    conn: asyncpg.Connection, transaction_id: int, status: Status, *, failure: str | None = None,
) -> None:
    await conn.execute(q("transactions_set_status"), transaction_id, status.value, failure)


async def record_refund(conn: asyncpg.Connection, transaction_id: int, amount_refunded: int) -> Transaction:
    """Keep the highest cumulative refund reported; the figure never goes down."""
    found = _row(await conn.fetchrow(q("transactions_record_refund"), transaction_id, amount_refunded))
    assert found is not None
    return found


async def set_revoked(
    conn: asyncpg.Connection, transaction_id: int, *, credits_revoked: int, shortfall: int, status: Status,
) -> None:
    await conn.execute(q("transactions_set_revoked"), transaction_id, credits_revoked, shortfall,
                       status.value)


async def open_paid(
    conn: asyncpg.Connection, *, user_id: int | None, product_id: int | None, rail: Rail, kind: Kind,
    amount: int, currency: str, credits: int, pass_days: int | None, external_id: str, key: str,
    details: Mapping[str, Any] | None = None,
) -> Transaction | None:
    """A payment learnt of only when it succeeded (a renewal, an unexpected one); None if known."""
    return _row(await conn.fetchrow(
        q("transactions_open_paid"), user_id, product_id, rail.value, kind.value, amount, currency,
        credits, pass_days, external_id, key, dict(details or {}),
    ))


async def by_metadata(conn: asyncpg.Connection, metadata: Mapping[str, Any]) -> Transaction | None:
    """The transaction a provider object's metadata names, if the Telegram user named agrees."""
    raw, telegram_id = metadata.get("transaction_id"), metadata.get("telegram_id")
    if not isinstance(raw, str) or not isinstance(telegram_id, str):
        return None
    if not raw.isdigit() or not telegram_id.isdigit():
        return None
    found = await get(conn, int(raw))
    if found is None or found.user_id is None:
        return None
    owner = await conn.fetchval(q("transactions_user_by_telegram_id"), int(telegram_id))
    return found if owner == found.user_id else None


async def lock_with_user(conn: asyncpg.Connection, t: Transaction) -> Transaction:
    """Lock the user's row, then the transaction's: the order every billing path takes."""
    if t.user_id is not None:
        await ledger.lock_balance(conn, t.user_id)
    found = await get(conn, t.id, lock=True)
    assert found is not None
    return found
