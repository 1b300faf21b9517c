"""📈 Revenue: per day, week or month; per currency and Stars; per product and rail; refunds and net.

Read from ``revenue_days`` (kept by triggers on payments, a row per day,
rail, currency and product), so a year of figures is a few hundred rows
whatever the number of payments; the CSV is aggregated by the database and
sent to the operator as a document through the outbox. Amounts in the CSV
are in minor units (cents; Stars are whole), as everywhere in the product.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import asyncpg

from core.admin import audit, fmt
from core.admin.billing_buttons import BillingHome, Period, RevenueCsv, RevenueView
from core.admin.navigation import nav_row
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.admin.screens import GROUP_PRIORITY
from core.platform.sql import q
from core.telegram.markup import button, keyboard

router = AdminRouter("revenue")

#: How far back each report reaches: 14 days, 12 weeks, 12 months.
SPANS = {Period.DAY: 14, Period.WEEK: 12, Period.MONTH: 12}
RAIL_ICONS = {"stripe": "💳", "stars": "⭐", "manual": "✍️"}
CSV_HEADER = ("period_start", "currency", "rail", "product_code", "product_name", "payments", "gross",
              "refunds", "net")

__all__ = ["Period", "router", "show"]


def since(period: Period, today: date) -> date:
    """The first day of the report: the start of the oldest period shown."""
    if period is Period.DAY:
        return today - timedelta(days=SPANS[period] - 1)
    if period is Period.WEEK:
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(weeks=SPANS[period] - 1)
    months = today.year * 12 + today.month - 1 - (SPANS[period] - 1)
    return date(months // 12, months % 12 + 1, 1)


def label(period: Period, start: date) -> str:
    if period is Period.DAY:
        return f"{start:%a %d %b}"
    if period is Period.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start:%b %Y}"


def _money_parts(rows: list[asyncpg.Record]) -> str:
    return " · ".join(f"{fmt.money(r['gross'] - r['refunds'], r['currency'])}" for r in rows) or "—"


async def _first_day(conn: asyncpg.Connection, period: Period) -> date:
    today = await conn.fetchval(q("revenue_today"))
    assert isinstance(today, date)
    return since(period, today)


async def show(ctx: AdminContext, period: Period) -> None:
    conn = ctx.tx.conn
    first = await _first_day(conn, period)
    rows = await conn.fetch(q("revenue_periods"), period.value, first)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_period: dict[date, list[asyncpg.Record]] = defaultdict(list)
    for r in rows:
        total = totals[r["currency"]]
        total[0] += r["payments"]
        total[1] += r["gross"]
        total[2] += r["refunds"]
        by_period[r["period"]].append(r)
    lines = [f"<b>📈 Revenue</b> · per {period.value} · since {first:%Y-%m-%d} (UTC)", ""]
    if not totals:
        lines.append("No payments or refunds in this range.")
    for currency, (payments, gross, refunds) in sorted(totals.items()):
        lines.append(f"<b>{currency.upper()}</b>: {payments:,} payments · gross {fmt.money(gross, currency)}"
                     f" · refunds {fmt.money(refunds, currency)} · "
                     f"<b>net {fmt.money(gross - refunds, currency)}</b>")
    if by_period:
        lines += ["", f"<b>Net per {period.value}</b>"]
        newest = sorted(by_period.items(), reverse=True)
        lines += [f"{label(period, start)}: {_money_parts(items)}" for start, items in newest]
    products = await conn.fetch(q("revenue_by_product"), first)
    if products:
        lines += ["", "<b>Per product and rail</b> (net · payments · refunds)"]
        for r in products[:20]:
            name = fmt.esc(r["name"] or "no product")
            lines.append(f"{name} · {RAIL_ICONS.get(r['rail'], r['rail'])} "
                         f"{fmt.money(r['gross'] - r['refunds'], r['currency'])} · {r['payments']:,} · "
                         f"refunds {fmt.money(r['refunds'], r['currency'])}")
    text = "\n".join(lines)
    if len(text) > 4000:
        text = text[:3990] + "\n…"
    choose = [button(("• " if p is period else "") + p.value.title(), RevenueView(p).pack()) for p in Period]
    await ctx.screen.show(text, keyboard(choose, [button("📄 CSV", RevenueCsv(period).pack())],
                                         nav_row(BillingHome())))


def to_csv(rows: list[asyncpg.Record]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow([r["period"].isoformat(), r["currency"].upper(), r["rail"], r["code"], r["name"],
                         r["payments"], r["gross"], r["refunds"], r["gross"] - r["refunds"]])
    return out.getvalue()


async def send_csv(ctx: AdminContext, period: Period) -> None:
    conn = ctx.tx.conn
    first = await _first_day(conn, period)
    rows = await conn.fetch(q("revenue_csv"), period.value, first)
    params: dict[str, Any] = {
        "document_text": to_csv(rows), "file_name": f"revenue-{period.value}-{first:%Y%m%d}.csv",
        "caption": f"Revenue per {period.value} since {first:%Y-%m-%d} (UTC); amounts in minor units "
                   "(cents; Stars are whole).",
    }
    if ctx.place.thread_id is not None:
        params["message_thread_id"] = ctx.place.thread_id
    await ctx.tx.send("sendDocument", ctx.place.chat_id, priority=GROUP_PRIORITY if ctx.place.in_group else 0,
                      **params)
    await audit.record(conn, ctx.operator, "revenue.export", cause=ctx.tx.cause, target=period.value)


@router.callback(RevenueView, can=Can.PAYMENTS_VIEW)
async def on_view(ctx: AdminContext, data: RevenueView) -> str | None:
    await show(ctx, data.period)
    return None


@router.callback(RevenueCsv, can=Can.PAYMENTS_VIEW)
async def on_csv(ctx: AdminContext, data: RevenueCsv) -> str | None:
    await send_csv(ctx, data.period)
    return "📄 The CSV is on its way."
