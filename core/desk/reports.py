"""A chart or export an operator asked for: a job on the admin queue.

Rendering and exporting take seconds of CPU and database time, too long for
the update that asked (the screen answers at once, "on its way"); the job
renders in the admin worker and queues the file for delivery.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import structlog

from core.delivery.effects import Effects
from core.delivery.methods import Methods
from core.desk import analytics, charts, csv_exports, files
from core.desk.analytics import Kind, Period
from core.desk.csv_exports import Deliver, Table, Target
from core.platform.database import connection
from core.telegram.markup import PARSE_MODE

log = structlog.get_logger(__name__)

CHART = "chart"
SERIES_CSV = "series_csv"
TABLE_CSV = "table_csv"


@dataclass(frozen=True)
class Request:
    what: str
    target: Target
    kind: Kind | None = None
    period: Period | None = None
    table: Table | None = None

    def args(self) -> dict[str, Any]:
        """As the job's JSON arguments."""
        return {"what": self.what, "chat_id": self.target.chat_id, "thread_id": self.target.thread_id,
                "kind": self.kind.value if self.kind else None,
                "start": self.period.start.isoformat() if self.period else None,
                "end": self.period.end.isoformat() if self.period else None,
                "table": self.table.value if self.table else None}

    @classmethod
    def of(cls, a: Mapping[str, Any]) -> Request:
        period = (Period(date.fromisoformat(a["start"]), date.fromisoformat(a["end"])) if a.get("start")
                  else None)
        return cls(a["what"], Target(int(a["chat_id"]), a.get("thread_id")),
                   Kind(a["kind"]) if a.get("kind") else None, period,
                   Table(a["table"]) if a.get("table") else None)


@dataclass(frozen=True)
class Chart:
    png: bytes
    caption: str
    query_seconds: float
    render_seconds: float
    #: The render's CPU time in this process (on a busy machine its wall time is
    #: mostly waiting for a core).
    render_cpu_seconds: float


async def chart(conn: asyncpg.Connection, kind: Kind, period: Period) -> Chart:
    """Query and render one chart, timed (bench/desk.py reports both)."""
    started = time.perf_counter()
    s = await analytics.series(conn, kind, period)
    queried, cpu = time.perf_counter(), time.process_time()
    png = charts.render(s)
    return Chart(png, analytics.caption(s), queried - started, time.perf_counter() - queried,
                 time.process_time() - cpu)


async def run(pool: asyncpg.Pool, methods: Methods, deliver: Deliver, request: Request) -> None:
    target = request.target
    if request.what == TABLE_CSV:
        assert request.table is not None
        rows = await csv_exports.table(pool, methods, deliver, request.table, target)
        log.info("desk export sent", table=request.table.value, rows=rows)
        return
    assert request.kind is not None
    assert request.period is not None
    async with connection(pool) as conn, conn.transaction():
        tx = Effects(conn, cause="desk-report", methods=methods)
        if request.what == CHART:
            made = await chart(conn, request.kind, request.period)
            file_id = await files.store(conn, "photo", f"{request.kind.value}.png", made.png)
            caption = made.caption
            log.info("desk chart rendered", kind=request.kind.value, days=request.period.days,
                     query_seconds=round(made.query_seconds, 3), render_seconds=round(made.render_seconds, 3))
        else:
            s = await analytics.series(conn, request.kind, request.period)
            name = f"{request.kind.value}-{request.period.start:%Y%m%d}-{request.period.end:%Y%m%d}.csv"
            data = csv_exports.csv_bytes(csv_exports.series_rows(s))
            file_id = await files.store(conn, "document", name, data)
            caption = f"📄 {s.title} · {request.period.label}"
        await tx.send("sendDeskFile", target.chat_id, file_id=file_id, caption=caption, parse_mode=PARSE_MODE,
                      **target.params())
        await files.prune(conn)
    await deliver(tx.outbox_ids)
