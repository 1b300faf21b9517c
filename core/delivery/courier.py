"""What delivering needs: the database, Telegram, the shared send budgets, the
outbox methods this process sends and whom to tell what Telegram said."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core.delivery.budgets import Limiter
from core.delivery.hooks import Hooks
from core.delivery.methods import Methods
from core.telegram.gateway import TelegramGateway


@dataclass(frozen=True)
class Courier:
    pool: asyncpg.Pool
    gateway: TelegramGateway
    limiter: Limiter
    methods: Methods
    hooks: Hooks
    #: The procrastinate worker delivering (its id marks the rows it claims),
    #: so that the rows of a worker that died go back to the queue.
    claimant: int | None = None
    #: Rows put back (a slot further out, a retry) get no delivery job of their
    #: own: the caller, which paces its rows to the budget (a campaign), comes
    #: back for them.
    comes_back: bool = False
