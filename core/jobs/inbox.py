"""The messaging inbox: updates wait here for their shard's drain job.

procrastinate runs a few hundred jobs a second; a job per update would cap the
relay there. The ingress instead writes each messaging update into the inbox
under a shard picked from its actor (a user, a topic) and queues one drain
job per shard at most; a drain job handles every pending update of its shard
in one transaction. An actor always maps to the same shard and a shard has
one drain running at a time (its procrastinate lock), so an actor's updates
are handled in the order they arrived. See sql/migrations/0014_inbox.sql for
why no update can be left without a drain. A drain that emptied its shard may
listen for the next update instead of ending: the recorder then rings it
instead of queueing a job (sql/migrations/0030_inbox_listeners.sql).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from core.jobs import queues, received
from core.jobs.processed import Source
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.sql import q


@dataclass(frozen=True)
class Pending:
    id: int
    update_id: int
    update: Mapping[str, Any]


def shard_of(actor: str, shards: int) -> int:
    """A stable shard for an actor: the same in every process and release."""
    return zlib.crc32(actor.encode()) % shards


def drain_job(shard: int) -> JobRequest:
    lock = f"drain:{shard}"
    return JobRequest(Queue.MESSAGING, Task.MESSAGING_DRAIN, lock, {"shard": shard}, queueing_lock=lock)


async def record(conn: asyncpg.Connection, requests: Sequence[JobRequest], shards: int) -> None:
    """Record a batch: messaging updates into the inbox, other jobs into the queue.

    Recorded whole or not at all: one statement, or one transaction when the
    batch has jobs besides messaging updates.
    """
    inbox = [r for r in requests if r.task is Task.MESSAGING_UPDATE and r.lock]
    others = [r for r in requests if not (r.task is Task.MESSAGING_UPDATE and r.lock)]
    columns = (
        [shard_of(r.lock or "", shards) for r in inbox],
        [int(r.args["update"]["update_id"]) for r in inbox],
        [json.dumps(r.args["update"], separators=(",", ":")) for r in inbox],
        Queue.MESSAGING.value,
        Task.MESSAGING_DRAIN.value,
    )
    if inbox and not others:
        # The usual batch: one statement, committed on its own (migration 0027).
        await conn.execute(q("inbox_record_counted"), *columns, *received.totals(requests))
        return
    async with conn.transaction():
        if inbox:
            await conn.execute(q("inbox_record"), *columns)
        if others:
            await queues.defer(conn, others)
        await received.count(conn, requests)


async def take(
    conn: asyncpg.Connection, shard: int, limit: int, *, listen: float = 0.0, ring_below: int = 0
) -> list[Pending]:
    """The shard's next updates in arrival order; none means the shard is drained.

    The statement waits for recorders of the shard still committing, so an
    update a recorder counted on this drain to handle is never missed. When
    it finds none, the drain is written down as listening for the next
    ``listen`` seconds (recorders notify it instead of queueing a job), or,
    with 0, as not listening (sql/migrations/0030_inbox_listeners.sql). A
    batch smaller than ``ring_below`` leaves a listening drain waiting too:
    an update recorded after this take rings it while it handles the batch
    (sql/migrations/0031_inbox_take_ringing.sql).
    """
    rows = await conn.fetch(q("inbox_take"), shard, limit, listen, ring_below)
    return [Pending(r["id"], r["update_id"], r["payload"]) for r in rows]


@dataclass(frozen=True)
class Settled:
    """What :func:`settle` answers: the batch's first deliveries and the bot's settings."""

    #: Update ids (as processed-marker keys) seen for the first time.
    first: set[str]
    #: Every bot_settings row, key to value (for BotSettings.from_rows).
    settings: Mapping[str, Any]


async def settle(conn: asyncpg.Connection, source: Source, batch: Sequence[Pending]) -> Settled:
    """In the batch's transaction, before its effects: its processed markers written
    and its inbox rows deleted (both undone by a rollback), and the settings read."""
    row = await conn.fetchrow(q("inbox_settle"), source.value, [str(p.update_id) for p in batch],
                              [p.id for p in batch])
    assert row is not None
    return Settled(set(row["first"]), row["settings"])


async def failed(conn: asyncpg.Connection, row_id: int, error: str) -> None:
    await conn.execute(q("inbox_failed"), row_id, error[:2000])


async def requeue(conn: asyncpg.Connection, shard: int, delay: float = 0.0) -> None:
    """Make sure the shard has a drain job waiting (due in ``delay`` seconds when new)."""
    await conn.execute(q("inbox_requeue"), shard, Queue.MESSAGING.value, Task.MESSAGING_DRAIN.value,
                       delay)


async def requeue_stranded(conn: asyncpg.Connection, older_than_seconds: float) -> list[int]:
    shards = [r["shard"] for r in await conn.fetch(q("inbox_stranded_shards"), older_than_seconds)]
    for shard in shards:
        await requeue(conn, shard)
    return shards


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    row = await conn.fetchrow(q("inbox_counts"))
    assert row is not None
    return {"pending": row["pending"], "failed": row["failed"]}
