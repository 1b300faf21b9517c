"""A campaign as its row says: what it sends or grants, to whom, and how far it got."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from core.delivery.budgets import Lane


class Kind(StrEnum):
    BROADCAST = "broadcast"
    GIFT = "gift"


class Status(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (Status.DONE, Status.CANCELLED)


@dataclass(frozen=True)
class Campaign:
    id: int
    kind: Kind
    status: Status
    created_by: int
    chat_id: int
    thread_id: int | None
    segment: str
    filter: Mapping[str, Any]
    service: bool
    lane: Lane
    source_chat_id: int | None
    source_message_ids: Sequence[int]
    buttons: Sequence[Sequence[Mapping[str, str]]] | None
    credits: int
    pass_days: int
    reason: str | None
    notice: bool
    last_user_id: int
    audience: int
    selected_through: int
    selection_done: bool
    selected: int
    granted: int
    sent: int
    failed: int
    blocked: int
    started_at: datetime | None
    scheduled_at: datetime | None
    finished_at: datetime | None
    created_at: datetime

    @property
    def settled(self) -> int:
        return self.sent + self.failed + self.blocked

    @property
    def sends(self) -> bool:
        """Whether recipients get a message (a broadcast, or a gift's notice)."""
        return self.kind is Kind.BROADCAST or self.notice

    @classmethod
    def of(cls, row: asyncpg.Record) -> Campaign:
        return cls(
            row["id"], Kind(row["kind"]), Status(row["status"]), row["created_by"], row["chat_id"],
            row["thread_id"], row["segment"], row["filter"], row["service"], Lane(row["lane"]),
            row["source_chat_id"], list(row["source_message_ids"] or []), row["buttons"], row["credits"],
            row["pass_days"], row["reason"], row["notice"], row["last_user_id"] or 0, row["audience"] or 0,
            row["selected_through"], row["selection_done"], row["selected"], row["granted"], row["sent"],
            row["failed"], row["blocked"], row["started_at"], row["scheduled_at"],
            row["finished_at"], row["created_at"],
        )
