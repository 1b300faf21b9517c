"""What came of each Stripe event: applied, ignored, or unmatched and shown to operators.

An event for an unknown user, product or payment is never an error that
retries for days: it is recorded here with its object, operators are told in
the admin group, and the webhook is answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from core.billing import texts
from core.delivery.effects import Effects
from core.platform.sql import q


class Outcome(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class Handled:
    outcome: Outcome
    note: str | None = None
    user_id: int | None = None
    transaction_id: int | None = None


def applied(note: str | None = None, *, user_id: int | None = None,
            transaction_id: int | None = None) -> Handled:
    return Handled(Outcome.APPLIED, note, user_id, transaction_id)


def ignored(note: str) -> Handled:
    return Handled(Outcome.IGNORED, note)


def unmatched(note: str, *, user_id: int | None = None) -> Handled:
    return Handled(Outcome.UNMATCHED, note, user_id)


def _created(value: object) -> datetime:
    """The event's time; the epoch when it is missing or no time at all (Stripe's is a
    Unix time; a signed event with a year beyond 9999 must not fail its job)."""
    try:
        return datetime.fromtimestamp(value if isinstance(value, int) else 0, UTC)
    except (ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True)
class Event:
    """A Stripe event as the handlers need it."""

    id: str
    type: str
    created: datetime
    object: Mapping[str, Any]

    @classmethod
    def parse(cls, event: Mapping[str, Any]) -> Event:
        data = event.get("data")
        obj = data.get("object") if isinstance(data, Mapping) else None
        created = event.get("created")
        return cls(
            id=str(event["id"]), type=str(event["type"]),
            created=_created(created),
            object=obj if isinstance(obj, Mapping) else {},
        )


async def alert(tx: Effects, admin_chat_id: int, text: str) -> None:
    """A notice for operators in the admin group's General topic."""
    await tx.send("sendMessage", admin_chat_id, text=text, parse_mode=texts.PARSE_MODE)


async def record(tx: Effects, event: Event, handled: Handled, *, admin_chat_id: int) -> None:
    obj = event.object
    object_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    intent = obj.get("payment_intent")
    if obj.get("object") == "payment_intent":
        intent = object_id
    await tx.conn.execute(
        q("event_log_stripe_event_record"), event.id, event.type, object_id,
        intent if isinstance(intent, str) else None, handled.outcome.value, handled.user_id,
        handled.transaction_id, handled.note,
        dict(obj) if handled.outcome is Outcome.UNMATCHED else None, event.created,
    )
    if handled.outcome is Outcome.UNMATCHED:
        await alert(tx, admin_chat_id, texts.unmatched_alert(event.id, event.type,
                                                                     handled.note or "unknown"))
