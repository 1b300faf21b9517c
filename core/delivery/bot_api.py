"""Plain Bot API calls as outbox methods: one reservation in the row's own chat,
one call through the gateway (:mod:`core.telegram.calls`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from core.delivery.methods import Delivered, Means, Outcome, Reservation
from core.delivery.outbox import OutboxRow
from core.telegram import calls


@dataclass(frozen=True)
class BotApiMethod:
    """A Bot API method: its row holds the call's parameters as the Bot API names them."""

    name: str
    call: calls.Call
    #: A user who blocked the bot refuses everything: their rows fail unsent.
    reaches_blocked: bool = False

    @property
    def required(self) -> frozenset[str]:
        return self.call.required

    async def prepare(self, conn: asyncpg.Connection, rows: Sequence[OutboxRow]) -> list[None]:
        return [None] * len(rows)

    def reservations(self, row: OutboxRow, state: None) -> list[Reservation]:
        return [Reservation(row.chat_id, row.lane, self.call.messages_in(row.params))]

    def order_of(self, row: OutboxRow) -> int:
        return row.chat_id

    async def perform(
        self, means: Means, row: OutboxRow, state: None, granted: Sequence[float]
    ) -> Outcome:
        return Delivered(await calls.execute(means.gateway, self.name, row.params))


def methods() -> list[BotApiMethod]:
    """Every Bot API method the gateway can make."""
    return [BotApiMethod(name, call) for name, call in calls.METHODS.items()]
