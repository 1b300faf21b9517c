"""/billing: a link to Stripe's customer portal (cards, receipts, the subscription).

The command defers a billing job; the job makes sure the user has a Stripe
customer (created once, remembered in ``users.stripe_customer_id``), asks
Stripe for a portal session and sends the link through the outbox, once per
command.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core import i18n
from core.accounts.users import User
from core.billing import keyboards, texts
from core.billing.rails import stripe_lock
from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.database import connection
from core.platform.sql import q


async def request(tx: Effects, user: User) -> None:
    await queues.defer(tx.conn, [JobRequest(Queue.BILLING, Task.BILLING_PORTAL, stripe_lock(user.telegram_id),
                                          {"user_id": user.id, "cause": tx.cause})])


@dataclass(frozen=True)
class Plan:
    user_id: int
    telegram_id: int
    name: str
    customer_id: str | None
    lang: str  # of the messages the job sends


async def prepare(pool: asyncpg.Pool, user_id: int) -> Plan | None:
    async with connection(pool) as conn:
        row = await conn.fetchrow(q("checkout_user"), user_id)
    if row is None or row["is_banned"]:
        return None
    return Plan(user_id, row["telegram_id"], row["name"], row["stripe_customer_id"],
                i18n.negotiate(row["language"], row["language_code"]))


async def record_link(tx: Effects, plan: Plan, url: str) -> None:
    await tx.send("sendMessage", plan.telegram_id, text=texts.billing_portal(lang=plan.lang),
                  reply_markup=keyboards.portal_keyboard(url, lang=plan.lang))


async def record_failure(tx: Effects, plan: Plan) -> None:
    await tx.send("sendMessage", plan.telegram_id, text=texts.billing_unavailable(lang=plan.lang))
