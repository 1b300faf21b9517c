"""Auto-recharge: the user opts in with a threshold and a pack; a debit below it buys the pack.

The trigger is one statement in the debit's transaction: it opens a pending
``auto_recharge`` transaction only when the user opted in, the balance is
below the threshold, a card customer exists, and no other recharge is in
flight (a partial unique index allows one pending per user). It then defers
the billing job that charges the saved card off-session; the charge's
idempotency key comes from the debit that triggered it. The outcome (see
``recharges``) grants the pack, or turns auto-recharge off and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core.billing import catalog
from core.billing.catalog import Product
from core.billing.rails import stripe_lock
from core.billing.transactions import Status, Transaction, get
from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.database import connection
from core.platform.sql import q

#: Thresholds offered by the buttons (the command takes any).
THRESHOLDS = (2, 5, 10, 20)
MAX_THRESHOLD = 1000


@dataclass(frozen=True)
class Setting:
    enabled: bool
    threshold: int | None
    product: Product | None
    has_card_customer: bool


async def setting(conn: asyncpg.Connection, user_id: int) -> Setting:
    row = await conn.fetchrow(q("auto_recharge_setting"), user_id)
    assert row is not None
    product = (await catalog.by_id(conn, row["auto_recharge_product_id"])
               if row["auto_recharge_product_id"] is not None else None)
    return Setting(bool(row["auto_recharge_enabled"]), row["auto_recharge_threshold"], product,
                   row["stripe_customer_id"] is not None)


async def turn_on(conn: asyncpg.Connection, user_id: int, product: Product, threshold: int) -> None:
    await conn.execute(q("auto_recharge_configure"), user_id, True, product.id, threshold)


async def turn_off(conn: asyncpg.Connection, user_id: int) -> None:
    await conn.execute(q("auto_recharge_off"), user_id)


def rechargeable(product: Product) -> bool:
    """Packs of credits with a card price; passes are bought, not recharged, and custom packages
    are sold only through their links (which hold them to their limits)."""
    return (product.active and not product.hidden and product.credits > 0 and product.pass_days is None
            and product.stripe_amount is not None)


async def after_debit(tx: Effects, user_id: int, balance: int) -> None:
    """Called after credits were taken: start a recharge when the balance fell below the threshold."""
    row = await tx.conn.fetchrow(q("auto_recharge_trigger"), user_id, balance,
                                 f"auto_recharge:{user_id}:{tx.cause}")
    if row is None:
        return
    await queues.defer(tx.conn, [JobRequest(
        Queue.BILLING, Task.BILLING_AUTO_RECHARGE, stripe_lock(row["telegram_id"]),
        {"transaction_id": row["id"]},
    )])


@dataclass(frozen=True)
class Charge:
    """What the billing job needs to charge the card, read before any call to Stripe."""

    transaction: Transaction
    telegram_id: int
    customer_id: str | None
    enabled: bool

    @property
    def idempotency_key(self) -> str:
        return self.transaction.idempotency_key


async def prepare(pool: asyncpg.Pool, transaction_id: int) -> Charge | None:
    """The pending recharge to charge, or None when it was settled already."""
    async with connection(pool) as conn:
        t = await get(conn, transaction_id)
        if t is None or t.status is not Status.PENDING or t.user_id is None:
            return None
        row = await conn.fetchrow(q("auto_recharge_setting"), t.user_id)
    assert row is not None
    return Charge(t, row["telegram_id"], row["stripe_customer_id"], bool(row["auto_recharge_enabled"]))
