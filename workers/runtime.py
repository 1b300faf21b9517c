"""What every worker's jobs share: the container, retries, and exactly-once effects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
import structlog
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job

from core import delivery
from core.config import Settings
from core.courier import Courier
from core.database import UNAVAILABLE
from core.effects import Effects
from core.errors import DatabaseUnavailable, RetryableError
from core.gateway import TelegramGateway
from core.limits import Limiter
from core.processed import Source, first_delivery
from core.stripe_gateway import StripeGateway

log = structlog.get_logger(__name__)


class IncomingRecorder(Protocol):
    """Sandbox only: the stand-in Telegram learns the messages users send."""

    async def record_incoming(self, message: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class Container:
    """Everything a worker's jobs need, built once per process by the wiring module."""

    settings: Settings
    pool: asyncpg.Pool
    gateway: TelegramGateway
    limiter: Limiter
    sandbox: IncomingRecorder | None = None
    #: Present where Stripe is configured (the fake one in sandbox mode).
    stripe: StripeGateway | None = None

    @property
    def courier(self) -> Courier:
        return Courier(self.pool, self.gateway, self.limiter)


class Backoff(BaseRetryStrategy):
    """Retry only what is declared retryable, honouring a wait the cause asked for."""

    def __init__(self, *, max_attempts: int = 12, cap_seconds: int = 300) -> None:
        self.max_attempts = max_attempts
        self.cap_seconds = cap_seconds

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, RetryableError) or job.attempts >= self.max_attempts:
            return None
        wait = min(2 ** (job.attempts + 1), self.cap_seconds)
        if exception.retry_after:
            wait = max(wait, int(exception.retry_after) + 1)
        return RetryDecision(retry_in={"seconds": wait})


BACKOFF = Backoff()


async def apply_once(
    c: Container, source: Source, key: str, effects: Callable[[Effects], Awaitable[None]]
) -> bool:
    """Apply ``effects`` unless this delivery was applied before; deliver after commit.

    Returns False for a repeat delivery, which changes nothing.
    """
    try:
        async with first_delivery(c.pool, source, key) as conn:
            if conn is None:
                log.info("repeat delivery ignored", source=source.value, key=key)
                return False
            tx = Effects(conn, cause=f"{source.value}:{key}")
            await effects(tx)
    except (asyncpg.SerializationError, asyncpg.DeadlockDetectedError) as exc:
        raise DatabaseUnavailable(f"transaction conflict: {type(exc).__name__}") from exc
    except UNAVAILABLE as exc:
        raise DatabaseUnavailable(f"database unreachable: {type(exc).__name__}") from exc
    await delivery.deliver(c.courier, tx.outbox_ids)
    return True
