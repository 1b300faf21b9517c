"""Refunds asked from the control center: checked, previewed, recorded, then made by a billing job.

The operator's confirmation records a ``refund_requests`` row and defers the
billing job in the same transaction; the job calls the provider (Stripe with
an idempotency key per request; Telegram's ``refundStarPayment`` for Stars,
which refunds whole payments only), then records the outcome and tells the
operator, once. The refund itself is applied like any other: the payment's
cumulative refunded amount only grows (``transactions.record_refund``) and
``refunds.settle`` takes back the difference, never below zero. So the
provider's own report arriving later (``charge.refunded``, Telegram's
``refunded_payment``) finds it applied and changes nothing, and if it comes
first the job finds nothing left to apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from core.accounts import ledger
from core.billing import passes, refunds, transactions
from core.billing.rails import Rail
from core.billing.texts import money
from core.billing.transactions import Status, Transaction
from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.database import connection
from core.platform.sql import q

#: The control center's outbox priority in an admin group (core.admin.screens).
GROUP_PRIORITY = -100


class NotRefundable(ValueError):
    """Why this refund cannot be made; the message says it to the operator."""


@dataclass(frozen=True)
class Preview:
    """What a refund would do, shown before it is confirmed."""

    transaction: Transaction
    amount: int
    #: What was left to refund before this one.
    left: int
    credits_taken: int
    #: Credits already spent that cannot be taken back (recorded on the payment).
    shortfall: int
    balance: int
    #: Pass time taken back, and when the pass would end then.
    pass_seconds: int
    pass_ends: datetime | None

    @property
    def full(self) -> bool:
        return self.amount >= self.left


async def left_to_refund(conn: asyncpg.Connection, t: Transaction) -> int:
    """The payment's amount not refunded yet nor asked for in a refund still under way."""
    asked = int(await conn.fetchval(q("refund_requests_in_flight"), t.id))
    return max(t.amount - t.amount_refunded - asked, 0)


def check(t: Transaction, amount: int, left: int) -> None:
    """Raise :class:`NotRefundable` naming the reason, for a refund of ``amount`` of ``t``."""
    ref = f"Payment #{t.id}"
    if t.rail not in (Rail.STRIPE.value, Rail.STARS.value):
        raise NotRefundable(f"{ref} was recorded by hand: there is no provider to refund it through.")
    if t.user_id is None:
        raise NotRefundable(f"{ref} belongs to no user the bot knows: refund it at the provider by hand.")
    if t.status is Status.PENDING:
        raise NotRefundable(f"{ref} is still pending: nothing has been paid yet, so nothing can be refunded.")
    if t.status in (Status.FAILED, Status.CANCELED):
        raise NotRefundable(f"{ref} {t.status.value}: nothing was paid, so nothing can be refunded.")
    if t.status is Status.DISPUTED:
        raise NotRefundable(f"{ref} is disputed: the bank decides. "
                            "Answer the dispute in the Stripe Dashboard.")
    if t.amount_refunded >= t.amount:
        raise NotRefundable(f"{ref} is refunded in full already.")
    if left <= 0:
        raise NotRefundable(f"A refund of the rest of {ref} is under way already.")
    if amount <= 0:
        raise NotRefundable("A refund must be more than 0.")
    if amount > left:
        raise NotRefundable(f"That is more than is left to refund: at most {money(left, t.currency)} "
                            f"of {ref}.")
    if t.rail == Rail.STARS.value and amount != t.amount:
        raise NotRefundable(f"Telegram refunds Stars payments only in full: {money(t.amount, t.currency)}.")
    if t.rail == Rail.STARS.value and not t.external_id:
        raise NotRefundable(f"{ref} has no Telegram charge id to refund.")
    if t.rail == Rail.STRIPE.value and not (t.stripe_payment_intent or t.stripe_charge or t.stripe_invoice):
        raise NotRefundable(f"{ref} has no Stripe payment id yet: refund it in the Stripe Dashboard.")


async def preview(conn: asyncpg.Connection, t: Transaction, amount: int) -> Preview:
    """Check the refund and say what it would take back (nothing is changed)."""
    left = await left_to_refund(conn, t)
    check(t, amount, left)
    assert t.user_id is not None
    refunded_after = t.amount_refunded + amount
    balance = await conn.fetchrow(q("refund_requests_balance"), t.user_id)
    assert balance is not None
    credits, pass_until, now = int(balance["credits"]), balance["pass_expires_at"], balance["now"]
    if t.grants_pass:
        granted, taken = await passes.granted_seconds(conn, t.id)
        seconds = max(refunds.revoke_target(granted, t.amount, refunded_after) - taken, 0)
        ends = None
        if pass_until is not None and pass_until > now:
            ends = max(now, pass_until - timedelta(seconds=seconds))
        return Preview(t, amount, left, 0, 0, credits, seconds, ends)
    due = max(refunds.revoke_target(t.credits, t.amount, refunded_after) - t.credits_revoked, 0)
    take = min(credits, due)
    return Preview(t, amount, left, take, due - take, credits, 0, None)


@dataclass(frozen=True)
class Requested:
    id: int
    transaction_id: int
    amount: int
    currency: str


async def request(conn: asyncpg.Connection, transaction_id: int, amount: int, *, operator_id: int,
                  chat_id: int, thread_id: int | None, cause: str) -> Requested | None:
    """Record the refund and queue its job; None when this confirmation asked before.

    Checked again under the user's and the payment's locks: the payment may
    have changed since the preview. Raises :class:`NotRefundable`.
    """
    found = await transactions.get(conn, transaction_id)
    if found is None:
        raise NotRefundable(f"There is no payment #{transaction_id}.")
    t = await transactions.lock_with_user(conn, found)
    check(t, amount, await left_to_refund(conn, t))
    before = (await _state(conn, t)).as_json()
    row = await conn.fetchrow(q("refund_requests_insert"), t.id, amount, t.currency, operator_id, chat_id,
                              thread_id, cause, before)
    if row is None:
        return None
    await queues.defer(conn, [JobRequest(Queue.BILLING, Task.BILLING_REFUND, f"payment:{t.id}",
                                         {"refund_id": row["id"]})])
    return Requested(row["id"], t.id, amount, t.currency)


# --- the billing job ---

@dataclass(frozen=True)
class Plan:
    """A requested refund, read before calling the provider."""

    id: int
    transaction: Transaction
    amount: int
    telegram_id: int
    chat_id: int
    thread_id: int | None
    #: The payment and the pass when the refund was asked (see ``_State``).
    before: _State


async def prepare(pool: asyncpg.Pool, refund_id: int) -> Plan | None:
    """The refund still waiting for its provider's answer, or None."""
    async with connection(pool) as conn:
        row = await conn.fetchrow(q("refund_requests_open"), refund_id)
        if row is None:
            return None
        t = await transactions.get(conn, row["transaction_id"])
    if t is None or row["telegram_id"] is None:
        return None
    return Plan(row["id"], t, int(row["amount"]), int(row["telegram_id"]), int(row["chat_id"]),
                row["thread_id"], _State.from_json(row["before"]))


async def link_intent(pool: asyncpg.Pool, transaction_id: int, payment_intent: str) -> None:
    """Remember the intent behind a subscription's invoice, so Stripe's refund events find the payment."""
    async with connection(pool) as conn, conn.transaction():
        await transactions.link(conn, transaction_id, payment_intent=payment_intent)


async def _tell(tx: Effects, plan: Plan, text: str) -> None:
    params: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
    if plan.thread_id is not None:
        params["message_thread_id"] = plan.thread_id
    await tx.send("sendMessage", plan.chat_id, priority=GROUP_PRIORITY if plan.chat_id < 0 else 0, **params)


async def succeeded(tx: Effects, plan: Plan, *, refunded_total: int, provider_id: str,
                    charge: str | None = None, payment_intent: str | None = None,
                    admin_chat_id: int) -> None:
    """The provider refunded: apply it (unless its own report did first) and tell the operator."""
    found = await transactions.get(tx.conn, plan.transaction.id)
    assert found is not None
    t = await transactions.lock_with_user(tx.conn, found)
    if await tx.conn.fetchval(q("refund_requests_lock"), plan.id) != "requested":
        return
    if charge is not None or payment_intent is not None:
        t = await transactions.link(tx.conn, t.id, charge=charge, payment_intent=payment_intent)
    if refunded_total > t.amount_refunded:
        t = await transactions.record_refund(tx.conn, t.id, refunded_total)
        await refunds.settle(tx, t, admin_chat_id=admin_chat_id)
    await tx.conn.execute(q("refund_requests_done"), plan.id, "succeeded", provider_id, None)
    after = await _state(tx.conn, t)
    await _tell(tx, plan, _done_text(plan, plan.before, after))


async def failed(tx: Effects, plan: Plan, reason: str) -> None:
    if await tx.conn.fetchval(q("refund_requests_lock"), plan.id) != "requested":
        return
    await tx.conn.execute(q("refund_requests_done"), plan.id, "failed", None, reason[:500])
    await _tell(tx, plan, f"❌ <b>Refund failed</b>: {money(plan.amount, plan.transaction.currency)} "
                          "of payment "
                          f"#{plan.transaction.id}. {_esc(reason)} Nothing was taken from the user.")


@dataclass(frozen=True)
class _State:
    """What a refund changes: the user's balance and pass, the payment's refund figures."""

    balance: int
    pass_until: datetime | None
    credits_revoked: int
    shortfall: int
    refunded: int

    def as_json(self) -> dict[str, Any]:
        until = self.pass_until.isoformat() if self.pass_until else None
        return {"balance": self.balance, "pass_until": until, "credits_revoked": self.credits_revoked,
                "shortfall": self.shortfall, "refunded": self.refunded}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _State:
        until = data.get("pass_until")
        return cls(int(data.get("balance") or 0), datetime.fromisoformat(until) if until else None,
                   int(data.get("credits_revoked") or 0), int(data.get("shortfall") or 0),
                   int(data.get("refunded") or 0))


async def _state(conn: asyncpg.Connection, t: Transaction) -> _State:
    assert t.user_id is not None
    b = await ledger.lock_balance(conn, t.user_id)
    again = await transactions.get(conn, t.id)
    assert again is not None
    return _State(b.credits, b.pass_expires_at, again.credits_revoked, again.refund_shortfall,
                  again.amount_refunded)


def _done_text(plan: Plan, before: _State, after: _State) -> str:
    t = plan.transaction
    head = (f"✅ <b>Refund done</b>: {money(plan.amount, t.currency)} of payment #{t.id} "
            f"({'now refunded in full' if after.refunded >= t.amount else 'partial'}).")
    if after.refunded <= before.refunded:
        return head + " The payment's refunded amount did not grow: nothing more was taken back."
    if t.grants_pass:
        if after.pass_until == before.pass_until:
            return head + " The pass had no time left to take back."
        until = "now" if after.pass_until is None else f"{after.pass_until:%Y-%m-%d %H:%M} UTC"
        return head + f" The pass now ends {until}."
    short = after.shortfall - before.shortfall
    taken = after.credits_revoked - before.credits_revoked - short
    text = head + f" Taken back: {taken:,} credit{'s' if taken != 1 else ''}; balance now {after.balance:,}."
    if short > 0:
        text += f" {short:,} had been spent already (recorded as the payment's shortfall)."
    return text


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
