"""Domain events published inside a job's transaction, handled by the features subscribed.

Features react to each other without importing each other: billing grants
credits and publishes that credits arrived; the relay, subscribed, releases
the messages that waited for them. Handlers run at once, in the publisher's
transaction, in subscription order, so what they do commits or rolls back
with the change that caused it. Subscriptions are assembled once, in the
wiring, from what each feature declares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

#: ``handler(tx, event)``; ``tx`` is the job's unit of work (core.delivery.effects.Effects).
Handler = Callable[[Any, Any], Awaitable[None]]
Subscriptions = Mapping[type, Sequence[Handler]]


class Bus:
    def __init__(self, *subscriptions: Subscriptions) -> None:
        merged: dict[type, list[Handler]] = defaultdict(list)
        for table in subscriptions:
            for event, handlers in table.items():
                merged[event].extend(handlers)
        self._handlers: dict[type, tuple[Handler, ...]] = {k: tuple(v) for k, v in merged.items()}

    def handlers(self, event: type) -> tuple[Handler, ...]:
        return self._handlers.get(event, ())

    async def publish(self, tx: Any, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            await handler(tx, event)
