"""Telegram's sending limits as shared token buckets in Postgres.

Every process that sends for the bot takes a slot here first, so several
worker dynos together stay within about 1 message/s per chat, 20 per minute
per group and 30/s overall (paid broadcasts have their own overall budget).
A bucket of rate r and burst b lets through at most b + r·t in any t seconds;
the defaults keep every window within Telegram's figure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from enum import StrEnum

import asyncpg

from core.platform.database import connection
from core.platform.send_limits import SendLimits
from core.platform.sql import q

__all__ = ["Lane", "Limiter", "SendLimits"]

#: How much of the shared budget a flood wait takes away, in seconds of sends.
FLOOD_SLOWDOWN_SECONDS = 0.25
#: Slots are reserved up to this far ahead and their calls made then.
RESERVE_HORIZON_SECONDS = 1.0
#: A reservation a deadlock aborted is made again this many times at most.
RESERVE_ATTEMPTS = 3
#: How far ahead the broadcast lane may book the overall budget it shares with
#: interactive traffic (see :class:`Lane`).
BROADCAST_HORIZON_SECONDS = 0.3


class Lane(StrEnum):
    """Which overall budget a send takes its slot from, and how far ahead it may book it."""

    #: Interactive traffic: replies, relays, confirmations, screens.
    NORMAL = "normal"
    #: allow_paid_broadcast: Telegram's paid allowance, up to 1000/s, a budget of its own.
    PAID = "paid"
    #: Broadcasts on the free budget: the same overall 30/s as interactive traffic,
    #: at the lowest priority. Interactive sends book up to a second ahead; the
    #: broadcast lane only up to :data:`BROADCAST_HORIZON_SECONDS`, and only what is
    #: left then. So an interactive send finds the budget booked at most that far by
    #: broadcasts, and while interactive sends have booked it further, broadcasts
    #: get nothing: they take what interactive traffic leaves.
    BROADCAST = "broadcast"

    @property
    def horizon(self) -> float:
        """How far ahead a send on this lane may book its slots."""
        return BROADCAST_HORIZON_SECONDS if self is Lane.BROADCAST else RESERVE_HORIZON_SECONDS

    @property
    def pumped(self) -> bool:
        """Rows of the broadcast lanes are delivered by the campaign that queued them,
        which paces them to the budget and comes back for them: never by the sweeper."""
        return self is not Lane.NORMAL


class Limiter:
    def __init__(self, pool: asyncpg.Pool, limits: SendLimits | None = None) -> None:
        self._pool = pool
        self.limits = limits or SendLimits()

    async def take(self, chat_id: int, lane: Lane = Lane.NORMAL, count: int = 1) -> float:
        """Take ``count`` slots (one per message a call creates): 0 when taken,
        else the seconds to wait (nothing taken)."""
        keys, rates, bursts = self.limits.buckets(chat_id, lane)
        async with connection(self._pool) as conn:
            wait: float = await conn.fetchval(q("budgets_take_send_slot"), keys, rates, bursts, count)
        return wait

    @property
    def background_keep(self) -> float:
        """Tokens a group's bucket must keep after a background send: it goes only
        when the bucket is full, and leaves the rest of the burst to customers."""
        return max(self.limits.group_burst - 1.0, 0.0)

    async def reserve(self, calls: Sequence[tuple[int, Lane, int]], horizon: float,
                      keeps: Sequence[float] | None = None) -> list[float]:
        """Reserve slots for calls ``(chat_id, lane, messages)`` in order, in one statement.

        Each call gets the offset in seconds from now at which its slots are
        its own (0: at once), or, when that lies beyond ``horizon``, minus its
        wait and nothing reserved; a chat's later calls are then refused too.
        ``keeps``: per call, tokens its chat's bucket must keep after it (0: none);
        such a call is granted at once or not at all, and a refusal of it
        delays none of the calls after it.
        """
        async with connection(self._pool) as conn:
            return await self.reserve_on(conn, calls, horizon, keeps)

    async def reserve_on(
        self, conn: asyncpg.Connection, calls: Sequence[tuple[int, Lane, int]], horizon: float,
        keeps: Sequence[float] | None = None,
    ) -> list[float]:
        """:meth:`reserve` on a connection the caller holds already (handing a
        connection back to the pool costs a round trip of its own)."""
        keys: list[str] = []
        rates: list[float] = []
        bursts: list[float] = []
        counts: list[int] = []
        for chat_id, lane, count in calls:
            k, r, b = self.limits.buckets(chat_id, lane)
            keys += k
            rates += r
            bursts += b
            counts.append(count)
        kept = list(keeps) if keeps is not None else [0.0] * len(counts)
        if len(kept) != len(counts):
            raise ValueError(f"{len(kept)} reserves for {len(counts)} calls")
        for attempt in range(RESERVE_ATTEMPTS):
            try:
                offsets: list[float] = await conn.fetchval(
                    q("budgets_reserve_send_slots"), keys, rates, bursts, counts, horizon, kept)
                return list(offsets)
            except asyncpg.DeadlockDetectedError:
                # Concurrent reservations over the same budget rows deadlocked (seen
                # with a campaign's deliveries and a screen's at once): Postgres aborted
                # this one, which changed nothing, so it goes again.
                if attempt + 1 == RESERVE_ATTEMPTS:
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    async def room(self, lane: Lane, horizon: float | None = None) -> int:
        """How many messages ``lane``'s overall budget can grant within its horizon now:
        what is left of the bucket plus what refills before the horizon (none while a
        flood wait blocks it). What a pacing sender (a campaign) may claim next; per-chat
        limits can still refuse some of them."""
        key, rate, burst = self.limits.overall(lane)
        ahead = lane.horizon if horizon is None else horizon
        async with connection(self._pool) as conn:
            found = await conn.fetchval(q("budgets_room"), key, ahead)
        if found is None:  # the bucket was never used: full
            found = burst + rate * ahead
        return max(int(found), 0)

    async def take_within(self, chat_id: int, lane: Lane, max_wait: float, count: int = 1) -> float:
        """Take slots, sleeping for them when the wait is short; else return the wait."""
        wait = await self.take(chat_id, lane, count)
        while 0 < wait <= max_wait:
            await asyncio.sleep(wait)
            wait = await self.take(chat_id, lane, count)
        return wait

    async def flood_wait(self, chat_id: int, lane: Lane, seconds: float) -> None:
        """Telegram said wait: block the chat's key and slow the shared budget."""
        keys, rates, bursts = self.limits.buckets(chat_id, lane)
        async def block() -> None:
            await conn.execute(q("budgets_block_send_key"), keys[1], rates[1], bursts[1], float(seconds))

        async def slow_everyone() -> None:
            # A moment's worth of the shared budget, so the other chats ease off too:
            # enough to absorb the jitter that caused it, not a whole second of sends.
            await conn.execute(q("budgets_drain_global_tokens"), keys[0], rates[0] * FLOOD_SLOWDOWN_SECONDS)

        async with connection(self._pool) as conn, conn.transaction():
            # Rows locked in key order, as reserve_send_slots locks them: "group:…" after
            # "global" the other way round deadlocked with a reservation of the group.
            for step in ((block, slow_everyone) if keys[1] < keys[0] else (slow_everyone, block)):
                await step()

    async def prune(self) -> None:
        async with connection(self._pool) as conn:
            await conn.execute(q("budgets_prune_send_budgets"))
