"""Telegram's sending limits, as the fake Telegram enforces them (design §5).

Telegram's Bot FAQ gives figures, not algorithms: about one message per second
in a chat ("we may allow short bursts that go over this limit, but eventually
you'll begin receiving 429 errors"), 20 messages per minute in a group, about
30 messages per second overall, and up to 1000 per second for paid broadcasts
(``allow_paid_broadcast``: kurigram's high-level methods send it as the
``allow_paid_floodskip`` flag of the raw ``messages.SendMessage``,
``SendMedia``, ``SendMultiMedia`` and ``ForwardMessages``). The fake reads
them so:

* **Every chat** (private or group): a token bucket of ``per_chat_burst``
  messages refilled at ``per_chat_per_second``. One message a second on
  average is the FAQ's figure; a bucket is the FAQ's "short bursts, then 429"
  exactly. The default burst of 3 lets a reply, its receipt and a notice go
  out together, as a bot answering a person does, while a loop that keeps
  sending at 2/s meets FLOOD_WAIT within seconds.
* **Every supergroup**, besides: at most ``per_group_per_minute`` messages in
  any 60 seconds (a sliding window). "20 per minute" read as a refilling
  bucket would let 40 through in the first minute; a window never does.
* **Overall**: at most ``global_per_second`` messages in any second, and,
  separately, ``paid_global_per_second`` paid ones. Paid broadcasts skip the
  overall limit only ("ignoring broadcasting limits"): they still count
  against the chat's bucket and the group's window, and not against the
  normal lane.

A call that creates several messages (``ForwardMessages`` of an album or a
burst) counts each; one larger than a burst or a window needs a full bucket
or an empty window, rather than never going through. In a group, creating,
renaming, closing or reopening a topic and editing a message count as one
message each (Telegram's developers count them against the group's 20 per
minute); in a private chat, edits and answers to queries are not limited. A refused call counts for
nothing, and its FLOOD_WAIT is the seconds until the limits it met free up,
rounded up, at least 1.

How (sql/migrations/0007_sandbox_limits.sql): a send first takes a place in
its lane in a statement of its own (the lane's lock is the one every send
waits for, so it is never held across a round trip to a client), then, last
in its transaction and under the chat's row lock it holds anyway, is counted
against the chat's bucket and group window; if that or anything else refuses
the send, the transaction rolls back and the lane's place is given back.
Windows are exact: each message is numbered, and message n may go when
message n - N left the window, one index lookup however large N is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.platform.sql import q
from core.sandbox.telegram.rows import Refused

#: The windows the limits are stated over, in seconds.
GROUP_WINDOW = 60.0
LANE_WINDOW = 1.0


@dataclass(frozen=True)
class Limits:
    """The sending limits of one :class:`~core.sandbox.telegram.model.TelegramModel`.

    The defaults are Telegram's. Tests of other behaviour pass generous ones,
    or ``enabled=False``, which skips the limiter altogether: nothing is
    checked, and nothing is recorded for :meth:`sent_times` either (generous
    limits check and record, for a test that measures rates).
    """

    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    global_per_second: int = 30
    paid_global_per_second: int = 1000
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.per_chat_per_second <= 0:
            raise ValueError("per_chat_per_second must be positive")
        for name in ("per_chat_burst", "per_group_per_minute", "global_per_second",
                     "paid_global_per_second"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


@dataclass(frozen=True)
class FloodWaitRecord:
    """A call the fake refused with FLOOD_WAIT: ``messages`` it would have created."""

    chat_id: int
    messages: int
    paid: bool
    seconds: int
    at: datetime


@dataclass(frozen=True)
class Ticket:
    """A send's place in its lane, given back if the send does not happen."""

    lane: str
    seq: int


def flood_wait_seconds(wait: float) -> int:
    """FLOOD_WAIT's value for a wait: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(wait))


def _chat_args(limits: Limits) -> tuple[float, int, int, float]:
    return (1.0 / limits.per_chat_per_second, limits.per_chat_burst, limits.per_group_per_minute,
            GROUP_WINDOW)


async def take_lane(
    conn: asyncpg.Connection, limits: Limits, chat_id: int, count: int, *, paid: bool
) -> Ticket | None:
    """First step of a send, outside its transaction: a place in the overall lane.

    Raises FLOOD_WAIT (recorded) when the lane, or already the chat, is full;
    None when the limits are off. The lane is taken in a statement of its own
    so its lock, which every send of the lane waits for, is never held across
    a round trip to a client.
    """
    if not limits.enabled:
        return None
    lane_limit = limits.paid_global_per_second if paid else limits.global_per_second
    record = await conn.fetchrow(
        q("limits_take_lane"), chat_id, count, paid, lane_limit, LANE_WINDOW, *_chat_args(limits)
    )
    assert record is not None
    if record["flood_wait"]:
        raise Refused("FLOOD_WAIT", record["flood_wait"])
    return Ticket("paid" if paid else "normal", record["ticket"])


async def take_chat(
    conn: asyncpg.Connection, limits: Limits, chat_id: int, count: int, *, paid: bool
) -> int:
    """Last step of a send, in its transaction holding the chat's row lock.

    0 when the chat's limits let the messages through (they are counted),
    else FLOOD_WAIT's seconds: the caller rolls back, so nothing is counted or
    sent, and gives its ticket back.
    """
    if not limits.enabled:
        return 0
    wait: float = await conn.fetchval(
        q("limits_take_chat_send"), chat_id, count, paid, *_chat_args(limits)
    )
    return flood_wait_seconds(wait) if wait > 0 else 0


async def give_back(conn: asyncpg.Connection, ticket: Ticket) -> None:
    await conn.execute(q("limits_give_back_lane"), ticket.lane, ticket.seq)


async def record_flood_wait(
    conn: asyncpg.Connection, chat_id: int, count: int, *, paid: bool, seconds: int
) -> None:
    await conn.execute(q("limits_record_flood_wait"), chat_id, count, paid, seconds)
