"""Refunds from Telegram: the card's ↩️ Refund button, or ``/refund <payment> [amount]``.

Full or partial (Stars: full only, as Telegram refunds them), always after a
confirmation that says what will be taken back: credits (never below zero;
what was spent already is recorded as the payment's shortfall) or pass time.
The Confirm records the request and queues the billing job that calls the
provider (core.billing.refund_requests); the operator is told the outcome
in this chat, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from core import billing
from core.admin import audit, confirm, fmt, pending
from core.admin.billing_buttons import PaymentCard, RefundFull, RefundPartial, RefundStart
from core.admin.navigation import confirm_row, nav_row
from core.admin.payment_screens import find, show_card
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.billing import InvalidProduct, NotRefundable, Rail, RefundPreview, Transaction
from core.platform.sql import q
from core.telegram.markup import button, keyboard
from core.telegram.updates import Command

router = AdminRouter("refunds")

USAGE = ("Usage: <code>/refund &lt;payment&gt; [amount]</code>: the payment's number (12 or #12) or the "
         "provider's id (pi_…, a Telegram charge id); without an amount, all that is left. "
         "E.g. <code>/refund 12 4.00</code>.")


def _taken(p: RefundPreview) -> str:
    t = p.transaction
    if t.grants_pass:
        if p.pass_seconds <= 0 or p.pass_ends is None:
            return "The pass it bought has no time left to take back."
        return (f"It takes back <b>{fmt.duration(timedelta(seconds=p.pass_seconds))}</b> of pass: "
                "the pass would end "
                f"{fmt.date(p.pass_ends)}.")
    if p.credits_taken + p.shortfall == 0:
        return "It takes back no credits (none are due for this amount)."
    text = (f"It takes back <b>{p.credits_taken:,} credit{'s' if p.credits_taken != 1 else ''}</b> "
            f"(balance {p.balance:,} → {p.balance - p.credits_taken:,}).")
    if p.shortfall:
        text += (f" {p.shortfall:,} more were spent already: they cannot be taken, and are recorded as the "
                 "payment's shortfall.")
    return text


async def propose(ctx: AdminContext, t: Transaction, amount: int | None) -> None:
    """Check the refund, and show what it would do with a Confirm that works once."""
    conn = ctx.tx.conn
    try:
        left = await billing.left_to_refund(conn, t)
        preview = await billing.preview_refund(conn, t, left if amount is None else amount)
    except NotRefundable as exc:
        await ctx.screen.say(f"❌ {fmt.esc(exc)} Nothing was refunded.")
        return
    who = await conn.fetchrow(q("refund_screens_who"), t.id)
    assert who is not None
    name = fmt.name_of(who["first_name"], who["last_name"], who["username"], who["telegram_id"] or 0)
    token = await confirm.propose(conn, ctx.operator.telegram_id, "payment.refund",
                                  {"transaction_id": t.id, "amount": preview.amount})
    stays = t.amount - t.amount_refunded - preview.amount
    scope = "in full" if stays <= 0 else f"partially: {fmt.money(stays, t.currency)} stays paid"
    rail = "Telegram (Stars)" if t.rail == Rail.STARS.value else "Stripe"
    await ctx.screen.show(
        f"Refund <b>{fmt.money(preview.amount, t.currency)}</b> of payment #{t.id} ({name}, "
        f"{fmt.esc(who['product_name'] or 'no product')}, paid {fmt.money(t.amount, t.currency)}) "
        f"{scope}?\n\n"
        f"{_taken(preview)}\n\nThe money goes back through {rail}; you are told here when it is done.",
        keyboard(confirm_row(token, "✅ Refund"), nav_row(PaymentCard(t.id))))


async def _payment(ctx: AdminContext, transaction_id: int) -> Transaction | None:
    found = await billing.payment_by_id(ctx.tx.conn, transaction_id)
    if found is None:
        await ctx.screen.say(f"There is no payment #{transaction_id}.")
    return found


@router.command("refund", can=Can.PAYMENTS_ACT)
async def refund_command(ctx: AdminContext, command: Command) -> None:
    args = command.payload.split()
    if not args or len(args) > 2:
        await ctx.screen.say(USAGE)
        return
    found = await find(ctx.tx.conn, args[0])
    if found is None:
        await ctx.screen.say(f"No payment is “{fmt.esc(args[0][:60])}”. {USAGE}")
        return
    t = await _payment(ctx, found)
    if t is None:
        return
    amount = None
    if len(args) == 2 and args[1].lower() not in ("full", "all"):
        try:
            amount = billing.parse_amount(args[1], t.currency)
        except InvalidProduct as exc:
            await ctx.screen.say(f"❌ {fmt.esc(exc)} Nothing was refunded.")
            return
    await propose(ctx, t, amount)


@router.callback(RefundStart, can=Can.PAYMENTS_ACT)
async def on_start(ctx: AdminContext, data: RefundStart) -> str | None:
    t = await _payment(ctx, data.transaction_id)
    if t is None:
        return None
    left = await billing.left_to_refund(ctx.tx.conn, t)
    if left <= 0:
        return "Nothing is left to refund."
    buttons = [button(f"↩️ Full: {fmt.money(left, t.currency)}", RefundFull(t.id).pack())]
    if t.rail != Rail.STARS.value:
        buttons.append(button("✂️ Partial…", RefundPartial(t.id).pack()))
    note = " Telegram refunds Stars payments only in full." if t.rail == Rail.STARS.value else ""
    await ctx.screen.show(f"Refund payment #{t.id}: {fmt.money(left, t.currency)} is left to refund.{note}",
                          keyboard(buttons, nav_row(PaymentCard(t.id))))
    return None


@router.callback(RefundFull, can=Can.PAYMENTS_ACT)
async def on_full(ctx: AdminContext, data: RefundFull) -> str | None:
    t = await _payment(ctx, data.transaction_id)
    if t is not None:
        await propose(ctx, t, None)
    return None


@router.callback(RefundPartial, can=Can.PAYMENTS_ACT)
async def on_partial(ctx: AdminContext, data: RefundPartial) -> str | None:
    t = await _payment(ctx, data.transaction_id)
    if t is None:
        return None
    left = await billing.left_to_refund(ctx.tx.conn, t)
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, "refund.amount", {"transaction_id": t.id},
                      ctx.place, ctx.message_id)
    await ctx.screen.say(f"How much of payment #{t.id} to refund? At most {fmt.money(left, t.currency)}; "
                         "e.g. 4.00.\n/cancel refunds nothing.")
    return None


@router.answer("refund.amount", can=Can.PAYMENTS_ACT)
async def on_amount(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    t = await _payment(ctx, int(question.params["transaction_id"]))
    if t is None:
        return
    try:
        amount = billing.parse_amount(text, t.currency)
    except InvalidProduct as exc:
        await ctx.screen.say(f"❌ {fmt.esc(exc)} Nothing was refunded.")
        return
    await propose(ctx, t, amount)


@router.action("payment.refund", can=Can.PAYMENTS_ACT)
async def refund_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    transaction_id, amount = int(params["transaction_id"]), int(params["amount"])
    try:
        asked = await billing.request_refund(
            ctx.tx.conn, transaction_id, amount, operator_id=ctx.operator.telegram_id,
            chat_id=ctx.place.chat_id, thread_id=ctx.place.thread_id, cause=ctx.tx.cause)
    except NotRefundable as exc:
        await show_card(ctx, transaction_id, f"❌ {fmt.esc(exc)} Nothing was refunded.")
        return "Not refunded."
    if asked is None:
        return "Already asked."
    t = await billing.payment_by_id(ctx.tx.conn, transaction_id)
    await audit.record(ctx.tx.conn, ctx.operator, "payment.refund", cause=ctx.tx.cause,
                       target_user_id=t.user_id if t is not None else None,
                       target=f"payment:{transaction_id}",
                       after={"amount": amount, "currency": asked.currency, "request": asked.id})
    await show_card(ctx, transaction_id, f"↩️ Refund of {fmt.money(amount, asked.currency)} asked: the "
                                         "provider is being asked now; the outcome follows here.")
    return "Refund asked."
