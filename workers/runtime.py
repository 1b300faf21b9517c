"""What every worker's jobs share: the container, retries, and exactly-once effects."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Protocol

import asyncpg
import structlog
from procrastinate import App, BaseRetryStrategy, JobContext, RetryDecision
from procrastinate.job_context import AbortReason
from procrastinate.jobs import Job

from core.billing.stripe.gateway import StripeGateway
from core.delivery import engine
from core.delivery.budgets import Limiter
from core.delivery.courier import Courier
from core.delivery.effects import Effects
from core.delivery.hooks import Hooks
from core.delivery.methods import Methods
from core.jobs.bus import Bus
from core.jobs.inbox_bell import Bell
from core.jobs.processed import Source, first_delivery
from core.jobs.queues import Queue, Task
from core.platform.config import Settings
from core.platform.database import patiently, retryable_failures
from core.platform.errors import DatabaseUnavailable, RetryableError
from core.telegram.bot_api import BotApi
from core.telegram.gateway import TelegramGateway

log = structlog.get_logger(__name__)


class IncomingRecorder(Protocol):
    """Sandbox only: the stand-in Telegram, as the workers see it (never imported with a
    real BOT_TOKEN: the wiring passes it in)."""

    async def record_incoming(self, message: Mapping[str, Any]) -> None:
        """Learn a message a user sent, so the bot can copy it."""

    async def prune_sends(self) -> None:
        """Forget the bookkeeping of sends no limit needs any more."""

    async def prune_history(self, older_than: timedelta) -> None:
        """Forget messages, answers and faults older than ``older_than``."""

    def bot_api(self) -> BotApi:
        """Its answers to the Bot API calls production makes over HTTPS (getWebhookInfo)."""
        ...


@dataclass(frozen=True)
class Container:
    """Everything a worker's jobs need, built once per process by the wiring module."""

    settings: Settings
    pool: asyncpg.Pool
    gateway: TelegramGateway
    limiter: Limiter
    #: The outbox methods this process records and delivers (the wiring registers them).
    methods: Methods
    #: Whom the delivery tells what Telegram's refusals teach.
    hooks: Hooks
    sandbox: IncomingRecorder | None = None
    #: Messaging worker processes with MESSAGING_LINGER_SECONDS > 0: wakes drains
    #: listening for their shard's next update (absent where jobs run without a
    #: standing worker, as in tests).
    inbox_bell: Bell | None = None
    #: Present where Stripe is configured (the fake one in sandbox mode).
    stripe: StripeGateway | None = None
    #: The features' subscriptions to each other's events (core.jobs.bus).
    bus: Bus = field(default_factory=Bus)
    #: The procrastinate worker running the current job (set per job by :func:`job`).
    worker_id: int | None = None

    @property
    def courier(self) -> Courier:
        return Courier(self.pool, self.gateway, self.limiter, self.methods, self.hooks,
                       claimant=self.worker_id)

    def for_job(self, worker_id: int | None) -> Container:
        return replace(self, worker_id=worker_id)


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
    async with retryable_failures(), first_delivery(c.pool, source, key) as conn:
        if conn is None:
            log.info("repeat delivery ignored", source=source.value, key=key)
            return False
        tx = Effects(conn, cause=f"{source.value}:{key}", methods=c.methods, bus=c.bus)
        await effects(tx)
    await engine.deliver(c.courier, tx.outbox_ids)
    return True


class HandedBack(RetryableError):
    """The worker stopped before the job finished; the job runs again."""


#: Puts a job's work back in the queue after a retryable failure, ``seconds`` from now.
Requeue = Callable[[Container, Mapping[str, Any], float], Awaitable[None]]
#: The log context of a job, from its arguments.
Bind = Callable[[Mapping[str, Any]], Mapping[str, Any]]

#: Waits before a requeued job runs again: short, the failure was transient.
REQUEUE_SECONDS = 2.0
#: How long a job whose work goes back in the queue waits for the database to take
#: it (a restart takes seconds). Failing at once would show a failed job for a
#: passing outage, and leave its inbox shard to the sweep.
REQUEUE_PATIENCE_SECONDS = 60.0


async def requeue_patiently(requeue: Requeue, c: Container, args: Mapping[str, Any], wait: float,
                            patience: float = REQUEUE_PATIENCE_SECONDS) -> None:
    """``requeue``, tried again while the database cannot be reached, for up to ``patience``."""

    def retrying(exc: DatabaseUnavailable, pause: float) -> None:
        log.warning("database unavailable: the job's work is queued again in a moment",
                    error=str(exc), retry_in=pause)

    await patiently(lambda: requeue(c, args, wait), patience=patience, first_pause=0.25, on_retry=retrying)


def job(
    app: App, c: Container, task: Task, *, bind: Bind | None = None, requeue: Requeue | None = None,
) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., Awaitable[None]]]:
    """Register ``handler(container, **args)`` as the task ``task`` on its queue.

    Each run gets the container bound to its worker (whose id marks the outbox
    rows it claims) and a log context with the job id. Retryable failures are
    retried by procrastinate with :data:`BACKOFF`, except for tasks with a
    queueing lock, given ``requeue``: procrastinate cannot put such a job back
    while another with the same lock waits (a unique violation, which would
    leave it ``doing`` for good), so ``requeue`` queues its work again itself.

    A job still running when its worker stops (SIGTERM, past the shutdown
    grace) is handed back rather than lost: its work is queued again
    (``requeue``), or the job is retried like any retryable failure.
    """
    queue = Queue(task.value.split(".", 1)[0])

    def register(handler: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        retry: BaseRetryStrategy | bool = BACKOFF if requeue is None else False

        @app.task(name=task.value, queue=queue.value, pass_context=True, retry=retry)
        async def run(context: JobContext, /, **args: Any) -> None:
            bound = c.for_job(context.job.worker_id)
            extra = bind(args) if bind is not None else {}
            with structlog.contextvars.bound_contextvars(job_id=context.job.id, **extra):
                try:
                    # The database going away mid-job (a restart) is retried like any
                    # transient failure, whichever statement met it: jobs are idempotent.
                    async with retryable_failures():
                        await handler(bound, **args)
                except RetryableError as exc:
                    if requeue is None:
                        raise
                    wait = max(float(exc.retry_after or 0.0), REQUEUE_SECONDS)
                    log.warning("job failed, queued again", task=task.value, error=str(exc), wait=wait)
                    await requeue_patiently(requeue, bound, args, wait)
                except asyncio.CancelledError:
                    if context.abort_reason() is not AbortReason.SHUTDOWN:
                        raise
                    log.warning("worker stopping: job handed back unfinished", task=task.value)
                    if requeue is None:
                        raise HandedBack() from None
                    # The shutdown grace bounds the patience.
                    await requeue_patiently(requeue, bound, args, 0.0)

        del run
        return handler

    return register
