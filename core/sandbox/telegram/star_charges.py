"""Stars payments in the stand-in Telegram: made by the sandbox's pay-invoice, refunded by the bot.

Telegram refunds a Stars payment whole, only to the user who paid it, and
only once (``CHARGE_ALREADY_REFUNDED`` the second time); a charge it never
made is ``CHARGE_ID_INVALID``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.platform.database import connection
from core.platform.sql import q
from core.sandbox.telegram.rows import Refused


@dataclass(frozen=True)
class StarCharge:
    charge_id: str
    user_id: int
    amount: int
    payload: str
    paid_at: datetime
    refunded_at: datetime | None


class StarCharges:
    """The model's Stars payments (mixed into TelegramModel)."""

    _pool: asyncpg.Pool

    async def record_star_charge(self, charge_id: str, user_id: int, amount: int, payload: str) -> None:
        """Telegram charged ``user_id`` for the bot's invoice."""
        await self._pool.execute(q("star_charges_record"), charge_id, user_id, amount, payload)

    async def refund_star_charge(self, charge_id: str, user_id: int) -> None:
        if not charge_id:
            raise Refused("CHARGE_ID_EMPTY")
        async with connection(self._pool) as conn, conn.transaction():
            row = await conn.fetchrow(q("star_charges_get"), charge_id)
            if row is None:
                raise Refused("CHARGE_ID_INVALID")
            if row["user_id"] != user_id:
                raise Refused("USER_ID_INVALID")
            if await conn.fetchval(q("star_charges_refund"), charge_id) is None:
                raise Refused("CHARGE_ALREADY_REFUNDED")

    async def star_charges(self) -> list[StarCharge]:
        return [StarCharge(**dict(r)) for r in await self._pool.fetch(q("star_charges_list"))]
