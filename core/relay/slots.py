"""The send slots of the relay's outbox methods, and what the slots granted mean.

A relay into a topic is several calls Telegram counts one by one, each within
its chat's limits: the topic first when it must be created (then its summary)
or reopened, the copies, and the user's confirmation (and a low-credit
warning riding on it). They are reserved together, in that order, so the
delivery reserves a whole batch in one statement (:mod:`core.delivery.batch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.delivery.budgets import Lane
from core.delivery.methods import Reservation
from core.delivery.outbox import OutboxRow


@dataclass(frozen=True)
class TopicState:
    """Where a relay's conversation stood when its row was claimed."""

    topic_id: int | None = None
    closed: bool = False

    @property
    def messages_first(self) -> int:
        """Messages made in the group before the copies: 2 to create the
        user's topic (and post its summary), 1 to reopen it, else 0."""
        if self.topic_id is None:
            return 2
        return 1 if self.closed else 0

    @property
    def open_topic_id(self) -> int | None:
        return None if self.closed else self.topic_id


@dataclass(frozen=True)
class Hints:
    """What the delivery learnt while claiming a relay, to spare it queries and waits."""

    #: The conversation's topic, open: no need to lock the conversation first.
    topic_id: int | None = None
    #: The user's chat slots for the confirmation (and a warning) are reserved already.
    confirmation_reserved: bool = False
    #: Seconds from the relay until the reserved confirmation slot.
    confirmation_after: float = 0.0
    #: The row was tried before (a failure, or a worker that died mid-send):
    #: messages recorded as relayed by that try are not copied again.
    retried: bool = False
    #: Seconds between making the topic ready (created or reopened) and the
    #: copies: separate calls, each in its own slots of the group's budget.
    copy_after: float = 0.0
    #: Only make the topic ready: the copies' slots are further out, and the
    #: row goes back for ``copies_wait`` seconds, until then.
    topic_only: bool = False
    copies_wait: float = 0.0


def to_topic_reservations(row: OutboxRow, state: TopicState) -> list[Reservation]:
    """The topic when it must be made ready, the copies, the user's confirmation."""
    p = row.params
    first = state.messages_first
    topic = [Reservation(row.chat_id, row.lane, first)] if first else []
    return [
        *topic,
        Reservation(row.chat_id, row.lane, len(p["message_ids"])),
        Reservation(int(p["user_chat_id"]), Lane.NORMAL, 1 + int("low_credit_below" in p)),
    ]


def to_topic_hints(row: OutboxRow, state: TopicState, granted: Sequence[float]) -> Hints:
    """The offsets granted to :func:`to_topic_reservations` (the first one granted)
    as the relay uses them."""
    offset = granted[0]
    copy_at, confirm_at = granted[1:] if state.messages_first else granted
    return Hints(
        topic_id=state.open_topic_id,
        confirmation_reserved=confirm_at >= 0,
        confirmation_after=max(confirm_at - copy_at, 0.0),
        retried=row.attempts > 1,
        copy_after=max(copy_at - offset, 0.0),
        topic_only=copy_at < 0,
        copies_wait=max(-copy_at, 0.0),
    )


def to_user_reservations(row: OutboxRow) -> list[Reservation]:
    """An operator's reply: its copies in the user's chat."""
    return [Reservation(row.chat_id, row.lane, len(row.params["admin_message_ids"]))]
