"""💰 Billing: what needs attention, payments (filtered, paged), failed ones, disputes, a payment's card.

``/payments`` opens the Billing screen; ``/payments <filters>`` the filtered
list (core.admin.payment_filters); ``/payments failed``, ``/payments
disputes``, ``/payments revenue``; ``/payments 12`` or a provider's id
(``pi_…``, ``cs_…``, a Telegram charge id) a payment's card. Analysts read;
the card's refund button needs the right to act (core.admin.refund_screens).
"""

from __future__ import annotations

import asyncpg

from core import billing
from core.admin import fmt, revenue
from core.admin.billing_buttons import (
    BillingHome,
    PaymentCard,
    PaymentsPage,
    Problem,
    ProblemsPage,
    RefundStart,
    RevenueView,
)
from core.admin.navigation import PAGE_SIZE, nav_row, pager, rows_of
from core.admin.payment_filters import FILTER_HELP, BadFilter, Filter, describe, parse
from core.admin.payment_views import STATUS_ICONS, Event, card_text, dashboard_base, failed_line, line
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.billing import PaymentStatus, Rail
from core.platform.sql import q
from core.telegram.markup import Button, button, keyboard

router = AdminRouter("payments")

#: Lists count at most this many matches (a million payments are not counted for a title).
COUNT_CAP = 10_000


async def show_home(ctx: AdminContext) -> None:
    conn = ctx.tx.conn
    s = await conn.fetchrow(q("payment_screens_summary"))
    assert s is not None
    money = []
    for r in await conn.fetch(q("payment_screens_recent_revenue")):
        net = fmt.money(r["gross"] - r["refunds"], r["currency"])
        money.append(f"{net} net from {r['payments']:,} payment{'s' if r['payments'] != 1 else ''}")
    text = "\n".join([
        "<b>💰 Billing</b>",
        f"Last 30 days: {'; '.join(money) if money else 'no payments'}.",
        f"⏳ {s['pending']:,} pending · ❌ {s['failed']:,} failed (30 days) · ⚠️ {s['disputed']:,} open "
        f"dispute{'s' if s['disputed'] != 1 else ''} · ↩️ {s['refunds_open']:,} refund"
        f"{'s' if s['refunds_open'] != 1 else ''} awaiting the provider",
        "",
        f"<code>/payments status:refunded rail:stars</code> lists what you ask for. {FILTER_HELP}",
        "<code>/payments 12</code> or <code>/refund 12 4.00</code> for one payment.",
    ])
    await ctx.screen.show(text, keyboard(
        [button("📋 Payments", PaymentsPage(0, "-").pack()),
         button("❌ Failed", ProblemsPage(Problem.FAILED, 0).pack()),
         button("⚠️ Disputes", ProblemsPage(Problem.DISPUTED, 0).pack())],
        [button("📈 Revenue", RevenueView(revenue.Period.DAY).pack())],
        nav_row()))


def _args(f: Filter) -> list[object]:
    start, end = f.bounds
    return [f.status.value if f.status else None, f.rail.value if f.rail else None, f.product_id, f.user_id,
            start, end]


def _filter_rows(f: Filter) -> list[list[Button]]:
    def status(label: str, value: PaymentStatus | None) -> Button:
        mark = "• " if f.status == value else ""
        return button(mark + label, PaymentsPage(0, f.with_status(value).pack()).pack())

    def rail(label: str, value: Rail | None) -> Button:
        mark = "• " if f.rail == value else ""
        return button(mark + label, PaymentsPage(0, f.with_rail(value).pack()).pack())

    return [
        [status("All", None)] + [status(STATUS_ICONS[s.value], s) for s in (
            PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REFUNDED,
            PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.DISPUTED, PaymentStatus.PENDING)],
        [rail("Any rail", None), rail("💳 Card", Rail.STRIPE), rail("⭐ Stars", Rail.STARS)],
    ]


async def show_list(ctx: AdminContext, f: Filter, page: int = 0) -> None:
    conn = ctx.tx.conn
    total = int(await conn.fetchval(q("payment_screens_count"), *_args(f), COUNT_CAP + 1))
    pages = max((min(total, COUNT_CAP) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    rows = await conn.fetch(q("payment_screens_list"), *_args(f), PAGE_SIZE, page * PAGE_SIZE)
    names = await conn.fetchrow(q("payment_screens_names"), f.product_id, f.user_id)
    assert names is not None
    count = f"{COUNT_CAP:,}+" if total > COUNT_CAP else f"{total:,}"
    title = f"<b>📋 Payments</b> · {fmt.esc(describe(f, names['product'], names['user_name']))} · {count}"
    body = "\n".join(line(r) for r in rows) if rows else "No payment matches."
    cards = [button(f"#{r['id']}", PaymentCard(r["id"]).pack()) for r in rows]
    packed = f.pack()
    await ctx.screen.show(f"{title}\nNewest first.\n\n{body}", keyboard(
        *rows_of(cards, 4), pager(page, min(total, COUNT_CAP), PaymentsPage, filter=packed),
        *_filter_rows(f), nav_row(BillingHome())))


async def show_problems(ctx: AdminContext, kind: Problem, page: int = 0) -> None:
    conn = ctx.tx.conn
    status = PaymentStatus.FAILED if kind is Problem.FAILED else PaymentStatus.DISPUTED
    total = int(await conn.fetchval(q("payment_screens_problems_count"), status.value))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    rows = await conn.fetch(q("payment_screens_problems"), status.value, PAGE_SIZE, page * PAGE_SIZE)
    title = "❌ Failed payments" if kind is Problem.FAILED else "⚠️ Open disputes"
    body = "\n".join(failed_line(r) for r in rows) if rows else "None."
    cards = [button(f"#{r['id']} card", PaymentCard(r["id"]).pack()) for r in rows]
    await ctx.screen.show(f"<b>{title}</b> · {total:,}\n\n{body}", keyboard(
        *rows_of(cards, 4), pager(page, total, ProblemsPage, kind=kind), nav_row(BillingHome())))


async def find(conn: asyncpg.Connection, ref: str) -> int | None:
    """A payment by the number the screens show (``12``, ``#12``) or by the provider's id."""
    text = ref.strip().removeprefix("#")
    if text.isdigit() and len(text) < 19:
        found = await billing.payment_by_id(conn, int(text))
        return found.id if found is not None else None
    value = await conn.fetchval(q("payment_screens_find"), ref.strip())
    return int(value) if value is not None else None


async def show_card(ctx: AdminContext, transaction_id: int, notice: str | None = None) -> None:
    conn = ctx.tx.conn
    row = await conn.fetchrow(q("payment_screens_card"), transaction_id)
    if row is None:
        await ctx.screen.show(f"There is no payment #{transaction_id}.", keyboard(nav_row(BillingHome())))
        return
    t = await billing.payment_by_id(conn, transaction_id)
    assert t is not None
    left = await billing.left_to_refund(conn, t)
    events = [Event(r["at"], r["kind"], r["amount"], r["note"])
              for r in await conn.fetch(q("payment_screens_timeline"), transaction_id)]
    text = card_text(row, events, dashboard_base(ctx.settings.stripe_api_key), left)
    if notice:
        text = f"{notice}\n\n{text}"
    actions = []
    refundable = t.paid and t.status is not PaymentStatus.DISPUTED and left > 0
    if refundable and ctx.can(Can.PAYMENTS_ACT) and t.rail in (Rail.STRIPE.value, Rail.STARS.value):
        actions.append(button("↩️ Refund", RefundStart(transaction_id).pack()))
    await ctx.screen.show(text, keyboard(actions, nav_row(PaymentsPage(0, "-"))))


async def open_billing(ctx: AdminContext, payload: str) -> None:
    """The category's opener: Billing, or what ``/payments <…>`` names."""
    text = payload.strip()
    word = text.lower()
    if not text:
        await show_home(ctx)
    elif word == "failed":
        await show_problems(ctx, Problem.FAILED)
    elif word in ("disputes", "disputed"):
        await show_problems(ctx, Problem.DISPUTED)
    elif word == "revenue":
        await revenue.show(ctx, revenue.Period.DAY)
    elif ":" not in text and " " not in text:
        found = await find(ctx.tx.conn, text)
        if found is None:
            await ctx.screen.say(f"No payment is “{fmt.esc(text[:60])}”: give its number (#12) or the "
                                 f"provider's id. {FILTER_HELP}")
            return
        await show_card(ctx, found)
    else:
        try:
            f = await parse(ctx.tx.conn, text)
        except BadFilter as exc:
            await ctx.screen.say(f"❌ {exc}")
            return
        await show_list(ctx, f)


@router.callback(BillingHome, can=Can.PAYMENTS_VIEW)
async def on_home(ctx: AdminContext, data: BillingHome) -> str | None:
    await show_home(ctx)
    return None


@router.callback(PaymentsPage, can=Can.PAYMENTS_VIEW)
async def on_page(ctx: AdminContext, data: PaymentsPage) -> str | None:
    await show_list(ctx, Filter.unpack(data.filter), data.page)
    return None


@router.callback(ProblemsPage, can=Can.PAYMENTS_VIEW)
async def on_problems(ctx: AdminContext, data: ProblemsPage) -> str | None:
    await show_problems(ctx, data.kind, data.page)
    return None


@router.callback(PaymentCard, can=Can.PAYMENTS_VIEW)
async def on_card(ctx: AdminContext, data: PaymentCard) -> str | None:
    await show_card(ctx, data.transaction_id)
    return None
