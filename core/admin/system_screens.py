"""The System screens' texts and keyboards, from figures already read.

Drawn here, apart from the handlers (core.admin.system), so what an operator
reads can be checked without a database; everything that came from outside
(job arguments, errors, updates, names) is escaped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.admin import fmt
from core.admin.alerts import Active
from core.admin.audit import Entry
from core.admin.navigation import PAGE_SIZE, confirm_row, nav_row, pager
from core.admin.outages import Outage
from core.admin.system_failures import FailedJob, SetAside, summarize_args, summarize_update
from core.admin.system_figures import Figures, Migrations
from core.dispatch.callback_data import CallbackData
from core.telegram.markup import Keyboard, button, keyboard

ERROR_CHARS = 160


@dataclass(frozen=True)
class ShowSystem(CallbackData, prefix="adm:sys"):
    pass


@dataclass(frozen=True)
class FailedJobs(CallbackData, prefix="adm:sys:jobs"):
    page: int


@dataclass(frozen=True)
class RetryJob(CallbackData, prefix="adm:sys:jr"):
    job_id: int
    page: int


@dataclass(frozen=True)
class DismissJob(CallbackData, prefix="adm:sys:jd"):
    job_id: int
    page: int


@dataclass(frozen=True)
class SetAsideUpdates(CallbackData, prefix="adm:sys:upd"):
    page: int


@dataclass(frozen=True)
class RetryUpdate(CallbackData, prefix="adm:sys:ur"):
    row_id: int
    page: int


@dataclass(frozen=True)
class DismissUpdate(CallbackData, prefix="adm:sys:ud"):
    row_id: int
    page: int


def size(n: int) -> str:
    """``812 bytes``, ``45.2 MB``, ``1,204.5 GB``."""
    if n < 1024:
        return f"{fmt.number(n)} bytes"
    value, unit = n / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{fmt.number(round(value, 1))} {unit}"


def _migrations(m: Migrations) -> str:
    head = f"{fmt.number(m.applied)} applied, latest <code>{fmt.esc(m.latest or '—')}</code>"
    if m.missing is None:
        return f"{head} (this release's files are not here to compare)"
    if m.missing:
        names = ", ".join(f"<code>{fmt.esc(n)}</code>" for n in m.missing[:3])
        return f"{head} · ⚠️ {fmt.number(len(m.missing))} of this release not applied: {names}"
    return f"{head} · up to date"


def _count(n: int, what: str) -> str:
    return f"{fmt.number(n)} {what}{'' if n == 1 else 's'}"


def _wait(seconds: float | None) -> str:
    return "—" if seconds is None else fmt.duration(timedelta(seconds=seconds))


def overview_text(f: Figures, alerts: Sequence[Active], outage: Outage | None, entries: Sequence[Entry],
                  now: datetime) -> str:
    db = f.database
    lines = [
        "<b>🔧 System</b>",
        f"<b>Database</b> ✅ reachable · {size(db.size_bytes)} · {fmt.number(db.connections)} of "
        f"{fmt.number(db.max_connections)} connections · up {fmt.duration(now - db.started_at)}",
        f"Migrations: {_migrations(f.migrations)}",
        "Last unreachable: " + ("never recorded" if outage is None else
                                f"{fmt.ago(outage.ended_at, now)}, for "
                                f"{fmt.duration(outage.ended_at - outage.started_at)}"),
        "",
        "<b>Queues</b> todo · doing · failed · oldest waiting",
    ]
    lines += [f"{fmt.esc(qf.queue)}: {fmt.number(qf.todo)} · {fmt.number(qf.doing)} · "
              f"{fmt.number(qf.failed)}{' ⚠️' if qf.failed else ''} · {_wait(qf.oldest_wait)}"
              for qf in f.queues]
    s, sends = f.stalls, f.sends
    kinds = ", ".join(f"{fmt.esc(k)} {fmt.number(n)}" for k, n in sends.error_kinds)
    lines += [
        f"<b>Inbox</b> {fmt.number(f.inbox['pending'])} waiting · {fmt.number(f.inbox['failed'])} set aside",
        f"<b>Outbox</b> {fmt.number(f.outbox['pending'])} waiting · {fmt.number(f.outbox['failed'])} failed",
        f"<b>Workers</b> {fmt.number(s.live_workers)} alive · {fmt.number(s.stalled_jobs)} jobs of dead "
        f"workers · last hour: {fmt.number(s.jobs_recovered_last_hour)} jobs and "
        f"{fmt.number(s.sends_returned_last_hour)} sends recovered",
        f"<b>Sends, last hour</b> {_count(sends.flood_waits, 'flood wait')} · {_count(sends.errors, 'error')}"
        + (f" ({kinds})" if kinds else ""),
        "",
        "<b>Alerts</b> " + ("none active" if not alerts else ""),
    ]
    lines += [f"🔴 {fmt.esc(a.title)} since {fmt.ago(a.since, now)}: {fmt.esc(a.detail or '')}"
              for a in alerts]
    lines += [
        "",
        f"<b>Version</b> {fmt.esc(f.version)} · this admin worker (pid {os.getpid()}) up "
        f"{fmt.duration(now - f.process_started)} · as of {now:%H:%M:%S} UTC",
    ]
    if entries:
        lines += ["", "<b>Latest actions</b>"]
        lines += [f"• {fmt.ago(e.at, now)} · {fmt.esc(e.role)} <code>{e.operator_id}</code> · "
                  f"{fmt.esc(e.action)}{' · ' + fmt.esc(e.target) if e.target else ''}" for e in entries]
    return "\n".join(lines)


def overview_keyboard(failed_jobs: int, set_aside: int) -> Keyboard:
    return keyboard(
        [button(f"❌ Failed jobs ({fmt.number(failed_jobs)})", FailedJobs(0).pack()),
         button(f"📥 Set aside ({fmt.number(set_aside)})", SetAsideUpdates(0).pack())],
        [button("🔄 Refresh", ShowSystem().pack())],
        nav_row(),
    )


def _page_line(total: int, page: int) -> str:
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return f"{fmt.number(total)} in all" + (f", page {page + 1} of {pages}" if pages > 1 else "")


def job_line(job: FailedJob, now: datetime) -> str:
    attempts = _count(job.attempts, "attempt")
    return (f"<b>#{job.id}</b> {fmt.esc(job.task)} ({fmt.esc(job.queue)}) · "
            f"{fmt.esc(summarize_args(job.args))} · {attempts} · "
            + (f"failed {fmt.ago(job.failed_at, now)}" if job.failed_at else "failed at an unknown time"))


def jobs_text(jobs: Sequence[FailedJob], total: int, page: int, now: datetime) -> str:
    lines = [f"<b>❌ Failed jobs</b> — {_page_line(total, page)}"]
    if not jobs:
        lines.append("None: every job finished or is on its way.")
    lines += [job_line(job, now) for job in jobs]
    if jobs:
        lines += ["", "procrastinate keeps no error text: the worker's log has it, under "
                      "<code>job_id</code>. Retry puts a job back in its queue; Dismiss deletes it "
                      "(the audit log keeps it)."]
    return "\n".join(lines)


def jobs_keyboard(jobs: Sequence[FailedJob], total: int, page: int) -> Keyboard:
    rows: list[Any] = [[button(f"🔄 Retry #{j.id}", RetryJob(j.id, page).pack()),
                        button(f"🗑 Dismiss #{j.id}", DismissJob(j.id, page).pack())] for j in jobs]
    return keyboard(*rows, pager(page, total, FailedJobs), nav_row(ShowSystem()))


def _error(text: str | None) -> str:
    if not text:
        return "no error recorded"
    text = " ".join(text.split())
    return fmt.esc(text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS - 1] + "…")


def update_line(u: SetAside, now: datetime) -> str:
    parts = [f"<b>u{u.id}</b>", fmt.esc(summarize_update(u.payload)), f"Telegram's update {u.update_id}",
             f"shard {u.shard}", f"set aside {fmt.ago(u.failed_at, now)}"]
    return " · ".join(parts) + f"\n  <i>{_error(u.error)}</i>"


def updates_text(updates: Sequence[SetAside], total: int, page: int, now: datetime) -> str:
    lines = [f"<b>📥 Set-aside updates</b> — {_page_line(total, page)}"]
    if not updates:
        lines.append("None: every update was handled.")
    lines += [update_line(u, now) for u in updates]
    if updates:
        lines += ["", "Retry gives an update back to its shard's drain; Dismiss deletes it "
                      "(the audit log keeps it)."]
    return "\n".join(lines)


def updates_keyboard(updates: Sequence[SetAside], total: int, page: int) -> Keyboard:
    rows: list[Any] = [[button(f"🔄 Retry u{u.id}", RetryUpdate(u.id, page).pack()),
                        button(f"🗑 Dismiss u{u.id}", DismissUpdate(u.id, page).pack())] for u in updates]
    return keyboard(*rows, pager(page, total, SetAsideUpdates), nav_row(ShowSystem()))


def dismiss_job_prompt(job: FailedJob, now: datetime, token: str, page: int) -> tuple[str, Keyboard]:
    text = (f"Dismiss failed job {job_line(job, now)}?\n\nIt is deleted and no longer counts; "
            "the audit log keeps its task and arguments.")
    return text, keyboard(confirm_row(token, "✅ Dismiss"), nav_row(FailedJobs(page)))


def dismiss_update_prompt(u: SetAside, now: datetime, token: str, page: int) -> tuple[str, Keyboard]:
    text = (f"Dismiss set-aside {update_line(u, now)}?\n\nIt will never be handled; "
            "the audit log keeps the whole update.")
    return text, keyboard(confirm_row(token, "✅ Dismiss"), nav_row(SetAsideUpdates(page)))
