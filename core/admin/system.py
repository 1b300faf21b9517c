"""🔧 System (owners and admins): the health of the whole system on one screen,
failed jobs and set-aside updates with Retry and Dismiss.

``/system`` opens the overview, ``/system jobs`` and ``/system updates`` the
lists. Retry is immediate (it only gives work another go); Dismiss deletes,
so it shows what goes and waits for a Confirm. Each acts only on what is still
failed when pressed, and each change is in the audit log, a dismissed update
whole in its ``before``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from core.admin import alerts, audit, confirm, fmt, outages, system_failures, system_figures
from core.admin.navigation import PAGE_SIZE
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.admin.system_failures import RetryOutcome
from core.admin.system_screens import (
    DismissJob,
    DismissUpdate,
    FailedJobs,
    RetryJob,
    RetryUpdate,
    SetAsideUpdates,
    ShowSystem,
    dismiss_job_prompt,
    dismiss_update_prompt,
    jobs_keyboard,
    jobs_text,
    overview_keyboard,
    overview_text,
    updates_keyboard,
    updates_text,
)

router = AdminRouter("system")

USAGE = "Type /system for the overview, /system jobs for failed jobs, /system updates for set-aside updates."
DISMISS_JOB = "system.dismiss_job"
DISMISS_UPDATE = "system.dismiss_update"


def _page(page: int, total: int) -> int:
    """The page asked for, within the pages there are now (lists shrink as work is retried)."""
    last = max((total + PAGE_SIZE - 1) // PAGE_SIZE - 1, 0)
    return min(max(page, 0), last)


async def open_system(ctx: AdminContext, payload: str) -> None:
    """The System category: ``/system [jobs|updates]`` or its button."""
    word = payload.strip().lower()
    if not word:
        await show_overview(ctx)
    elif word in ("jobs", "failed"):
        await show_jobs(ctx, 0)
    elif word in ("updates", "inbox"):
        await show_updates(ctx, 0)
    else:
        await ctx.screen.say(f"“{fmt.esc(payload.strip()[:30])}” is not a System screen. {USAGE}")


async def show_overview(ctx: AdminContext) -> None:
    conn = ctx.tx.conn
    figures = await system_figures.gather(conn, stalled_after=ctx.settings.stalled_after_seconds,
                                          recent_seconds=alerts.THRESHOLDS.flood_window_seconds)
    text = overview_text(figures, await alerts.active(conn), await outages.latest(conn),
                         await audit.latest(conn), datetime.now(UTC))
    await ctx.screen.show(text, overview_keyboard(sum(qf.failed for qf in figures.queues),
                                                  figures.inbox["failed"]))


async def show_jobs(ctx: AdminContext, page: int) -> None:
    conn = ctx.tx.conn
    total = await system_failures.count_jobs(conn)
    page = _page(page, total)
    jobs = await system_failures.failed_jobs(conn, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    await ctx.screen.show(jobs_text(jobs, total, page, datetime.now(UTC)), jobs_keyboard(jobs, total, page))


async def show_updates(ctx: AdminContext, page: int) -> None:
    conn = ctx.tx.conn
    total = await system_failures.count_updates(conn)
    page = _page(page, total)
    updates = await system_failures.set_aside(conn, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    await ctx.screen.show(updates_text(updates, total, page, datetime.now(UTC)),
                          updates_keyboard(updates, total, page))


@router.callback(ShowSystem, can=Can.SYSTEM)
async def on_overview(ctx: AdminContext, data: ShowSystem) -> str | None:
    await show_overview(ctx)
    return None


@router.callback(FailedJobs, can=Can.SYSTEM)
async def on_jobs(ctx: AdminContext, data: FailedJobs) -> str | None:
    await show_jobs(ctx, data.page)
    return None


@router.callback(SetAsideUpdates, can=Can.SYSTEM)
async def on_updates(ctx: AdminContext, data: SetAsideUpdates) -> str | None:
    await show_updates(ctx, data.page)
    return None


@router.callback(RetryJob, can=Can.SYSTEM)
async def on_retry_job(ctx: AdminContext, data: RetryJob) -> str | None:
    conn = ctx.tx.conn
    before = await system_failures.failed_job(conn, data.job_id)
    result = await system_failures.retry_job(conn, data.job_id)
    target = f"job:{data.job_id}"
    if result.outcome is RetryOutcome.RETRIED:
        notice = f"Job #{data.job_id} is back in its queue."
        after = {"status": "todo"}
    elif result.outcome is RetryOutcome.SUPERSEDED:
        notice = (f"A job doing the same work already waits, so #{data.job_id} was dismissed"
                  " instead of retried.")
        after = {"status": "deleted", "reason": "a job with the same queueing lock waits"}
    elif result.outcome is RetryOutcome.NOT_FAILED:
        notice = f"Job #{data.job_id} is no longer failed (it is {result.status}): nothing changed."
        after = None
    else:
        notice = f"Job #{data.job_id} no longer exists: nothing changed."
        after = None
    if after is not None and result.job is not None:
        record = before.as_audit() if before is not None else result.job.as_audit()
        await audit.record(conn, ctx.operator, "system.retry_job", cause=ctx.tx.cause, target=target,
                           before={**record, "status": "failed"}, after=after)
    await show_jobs(ctx, data.page)
    return notice


@router.callback(DismissJob, can=Can.SYSTEM)
async def on_dismiss_job(ctx: AdminContext, data: DismissJob) -> str | None:
    job = await system_failures.failed_job(ctx.tx.conn, data.job_id)
    if job is None:
        await show_jobs(ctx, data.page)
        return f"Job #{data.job_id} is no longer failed: nothing to dismiss."
    token = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, DISMISS_JOB,
                                  {"job_id": job.id, "page": data.page})
    await ctx.screen.show(*dismiss_job_prompt(job, datetime.now(UTC), token, data.page))
    return None


@router.action(DISMISS_JOB, can=Can.SYSTEM)
async def dismiss_job_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    job_id, page = int(params["job_id"]), int(params["page"])
    job = await system_failures.dismiss_job(ctx.tx.conn, job_id)
    if job is None:
        notice = f"Job #{job_id} is no longer failed: nothing changed."
    else:
        await audit.record(ctx.tx.conn, ctx.operator, DISMISS_JOB, cause=ctx.tx.cause, target=f"job:{job_id}",
                           before={**job.as_audit(), "status": "failed"}, after={"status": "deleted"})
        notice = f"Job #{job_id} dismissed."
    await show_jobs(ctx, page)
    return notice


@router.callback(RetryUpdate, can=Can.SYSTEM)
async def on_retry_update(ctx: AdminContext, data: RetryUpdate) -> str | None:
    update = await system_failures.retry_update(ctx.tx.conn, data.row_id)
    if update is None:
        notice = f"Set-aside update u{data.row_id} is gone (retried or dismissed): nothing changed."
    else:
        await audit.record(ctx.tx.conn, ctx.operator, "system.retry_update", cause=ctx.tx.cause,
                           target=f"update:{update.update_id}", before=update.as_audit(),
                           after={"status": "pending"})
        notice = f"Update {update.update_id} is back in its shard's queue."
    await show_updates(ctx, data.page)
    return notice


@router.callback(DismissUpdate, can=Can.SYSTEM)
async def on_dismiss_update(ctx: AdminContext, data: DismissUpdate) -> str | None:
    update = await system_failures.set_aside_one(ctx.tx.conn, data.row_id)
    if update is None:
        await show_updates(ctx, data.page)
        return f"Set-aside update u{data.row_id} is gone (retried or dismissed): nothing to dismiss."
    token = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, DISMISS_UPDATE,
                                  {"row_id": update.id, "page": data.page})
    await ctx.screen.show(*dismiss_update_prompt(update, datetime.now(UTC), token, data.page))
    return None


@router.action(DISMISS_UPDATE, can=Can.SYSTEM)
async def dismiss_update_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    row_id, page = int(params["row_id"]), int(params["page"])
    update = await system_failures.dismiss_update(ctx.tx.conn, row_id)
    if update is None:
        notice = f"Set-aside update u{row_id} is gone (retried or dismissed): nothing changed."
    else:
        await audit.record(ctx.tx.conn, ctx.operator, DISMISS_UPDATE, cause=ctx.tx.cause,
                           target=f"update:{update.update_id}", before=update.as_audit(),
                           after={"status": "deleted"})
        notice = f"Update {update.update_id} dismissed."
    await show_updates(ctx, page)
    return notice
