"""The open transaction of one job: rows to write and calls to send after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg

from core.delivery import outbox
from core.delivery.budgets import Lane
from core.delivery.methods import Methods
from core.jobs.bus import Bus


@dataclass
class Effects:
    conn: asyncpg.Connection
    #: What caused these effects (``telegram:<update_id>``), kept on every outbox row.
    cause: str
    #: The outbox methods the delivery knows: a call is checked against them
    #: here, where the code that made it is on the stack, not at delivery.
    methods: Methods
    #: Rows to deliver right after commit, in order.
    outbox_ids: list[int] = field(default_factory=list)
    #: Where the domain events published in this transaction go (core.jobs.bus).
    bus: Bus = field(default_factory=Bus)

    async def publish(self, event: object) -> None:
        """Let the features subscribed to ``event`` act on it, in this transaction."""
        await self.bus.publish(self, event)

    async def send(
        self, method: str, chat_id: int, *, delay: float = 0.0, priority: int = 0,
        lane: Lane = Lane.NORMAL, coalesce: str | None = None, **params: Any,
    ) -> int:
        """Queue a call; with a delay it is left for a delivery job scheduled then.

        ``coalesce``: a key naming what the call shows (a topic's title, a
        card); it replaces a call with the same key still waiting. A group's
        background call (:data:`core.delivery.outbox.BACKGROUND_PRIORITY`) is
        left to the group's drainer, which sends it on spare budget only.

        Raises :class:`core.platform.errors.BadCall` for an unknown method or
        a missing parameter: the call could never be made.
        """
        params.setdefault("chat_id", chat_id)
        if lane is Lane.PAID:
            params["allow_paid_broadcast"] = True
        self.methods.check(method, params)
        row_id = await outbox.add(self.conn, chat_id, method, params, cause=self.cause,
                                  delay_seconds=delay, priority=priority, lane=lane, coalesce_key=coalesce)
        if delay > 0 or outbox.is_background(chat_id, priority):
            from core.delivery import engine

            await engine.schedule(self.conn, chat_id, [row_id], delay)
        else:
            self.outbox_ids.append(row_id)
        return row_id
