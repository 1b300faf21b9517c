"""📊 Dashboard (``/dashboard``): the bot at a glance, refreshed in place.

Users, messages relayed, revenue per currency and in Stars (what was paid in
a period less what was refunded in it),
conversations waiting for an answer, and the health of queues, inbox and
outbox. "Today" is the UTC day, and the screen says so: operators in several
time zones read the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.admin import fmt
from core.admin.dashboard_figures import ACTIVE_EVERY_SECONDS, Figures, Health, Revenue, load
from core.admin.navigation import nav_row
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.dispatch.callback_data import CallbackData
from core.telegram.markup import button, keyboard

router = AdminRouter("dashboard")


@dataclass(frozen=True)
class Refresh(CallbackData, prefix="adm:dash"):
    pass


async def open_dashboard(ctx: AdminContext, payload: str) -> None:
    figures = await load(ctx.tx.conn, ctx.settings.stalled_after_seconds)
    markup = keyboard([button("🔄 Refresh", Refresh().pack())], nav_row())
    await ctx.screen.show(render(figures, datetime.now(UTC)), markup)


@router.callback(Refresh, can=Can.DASHBOARD)
async def on_refresh(ctx: AdminContext, data: Refresh) -> str | None:
    await open_dashboard(ctx, "")
    return "Refreshed."


def render(f: Figures, now: datetime) -> str:
    n = fmt.number
    wait = f" · longest {fmt.duration(now - f.oldest_wait)}" if f.oldest_wait is not None else ""
    return "\n".join([
        "<b>📊 Dashboard</b>",
        "",
        f"👥 <b>Users</b>: {n(f.users)} · paying {n(f.paying)}",
        f"New: today {n(f.new_today)} · 7 days {n(f.new_7d)}",
        f"Active: 24 h {n(f.active_24h)} · 7 days {n(f.active_7d)} (counted {fmt.ago(f.active_at, now)})",
        "",
        f"💬 <b>Messages relayed</b>: today {n(f.relayed_today)} · 7 days {n(f.relayed_7d)}",
        f"⏳ <b>Waiting for an answer</b>: {n(f.waiting)}{wait}",
        "",
        "💰 <b>Revenue</b>, less refunds made",
        f"Today: {_money(f.revenue, 'today')}",
        f"7 days: {_money(f.revenue, 'last_7d')}",
        f"30 days: {_money(f.revenue, 'last_30d')}",
        "",
        *_health(f.health),
        "",
        f"<i>Today: since 00:00 UTC; 7 and 30 days: calendar days in UTC, today included; active: the last"
        f" 24 h and 7×24 h, counted at most every {ACTIVE_EVERY_SECONDS // 60} min."
        f" Updated {now:%H:%M:%S} UTC.</i>",
    ])


def _money(revenue: tuple[Revenue, ...], period: str) -> str:
    amounts = [fmt.money(getattr(r, period), r.currency) for r in revenue if getattr(r, period)]
    return " · ".join(amounts) or "—"


def _health(h: Health) -> list[str]:
    failed = [f"{d.queue} {fmt.number(d.failed)}" for d in h.queues if d.failed]
    todo = sum(d.todo for d in h.queues)
    doing = sum(d.doing for d in h.queues)
    troubles = bool(failed or h.inbox_failed or h.outbox_failed or h.stalled.stalled_jobs)
    return [
        f"🩺 <b>Health</b> {'⚠️' if troubles else '✅'}",
        f"Jobs: {fmt.number(todo)} waiting · {fmt.number(doing)} running · failed: "
        + (", ".join(failed) if failed else "none"),
        f"Inbox: {fmt.number(h.inbox_pending)} waiting · {fmt.number(h.inbox_failed)} failed"
        f" · Outbox: {fmt.number(h.outbox_pending)} waiting · {fmt.number(h.outbox_failed)} failed",
        f"Workers: {fmt.number(h.stalled.live_workers)} live"
        f" · {fmt.number(h.stalled.stalled_jobs)} stalled jobs"
        f" · {fmt.number(h.stalled.jobs_recovered_last_hour)} recovered in the last hour",
    ]
