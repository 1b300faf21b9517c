"""/history: purchases and spending, paged, with totals, and the whole of it as CSV.

Entries are the user's credit ledger and pass changes, newest first, each
with the payment it came from; the totals are computed in the database.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.sql import q

PAGE_SIZE = 8
#: A CSV export holds at most this many entries (the newest).
EXPORT_LIMIT = 20_000


@dataclass(frozen=True)
class Summary:
    balance: int
    pass_until: datetime | None
    credits_bought: int
    credits_spent: int
    messages_sent: int
    paid: tuple[tuple[str, int], ...]  # (currency, amount net of refunds) in minor units
    since: datetime
    now: datetime

    @property
    def days(self) -> int:
        return max(1, math.ceil((self.now - self.since).total_seconds() / 86400))

    @property
    def messages_per_day(self) -> float:
        return self.messages_sent / self.days


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # credits | pass
    change: int  # credits, or seconds of pass
    balance_after: int | None
    reason: str
    transaction_id: int | None
    rail: str | None
    amount: int | None
    currency: str | None
    external_id: str | None


async def summary(conn: asyncpg.Connection, user_id: int) -> Summary:
    row = await conn.fetchrow(q("history_summary"), user_id)
    assert row is not None
    paid = tuple((r["currency"], int(r["net"])) for r in await conn.fetch(q("history_paid"), user_id))
    return Summary(
        balance=row["credits"], pass_until=row["pass_until"], credits_bought=int(row["bought"]),
        credits_spent=int(row["spent"]), messages_sent=int(row["messages_sent"]), paid=paid,
        since=row["first_message_at"] or row["created_at"], now=row["now"],
    )


def _entry(r: asyncpg.Record) -> Entry:
    return Entry(r["created_at"], r["kind"], int(r["change"]), r["balance_after"], r["reason"],
                 r["transaction_id"], r["rail"], r["amount"], r["currency"], r["external_id"])


async def page(conn: asyncpg.Connection, user_id: int, number: int) -> tuple[list[Entry], bool]:
    """The entries of page ``number`` (0 = newest) and whether older ones exist."""
    rows = await conn.fetch(q("history_entries"), user_id, PAGE_SIZE + 1, number * PAGE_SIZE)
    entries = [_entry(r) for r in rows]
    return entries[:PAGE_SIZE], len(entries) > PAGE_SIZE


async def everything(conn: asyncpg.Connection, user_id: int) -> list[Entry]:
    return [_entry(r) for r in await conn.fetch(q("history_entries"), user_id, EXPORT_LIMIT, 0)]


CSV_HEADER = ("date_utc", "type", "change", "balance_after", "reason", "payment_id", "rail", "amount",
              "currency", "provider_id")


def to_csv(entries: Sequence[Entry]) -> bytes:
    """One line per entry, oldest first; amounts in minor units (cents; Stars)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for e in sorted(entries, key=lambda e: e.at):
        writer.writerow([
            e.at.strftime("%Y-%m-%d %H:%M:%S"), e.kind, e.change,
            "" if e.balance_after is None else e.balance_after, e.reason,
            "" if e.transaction_id is None else e.transaction_id, e.rail or "",
            "" if e.amount is None else e.amount, (e.currency or "").upper(), e.external_id or "",
        ])
    return out.getvalue().encode("utf-8")


async def request_export(tx: Effects, user_id: int, telegram_id: int) -> None:
    """The CSV is built and sent by a billing job, once per request."""
    job = JobRequest(Queue.BILLING, Task.BILLING_EXPORT_HISTORY, f"export:{telegram_id}",
                     {"user_id": user_id, "cause": tx.cause})
    await queues.defer(tx.conn, [job])


async def export(conn: asyncpg.Connection, user_id: int, cause: str) -> tuple[int, bytes] | None:
    """(chat, CSV) to send for an export request, or None when it was sent already."""
    if await conn.fetchval(q("history_export_done"), f"export:{cause}"):
        return None
    telegram_id = await conn.fetchval(q("history_telegram_id"), user_id)
    if telegram_id is None:
        return None
    return int(telegram_id), to_csv(await everything(conn, user_id))
