"""📈 Analytics (``/analytics``, ``/analytics 30``, ``/analytics 2026-01-01 2026-03-31``).

Periods of 7, 30 and 90 days or a custom range (in order, at most a year);
each series as a chart (a PNG photo with the numbers in its caption) or a
CSV, and the raw tables behind the screens as CSV. A chart or export is a
job (core.desk.reports): the admin worker renders it and sends it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.admin import fmt, pending
from core.admin.navigation import nav_row, rows_of
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.desk import analytics, csv_exports, reports
from core.desk.analytics import BadRange, Kind, Period
from core.dispatch.callback_data import CallbackData
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.telegram.markup import button, keyboard

router = AdminRouter("desk_analytics")
RANGE_QUESTION = "desk_range"
LABELS = {Kind.NEW_USERS: "👥 New users", Kind.ACTIVE_USERS: "🗣 Active users", Kind.MESSAGES: "💬 Messages",
          Kind.REVENUE: "💰 Revenue", Kind.REFUNDS: "↩️ Refunds", Kind.CONVERSION: "🎯 Conversion",
          Kind.RESPONSE: "⏱ First response", Kind.PRODUCTS: "🛒 Top products"}


def _day(d: date) -> str:
    return f"{d:%Y%m%d}"


def _date(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


@dataclass(frozen=True)
class AnPeriod(CallbackData, prefix="adm:an:p"):
    start: str
    end: str


@dataclass(frozen=True)
class AnCustom(CallbackData, prefix="adm:an:r"):
    pass


@dataclass(frozen=True)
class AnGet(CallbackData, prefix="adm:an:g"):
    what: str  # "c": chart, "v": CSV
    kind: Kind
    start: str
    end: str


@dataclass(frozen=True)
class AnTable(CallbackData, prefix="adm:an:t"):
    table: csv_exports.Table


async def show(ctx: AdminContext, period: Period) -> None:
    s, e = _day(period.start), _day(period.end)
    periods = [button(("• " if period.days == d and period == analytics.last_days(d) else "") + f"{d} days",
                      AnPeriod(_day(p.start), _day(p.end)).pack())
               for d in analytics.PERIODS for p in [analytics.last_days(d)]]
    rows = [[button(LABELS[k], AnGet("c", k, s, e).pack()), button("📄 CSV", AnGet("v", k, s, e).pack())]
            for k in Kind]
    tables = [button(f"📄 {t.value}", AnTable(t).pack()) for t in csv_exports.Table]
    text = (f"<b>📈 Analytics</b> · {period.label} ({fmt.number(period.days)} days, UTC)\n\n"
            "Press a series for its chart (a photo with the numbers), or 📄 for its CSV. The raw tables"
            " come as CSV files. A custom range: <code>/analytics 2026-01-01 2026-03-31</code>.")
    await ctx.screen.show(text, keyboard([*periods, button("📅 Custom", AnCustom().pack())], *rows,
                                         *rows_of(tables, 3), nav_row()))


async def open_analytics(ctx: AdminContext, payload: str) -> None:
    text = payload.strip()
    if not text:
        await show(ctx, analytics.last_days(30))
    elif text.isdigit() and int(text) in analytics.PERIODS:
        await show(ctx, analytics.last_days(int(text)))
    else:
        await _custom(ctx, text)


async def _custom(ctx: AdminContext, text: str) -> None:
    try:
        period = analytics.parse_range(text)
    except BadRange as exc:
        await ctx.screen.say(f"{fmt.esc(exc)} Nothing was changed.")
        return
    await show(ctx, period)


@router.callback(AnPeriod, can=Can.ANALYTICS)
async def on_period(ctx: AdminContext, data: AnPeriod) -> str | None:
    await show(ctx, Period(_date(data.start), _date(data.end)))
    return None


@router.callback(AnCustom, can=Can.ANALYTICS)
async def on_custom(ctx: AdminContext, data: AnCustom) -> str | None:
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, RANGE_QUESTION, {}, ctx.place, ctx.message_id)
    await ctx.screen.fresh().show("Which days? Send the first and the last, like"
                                  " <code>2026-01-01 2026-03-31</code> (at most a year), or /cancel.")
    return None


@router.answer(RANGE_QUESTION, can=Can.ANALYTICS)
async def on_range(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    await _custom(ctx, text)


async def _request(ctx: AdminContext, request: reports.Request) -> None:
    # One report at a time per operator, in the order asked.
    job = JobRequest(Queue.ADMIN, Task.ADMIN_DESK_REPORT, f"report:{ctx.operator.telegram_id}",
                     {"request": request.args()})
    await queues.defer(ctx.tx.conn, [job])


def _target(ctx: AdminContext) -> csv_exports.Target:
    return csv_exports.Target(ctx.place.chat_id, ctx.place.thread_id)


@router.callback(AnGet, can=Can.ANALYTICS)
async def on_get(ctx: AdminContext, data: AnGet) -> str | None:
    period = Period(_date(data.start), _date(data.end))
    what = reports.CHART if data.what == "c" else reports.SERIES_CSV
    await _request(ctx, reports.Request(what, _target(ctx), data.kind, period))
    return "📈 The chart is on its way." if what == reports.CHART else "📄 The CSV is on its way."


@router.callback(AnTable, can=Can.ANALYTICS)
async def on_table(ctx: AdminContext, data: AnTable) -> str | None:
    await _request(ctx, reports.Request(reports.TABLE_CSV, _target(ctx), table=data.table))
    return f"📄 The {data.table.value} export is on its way."
