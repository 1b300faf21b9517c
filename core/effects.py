"""The open transaction of one job: rows to write and calls to send after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from core import jobs, outbox
from core.jobs import JobRequest, Queue, Task


@dataclass
class Effects:
    conn: asyncpg.Connection
    #: What caused these effects (``telegram:<update_id>``), kept on every outbox row.
    cause: str
    #: Rows to deliver right after commit, in order.
    outbox_ids: list[int] = field(default_factory=list)

    async def send(self, method: str, chat_id: int, *, delay: float = 0.0, **params: Any) -> int:
        """Queue a call; with a delay it is left for a delivery job scheduled then."""
        params.setdefault("chat_id", chat_id)
        row_id = await outbox.add(self.conn, chat_id, method, params, cause=self.cause,
                                  delay_seconds=delay)
        if delay > 0:
            await schedule_delivery(self.conn, [row_id], delay)
        else:
            self.outbox_ids.append(row_id)
        return row_id


async def schedule_delivery(conn: asyncpg.Connection, ids: list[int], delay: float) -> None:
    """A delivery job for rows that are not due yet, in the caller's transaction."""
    when = datetime.now(UTC) + timedelta(seconds=delay)
    await jobs.defer(conn, [JobRequest(Queue.MESSAGING, Task.DELIVER_OUTBOX, None,
                                       {"outbox_ids": ids}, scheduled_at=when)])
