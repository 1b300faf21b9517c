"""The decisions of delivering a batch, apart from its I/O.

A claimed row fails unsent when it cannot go (:func:`unsendable`), or becomes
a :class:`Planned` call (its method's reservations and the chat whose order it
keeps); the batch's reservations go to the budgets in one statement
(:func:`wanted`), and the offsets granted come back split per row into calls
to make, chat by chat, and rows to put back (:func:`grant`). Then, when each
call goes (:func:`send_delay`, :func:`too_late`), and how rows put back are
scheduled (:func:`scheduled`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.delivery.budgets import Lane
from core.delivery.methods import Method, Methods, Reservation
from core.delivery.outbox import Claimed, OutboxRow

#: Rows put back come back this much before their slot, to reserve it.
RESERVE_LEAD_SECONDS = 0.7
MIN_POSTPONE_SECONDS = 0.1
#: Rows put back are scheduled in jobs this far apart at most.
SCHEDULE_STEP_SECONDS = 0.5
#: Sends go out this long after their reserved slot: time to look up their peers.
SEND_LEAD_SECONDS = 0.05
#: A send this late for its slot is not made (its row is put back).
LATE_SECONDS = 0.02


def unsendable(claimed: Iterable[Claimed], methods: Methods) -> dict[str, list[int]]:
    """Claimed rows that fail unsent, by reason: a method this process does not
    know, or a recipient who blocked the bot (unless the method tells them apart)."""
    refused: dict[str, list[int]] = defaultdict(list)
    for c in claimed:
        if c.row.method not in methods:
            refused[f"BadCall: unknown outbox method {c.row.method!r}"].append(c.row.id)
        elif c.recipient_blocked and not methods[c.row.method].reaches_blocked:
            refused["RecipientUnavailable: the user blocked the bot"].append(c.row.id)
    return dict(refused)


@dataclass(frozen=True)
class Planned:
    """A claimed row with what its method made of it."""

    row: OutboxRow
    method: Method[Any]
    #: What the method's ``prepare`` learnt about the row.
    state: Any
    reservations: tuple[Reservation, ...]
    #: The chat whose rows go out one after another, in id order.
    order: int


def plan(row: OutboxRow, method: Method[Any], state: Any) -> Planned:
    reservations = tuple(method.reservations(row, state))
    if not reservations:
        raise ValueError(f"{method.name} reserved no slot for row {row.id}")
    return Planned(row, method, state, reservations, method.order_of(row))


@dataclass(frozen=True)
class Call:
    """A planned row whose first slot was granted."""

    planned: Planned
    #: One offset per reservation: seconds from the reservation at which its
    #: slots are the call's own, or minus the wait when refused.
    granted: tuple[float, ...]

    @property
    def row(self) -> OutboxRow:
        return self.planned.row

    @property
    def offset(self) -> float:
        """When the call is made: its first slot."""
        return self.granted[0]


def wanted(batch: Iterable[Planned]) -> list[tuple[int, Lane, int]]:
    """Every reservation of the batch, in order, as the budgets take them."""
    return [(r.chat_id, r.lane, r.messages) for p in batch for r in p.reservations]


def keeps(batch: Iterable[Planned], background_keep: float) -> list[float]:
    """For each reservation of :func:`wanted`, the tokens its chat's bucket must keep
    after it: a background row's own slot only on spare budget, others 0."""
    return [background_keep if p.row.background and i == 0 else 0.0
            for p in batch for i, _ in enumerate(p.reservations)]


def horizon(batch: Iterable[Planned]) -> float:
    """How far ahead the batch may book: its most modest lane's horizon (a batch
    with a broadcast row books no further than the broadcast lane may)."""
    return min((r.lane.horizon for p in batch for r in p.reservations), default=Lane.NORMAL.horizon)


def grant(
    batch: Sequence[Planned], offsets: Sequence[float]
) -> tuple[dict[int, list[Call]], list[tuple[OutboxRow, float]]]:
    """Split the offsets granted to :func:`wanted` back over the rows.

    Returns the calls to make by the chat whose order they keep (each chat's
    in batch order), and the rows whose first slot was refused, with their wait.
    """
    if len(offsets) != sum(len(p.reservations) for p in batch):
        raise ValueError(f"{len(offsets)} offsets granted for a different number of reservations")
    chats: dict[int, list[Call]] = defaultdict(list)
    waiting: list[tuple[OutboxRow, float]] = []
    at = 0
    for planned in batch:
        granted = tuple(offsets[at:at + len(planned.reservations)])
        at += len(granted)
        if granted[0] < 0:
            waiting.append((planned.row, -granted[0]))
        else:
            chats[planned.order].append(Call(planned, granted))
    return dict(chats), waiting


def peers(chats: dict[int, list[Call]]) -> list[int]:
    """Chats the gateway should know before the sends: every row's, and every
    user's whose order a row keeps (a relay confirms to them)."""
    return [call.row.chat_id for calls in chats.values() for call in calls] + [c for c in chats if c > 0]


def send_delay(start: float, offset: float, now: float, *, paced: bool = False) -> float:
    """Seconds until a call reserved ``offset`` after ``start`` goes (negative: late).

    A call that waited for its slot goes a fixed moment after it, the same in
    every process, so the spacing holds while peers are looked up. A call that
    did not wait goes at once, unless ``paced`` (the broadcast lane, which keeps
    the overall budget booked back to back): its slot is one of a sequence the
    batch before it is still sending, each a moment after its own, and sent at
    once it would land among them and crowd their second (a flood wait).
    """
    lead = SEND_LEAD_SECONDS if offset > 0 or paced else 0.0
    return start + offset + lead - now


def too_late(call: Call, delay: float) -> bool:
    """Whether a call ``-delay`` seconds late is put back rather than made.

    A slot it had to wait for is one of a budget in full use: sent this late,
    it would land among the sends reserved after it and crowd their second.
    Not on the paid lane: at 1000/s lateness is shared by all the sends around
    it, and putting them back costs more than it saves. Not for groups: their
    slots are seconds apart, which a late send cannot crowd.
    """
    first = call.planned.reservations[0]
    return call.offset > 0 and first.lane is Lane.NORMAL and first.chat_id > 0 and -delay > LATE_SECONDS


def back_before_slot(wait: float) -> float:
    """When a row put back for ``wait`` is due: a little before its slot, in
    time to reserve it, so no slot goes unused."""
    return max(wait - RESERVE_LEAD_SECONDS, MIN_POSTPONE_SECONDS)


@dataclass(frozen=True)
class Scheduled:
    """Rows put back: when each is due, and the jobs that deliver them then."""

    #: ``(row id, seconds)``: when each row is due again.
    due: list[tuple[int, float]]
    #: ``(group chat id, seconds)``: a group's rows go to its drainer job.
    groups: list[tuple[int, float]]
    #: ``(seconds, row ids)``: private chats' rows, in a few jobs, each due
    #: when the last of its rows is.
    jobs: list[tuple[float, list[int]]]


def scheduled(waits: Sequence[tuple[OutboxRow, float]]) -> Scheduled:
    due = [(row.id, back_before_slot(wait)) for row, wait in waits]
    groups: list[tuple[int, float]] = []
    by_step: dict[int, list[int]] = defaultdict(list)
    for (row, _), (_, wait) in zip(waits, due, strict=True):
        if row.chat_id < 0:
            groups.append((row.chat_id, wait))
        else:
            by_step[math.ceil(wait / SCHEDULE_STEP_SECONDS)].append(row.id)
    jobs = [(step * SCHEDULE_STEP_SECONDS, ids) for step, ids in sorted(by_step.items())]
    return Scheduled(due, groups, jobs)
