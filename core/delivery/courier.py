"""What delivering needs: the database, Telegram, and the shared send budgets."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core.delivery.budgets import Limiter
from core.telegram.gateway import TelegramGateway


@dataclass(frozen=True)
class Courier:
    pool: asyncpg.Pool
    gateway: TelegramGateway
    limiter: Limiter
    #: The procrastinate worker delivering (its id marks the rows it claims),
    #: so that the rows of a worker that died go back to the queue.
    claimant: int | None = None
