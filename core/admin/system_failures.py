"""Failed jobs and set-aside inbox updates: listed, retried, dismissed.

A job procrastinate gave up on stays ``failed``, and an update the messaging
drain could not handle stays in the inbox with its error; both count on the
System screen and in ``/health`` until an operator retries or dismisses them.
Each function acts only on what is still failed when it runs, so two operators
pressing at once, or a button pressed twice, change it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from core.jobs import inbox
from core.platform.sql import q

SUMMARY_CHARS = 80


@dataclass(frozen=True)
class FailedJob:
    id: int
    queue: str
    task: str
    args: Mapping[str, Any]
    attempts: int
    queueing_lock: str | None
    failed_at: datetime | None

    def as_audit(self) -> dict[str, Any]:
        return {"queue": self.queue, "task": self.task, "args": dict(self.args), "attempts": self.attempts,
                "failed_at": self.failed_at.isoformat() if self.failed_at else None}


class RetryOutcome(StrEnum):
    RETRIED = "retried"
    #: A job with the same queueing lock waits and does the same work: this one was deleted.
    SUPERSEDED = "superseded"
    NOT_FAILED = "not_failed"
    MISSING = "missing"


@dataclass(frozen=True)
class JobRetry:
    outcome: RetryOutcome
    #: The job as it was (None when it no longer exists).
    job: FailedJob | None
    status: str | None


@dataclass(frozen=True)
class SetAside:
    id: int
    shard: int
    update_id: int
    payload: Mapping[str, Any]
    received_at: datetime
    failed_at: datetime | None
    error: str | None

    def as_audit(self) -> dict[str, Any]:
        return {"update_id": self.update_id, "shard": self.shard, "update": dict(self.payload),
                "received_at": self.received_at.isoformat(),
                "failed_at": self.failed_at.isoformat() if self.failed_at else None, "error": self.error}


def _job(r: asyncpg.Record) -> FailedJob:
    return FailedJob(r["id"], r["queue_name"], r["task_name"], r["args"], r["attempts"], r["queueing_lock"],
                     r["failed_at"])


def _update(r: asyncpg.Record) -> SetAside:
    return SetAside(r["id"], r["shard"], r["update_id"], r["payload"], r["received_at"], r["failed_at"],
                    r["error"])


async def count_jobs(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval(q("system_failures_count_jobs")))


async def failed_jobs(conn: asyncpg.Connection, *, limit: int, offset: int) -> list[FailedJob]:
    return [_job(r) for r in await conn.fetch(q("system_failures_jobs"), limit, offset)]


async def failed_job(conn: asyncpg.Connection, job_id: int) -> FailedJob | None:
    r = await conn.fetchrow(q("system_failures_job"), job_id)
    return _job(r) if r is not None else None


async def retry_job(conn: asyncpg.Connection, job_id: int) -> JobRetry:
    """Put a failed job back in its queue (see admin_retry_failed_job in 0017_admin_system.sql)."""
    r = await conn.fetchrow(q("system_failures_retry_job"), job_id)
    assert r is not None
    outcome = RetryOutcome(r["outcome"])
    if outcome is RetryOutcome.MISSING:
        return JobRetry(outcome, None, None)
    job = FailedJob(job_id, r["job_queue"], r["job_task"], r["job_args"], r["job_attempts"],
                    r["job_queueing_lock"], None)
    return JobRetry(outcome, job, r["job_status"])


async def dismiss_job(conn: asyncpg.Connection, job_id: int) -> FailedJob | None:
    """Delete a failed job (the audit keeps it); None when it is no longer failed."""
    r = await conn.fetchrow(q("system_failures_dismiss_job"), job_id)
    return _job(r) if r is not None else None


async def job_status(conn: asyncpg.Connection, job_id: int) -> str | None:
    status: str | None = await conn.fetchval(q("system_failures_job_status"), job_id)
    return status


async def count_updates(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval(q("system_failures_count_updates")))


async def set_aside(conn: asyncpg.Connection, *, limit: int, offset: int) -> list[SetAside]:
    return [_update(r) for r in await conn.fetch(q("system_failures_updates"), limit, offset)]


async def set_aside_one(conn: asyncpg.Connection, row_id: int) -> SetAside | None:
    r = await conn.fetchrow(q("system_failures_update"), row_id)
    return _update(r) if r is not None else None


async def retry_update(conn: asyncpg.Connection, row_id: int) -> SetAside | None:
    """Give a set-aside update back to its shard's drain, in the caller's transaction.

    It keeps its place (its id), so it is handled before the actor's later
    updates still waiting. None when it is no longer set aside.
    """
    shard = await conn.fetchval(q("system_failures_update_shard"), row_id)
    if shard is None:
        return None
    await conn.execute(q("system_failures_hold_shard"), shard)
    r = await conn.fetchrow(q("system_failures_retry_update"), row_id)
    if r is None:
        return None
    await inbox.requeue(conn, r["shard"])
    return _update(r)


async def dismiss_update(conn: asyncpg.Connection, row_id: int) -> SetAside | None:
    """Delete a set-aside update (the audit keeps it); None when it is no longer set aside."""
    r = await conn.fetchrow(q("system_failures_dismiss_update"), row_id)
    return _update(r) if r is not None else None


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def summarize_update(update: Mapping[str, Any]) -> str:
    """``message from 42: “hello”``: what an operator needs to recognise an update."""
    kind = next((k for k in update if k != "update_id"), "empty")
    body = update.get(kind)
    if not isinstance(body, Mapping):
        return kind
    sender = body.get("from")
    who = f" from {sender.get('id')}" if isinstance(sender, Mapping) else ""
    said = body.get("text") or body.get("caption") or body.get("data")
    quoted = f": “{_short(said, 40)}”" if isinstance(said, str) and said else ""
    return f"{kind}{who}{quoted}"


def summarize_args(args: Mapping[str, Any]) -> str:
    """A job's arguments on one short line: an update summarised, other values shown
    as they are, lists and objects by their size."""
    parts = []
    for key, value in args.items():
        if key == "update" and isinstance(value, Mapping):
            parts.append(f"update {value.get('update_id')} ({summarize_update(value)})")
        elif isinstance(value, Mapping):
            parts.append(f"{key}={{{len(value)} keys}}")
        elif isinstance(value, list):
            parts.append(f"{key}=[{len(value)} items]")
        else:
            parts.append(f"{key}={value}")
    return _short(", ".join(parts), SUMMARY_CHARS) if parts else "no arguments"
