"""Outbox methods: what the delivery engine asks of each kind of call it sends.

The engine knows no feature. A row names a method; the method (a plain Bot
API call, or a feature's own, such as the relay's) says what it needs and
makes the call. The registry of methods is built by the wiring of each
process and passed in, so a call is checked where it is recorded
(:class:`core.delivery.effects.Effects`) against the methods that will send it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

import asyncpg

from core.delivery.budgets import Lane, Limiter
from core.delivery.outbox import OutboxRow
from core.platform.errors import BadCall
from core.telegram.gateway import TelegramGateway

State = TypeVar("State")


@dataclass(frozen=True)
class Reservation:
    """Send slots a call needs: ``messages`` in ``chat_id``'s budget, on ``lane``."""

    chat_id: int
    lane: Lane
    #: Telegram counts every message a call creates against the limits.
    messages: int


@dataclass(frozen=True)
class Delivered:
    """The call was made; ``result`` is kept on its row."""

    result: Mapping[str, Any]


@dataclass(frozen=True)
class Again:
    """Done for now: the row goes back for ``seconds``, until the slots of its next part.

    Not an attempt and not a failure: e.g. a relay that could only create its
    topic now, its copies' slots being further out.
    """

    seconds: float


Outcome = Delivered | Again


class Means(Protocol):
    """What a method makes its call with (the engine passes its Courier)."""

    @property
    def pool(self) -> asyncpg.Pool: ...

    @property
    def gateway(self) -> TelegramGateway: ...

    @property
    def limiter(self) -> Limiter: ...


class Method(Protocol[State]):
    """One kind of outbox call.

    ``State`` is what the method learns about a claimed row before the
    batch's slots are reserved (e.g. whether the relay's topic exists yet).
    """

    @property
    def name(self) -> str:
        """The name rows carry in ``outbox.method``."""
        ...

    @property
    def required(self) -> frozenset[str]:
        """Parameters a call cannot be made without: checked when it is recorded."""
        ...

    @property
    def reaches_blocked(self) -> bool:
        """Made even to a private chat that blocked the bot (the method handles the refusal)."""
        ...

    async def prepare(self, conn: asyncpg.Connection, rows: Sequence[OutboxRow]) -> Sequence[State]:
        """Each row's state, in order: at most one query for all of ``rows``."""
        ...

    def reservations(self, row: OutboxRow, state: State) -> Sequence[Reservation]:
        """The slots the call needs, in the order it uses them (at least one).

        The call is made at the moment its first reservation is granted; when
        that one is refused the row waits for it.
        """
        ...

    def order_of(self, row: OutboxRow) -> int:
        """The chat whose rows go out in order (one after another) with this one."""
        ...

    async def perform(
        self, means: Means, row: OutboxRow, state: State, granted: Sequence[float]
    ) -> Outcome:
        """Make the call. ``granted`` holds one offset per reservation: seconds
        after the first at which its slots are the call's own, or minus the wait
        when refused (nothing reserved). Raises :class:`core.platform.errors.BotError`."""
        ...


class Methods:
    """The outbox methods one process knows, by name; fixed once wired."""

    def __init__(self, methods: Iterable[Method[Any]]) -> None:
        by_name: dict[str, Method[Any]] = {}
        for method in methods:
            if method.name in by_name:
                raise ValueError(f"outbox method {method.name} registered twice")
            by_name[method.name] = method
        self._by_name: Mapping[str, Method[Any]] = MappingProxyType(by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Method[Any]:
        method = self._by_name.get(name)
        if method is None:
            raise BadCall(f"unknown outbox method {name!r}")
        return method

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._by_name)

    def check(self, name: str, params: Mapping[str, Any]) -> None:
        """Refuse a call that could never be made, while its author is on the stack."""
        missing = self[name].required - params.keys()
        if missing:
            raise BadCall(f"{name} needs {', '.join(sorted(missing))}")
