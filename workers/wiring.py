"""Builds a worker process: container, procrastinate app, tasks of its queue."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import asyncpg
import psycopg
import structlog
from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import ConnectorException

from core import billing as billing_feature
from core import desk as desk_feature
from core import relay as relay_feature
from core.accounts import users
from core.admin import menus as admin_menus
from core.admin import roles
from core.admin.outages import OutageWatch
from core.billing.stripe.gateway import StripeGateway
from core.delivery import bot_api, chat_migrations
from core.delivery.budgets import Limiter, SendLimits
from core.delivery.effects import Effects
from core.delivery.hooks import Hooks
from core.delivery.methods import Methods
from core.dispatch import command_menu
from core.jobs import inbox_bell, stalls, wakeups
from core.jobs.bus import Bus
from core.jobs.processed import Source
from core.jobs.queues import Queue
from core.platform import database
from core.platform.config import Settings
from core.platform.errors import DatabaseUnavailable
from core.relay import conversations
from core.relay import methods as relay_methods
from core.telegram.gateway import TelegramGateway
from core.telegram.pyrogram import PyrogramGateway
from workers import admin, billing, broadcast, maintenance, messaging
from workers.runtime import Container, IncomingRecorder, apply_once

log = structlog.get_logger("workers")

#: procrastinate's polling, as a safety net only: workers are woken when a job is
#: queued (procrastinate's NOTIFY), when a job's lock frees up with another job
#: waiting behind it (sql/migrations/0021_operations.sql) and when a scheduled
#: job is due (core.jobs.wakeups). An idle worker costs next to nothing.
POLL_SECONDS = 5.0

#: Who reacts to what: the features' subscriptions to each other's events.
BUS = Bus(relay_feature.SUBSCRIPTIONS, billing_feature.SUBSCRIPTIONS)

REGISTER: dict[Queue, Callable[[App, Container], None]] = {
    Queue.MESSAGING: messaging.register,
    Queue.BILLING: billing.register,
    Queue.ADMIN: admin.register,
    Queue.BROADCAST: broadcast.register,
}


def sandbox_limits(limits: SendLimits) -> Any:
    """The sandbox's Telegram holds the bot to the limits it is configured with
    (Telegram's own by default)."""
    from core.sandbox.telegram import Limits

    return Limits(
        per_chat_per_second=limits.chat_per_second,
        per_chat_burst=max(int(limits.chat_burst), 1),
        per_group_per_minute=max(int(limits.group_per_minute), 1),
        global_per_second=max(int(limits.global_per_second), 1),
        paid_global_per_second=max(int(limits.paid_per_second), 1),
    )


async def build_gateway(
    settings: Settings, pool: asyncpg.Pool
) -> tuple[TelegramGateway, IncomingRecorder | None]:
    """The fake Telegram in sandbox mode, a logged-in Pyrogram bot otherwise."""
    if settings.sandbox:
        from core.sandbox.telegram.client import create_fake_client
        from core.sandbox.telegram.model import TelegramModel

        model = TelegramModel(pool, limits=sandbox_limits(settings.send_limits))
        for group in settings.admin_group_ids:
            # The sandbox's admin groups exist from the start: supergroups as forums, and
            # a basic group (-42) as one, until the sandbox upgrades it (migrate_group).
            supergroup = str(group).startswith("-100")
            await model.ensure_chat(group, title="Support desk (sandbox)",
                                    is_forum=True if supergroup else None)
        fake = await create_fake_client(model, latency=settings.sandbox_latency_seconds)
        return PyrogramGateway(fake), model

    from core.telegram.pyrogram import build_bot_client

    # load_settings guarantees these outside sandbox mode.
    assert settings.bot_token is not None
    assert settings.telegram_api_id is not None
    assert settings.telegram_api_hash is not None
    client = build_bot_client(
        pool, settings.telegram_api_id, settings.telegram_api_hash, settings.bot_token
    )
    await client.start()
    return PyrogramGateway(client), None


def delivery_methods() -> Methods:
    """Every outbox method: the Bot API's, and the features' own."""
    return Methods([*bot_api.methods(), *relay_methods.METHODS, *desk_feature.METHODS])


async def _blocked_bot(conn: asyncpg.Connection, chat_id: int) -> None:
    await users.set_blocked_bot(conn, chat_id, True)


def delivery_hooks() -> Hooks:
    """Who keeps what the delivery learns from Telegram's refusals."""
    return Hooks(recipient_blocked=(_blocked_bot,), chat_migrated=(conversations.follow_chat,))


async def build_container(
    settings: Settings, pool: asyncpg.Pool, *, telegram_pool: asyncpg.Pool | None = None
) -> Container:
    """What a worker's jobs need; ``telegram_pool`` serves the sandbox's stand-in Telegram."""
    gateway, sandbox = await build_gateway(settings, telegram_pool or pool)
    return Container(settings=settings, pool=pool, gateway=gateway,
                     limiter=Limiter(pool, settings.send_limits), methods=delivery_methods(),
                     hooks=delivery_hooks(), sandbox=sandbox, stripe=build_stripe(settings), bus=BUS)


async def register_commands(c: Container) -> None:
    """Tell Telegram the bot's command lists (users', each operator's, the admin groups'),
    once per distinct set: idempotent across restarts, and again when operators changed."""
    async with database.connection(c.pool) as conn:
        named = c.settings.admin_user_ids
        owners = [await roles.resolve(conn, named, uid) for uid in named]
        listed = [(uid, role, lang) for uid, role, lang in await roles.ids_with_role(conn)
                  if uid not in c.settings.admin_user_ids]
        everyone = [(o.telegram_id, o.role, o.lang) for o in owners if o is not None] + listed
        # Telegram sets a chat's menu only once the person has written to the bot.
        reachable = await roles.known(conn, [uid for uid, _, _ in everyone])
    people = sorted(p for p in everyone if p[0] in reachable)
    groups = c.settings.admin_group_ids
    plan = (command_menu.command_lists(), groups, people, admin_menus.ADMIN_MENU)
    digest = hashlib.sha256(repr(plan).encode()).hexdigest()[:16]

    async def effects(tx: Effects) -> None:
        await command_menu.register(tx)
        await admin_menus.for_groups(tx, groups)
        for telegram_id, role, lang in people:
            await admin_menus.for_operator(tx, telegram_id, role, lang)

    await apply_once(c, Source.INTERNAL, f"commands:{digest}", effects)


def recovery_interval(stalled_after: float) -> float:
    """How often each worker process looks for the work of dead ones."""
    return min(max(stalled_after / 4, 0.5), 5.0)


async def watch_stalls(pool: asyncpg.Pool, stalled_after: float, outage: OutageWatch | None = None) -> None:
    """Recover the jobs and claimed sends of dead workers, for as long as this process runs.

    Every worker process does it, so recovery needs no particular survivor;
    the SQL takes each job once however many look at the same time. Being
    the process's own periodic use of the database, it also tells ``outage``
    when the database stopped and started answering (core.admin.outages).
    """
    interval = recovery_interval(stalled_after)
    while True:
        await asyncio.sleep(interval)
        try:
            async with database.connection(pool) as conn:
                found = await stalls.recover(conn, stalled_after)
                if outage is not None and await outage.reached(conn):
                    log.warning("database reachable again: outage recorded")
        except (DatabaseUnavailable, *database.UNAVAILABLE) as exc:
            if outage is not None:
                outage.failed()
            log.warning("stall recovery skipped: database unavailable", error=str(exc))
            continue
        except Exception:
            log.exception("stall recovery failed")
            continue
        for item in found:
            if item.kind is stalls.Kind.JOB_ERROR:
                log.error("stalled job not recovered", job_id=item.job_id, task=item.task_name,
                          error=item.detail)
        jobs = [f"{i.task_name}[{i.job_id}]:{i.kind.value}" for i in found if i.job_id is not None]
        sends = [i.outbox_id for i in found if i.kind is stalls.Kind.SEND_RETURNED]
        if jobs or sends:
            log.warning("work of a dead worker recovered", jobs=jobs, sends_returned=sends)


def build_stripe(settings: Settings) -> StripeGateway | None:
    if settings.stripe_api_key is None:
        return None
    return StripeGateway(settings.stripe_api_key, api_base=settings.stripe_api_base)


def build_app(
    c: Container, queues: Iterable[Queue], conninfo: str, *, with_maintenance: bool = True
) -> App:
    app = App(connector=PsycopgConnector(conninfo=conninfo))
    queues = list(queues)
    for queue in queues:
        REGISTER[queue](app, c)
    if with_maintenance and Queue.ADMIN in queues:
        maintenance.register(app, c)
    return app


async def _database_reachable(url: str, stop: asyncio.Event, outage: OutageWatch) -> bool:
    """Wait until the database answers (True), or until told to stop (False).

    A worker (re)started while Postgres restarts must not exit: process managers
    restart a process that keeps crashing later and later (minutes on some PaaS).
    """
    wait = 0.25
    while not stop.is_set():
        try:
            conn = await asyncpg.connect(url, timeout=5)
        except (*database.UNAVAILABLE, asyncpg.PostgresConnectionError) as exc:
            outage.failed()
            log.warning("waiting for the database", error=type(exc).__name__, retry_in=wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            wait = min(wait * 2, 5.0)
            continue
        await conn.close()
        return True
    return False


#: What a worker losing the database while it starts (or while procrastinate's own
#: loop runs) raises: asyncpg's, and procrastinate's psycopg connector's.
LOST_DATABASE = (DatabaseUnavailable, *database.UNAVAILABLE, asyncpg.PostgresConnectionError,
                 psycopg.OperationalError, ConnectorException)


#: Between a lost start and the next: a fault that is not the database's does not spin.
RESTART_PAUSE_SECONDS = 1.0


async def run(settings: Settings, queue: Queue, url: str, stop: asyncio.Event) -> None:
    """Serve ``queue`` until told to stop.

    A worker that loses the database while it starts (a restart between its
    first connection and the next ones), or whose procrastinate loop ends
    without being told to (its listener could not reconnect), waits for the
    database and starts again rather than exiting: a process manager restarts
    a crashing process later and later (minutes on some PaaS).
    """
    # Kept across starts: the first stall watch that reaches the database again
    # records the outage that made this process start again.
    outage = OutageWatch(f"{queue.value}-{os.getpid()}")
    while await _database_reachable(url, stop, outage):
        try:
            await _serve(settings, queue, url, stop, outage)
        except LOST_DATABASE as exc:
            outage.failed()
            log.warning("database lost: starting again", queue=queue.value, error=type(exc).__name__)
        else:
            if not stop.is_set():
                log.warning("worker loop ended by itself: starting again", queue=queue.value)
        if stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RESTART_PAUSE_SECONDS)


async def _serve(settings: Settings, queue: Queue, url: str, stop: asyncio.Event,
                 outage: OutageWatch) -> None:
    async with contextlib.AsyncExitStack() as started:
        pool = await database.create_pool(url, max_size=settings.worker_concurrency + 2)
        started.push_async_callback(pool.close)
        # The stand-in Telegram is an outside service: its sends get connections of
        # their own rather than waiting for the jobs' (the real one shares none).
        # Opened up front: a send that has to open a connection first arrives late,
        # and a late send next to punctual ones is what breaks a rate window.
        telegram_pool = pool
        if settings.sandbox:
            telegram_pool = await database.create_pool(url, min_size=12, max_size=12, durable=False)
            started.push_async_callback(telegram_pool.close)
        # Admin groups Telegram upgraded, by their new ids; kept current while the worker runs.
        await chat_migrations.refresh(pool, settings.live_admin_groups)
        started.push_async_callback(
            _cancelled, asyncio.create_task(chat_migrations.follow_changes(pool, settings.live_admin_groups)))
        c = await build_container(settings, pool, telegram_pool=telegram_pool)
        # Only a client this start built is stopped with it: a gateway handed in from
        # outside (bench/relay_worker.py's recorder) outlives the process's starts.
        if isinstance(c.gateway, PyrogramGateway):
            started.push_async_callback(c.gateway.close)
        if c.stripe is not None:
            started.push_async_callback(c.stripe.close)
        concurrency = settings.worker_concurrency
        if queue is Queue.MESSAGING and settings.messaging_linger_seconds > 0:
            # Drains listening for their shard's next update (workers.inbox_drain) hold
            # a job slot each but no connection: the slots they may take come on top.
            bell = inbox_bell.Bell()
            c = replace(c, inbox_bell=bell)
            started.push_async_callback(_cancelled, asyncio.create_task(inbox_bell.listen(url, bell)))
            concurrency += settings.messaging_shards
        app = build_app(c, [queue], url)
        if queue is Queue.ADMIN:
            await register_commands(c)
        async with app.open_async():
            await _work(c, app, queue, concurrency, url, stop, outage)


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _work(c: Container, app: App, queue: Queue, concurrency: int, url: str,
                stop: asyncio.Event, outage: OutageWatch) -> None:
    """Run procrastinate's worker and this process's watchers until ``stop`` is set
    or procrastinate's worker ends (raising what ended it)."""
    settings = c.settings
    worker = asyncio.create_task(
        app.run_worker_async(
            queues=[queue.value],
            concurrency=concurrency,
            name=f"{queue.value}-{os.getpid()}",
            delete_jobs="successful",
            install_signal_handlers=False,
            # A worker that misses its beats for stalled_after is dead: its
            # work is recovered by any other worker process (core.jobs.stalls).
            update_heartbeat_interval=settings.heartbeat_seconds,
            stalled_worker_timeout=settings.stalled_after_seconds,
            listen_notify=True,
            fetch_job_polling_interval=POLL_SECONDS,
            # Told to stop, running jobs get this long, then are handed back (workers.runtime).
            shutdown_graceful_timeout=settings.shutdown_grace_seconds,
        )
    )
    log.info("worker started", queue=queue.value, sandbox=settings.sandbox)
    watchdog = asyncio.create_task(watch_stalls(c.pool, settings.stalled_after_seconds, outage))
    alarm = asyncio.create_task(wakeups.wake_when_due(url, queue.value))
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({worker, stopped}, return_when=asyncio.FIRST_COMPLETED)
    log.info("worker stopping", queue=queue.value, grace_seconds=settings.shutdown_grace_seconds)
    if c.inbox_bell is not None:
        c.inbox_bell.close()  # listening drains end now, not after their wait
    watchdog.cancel()
    alarm.cancel()
    worker.cancel()
    for task in (worker, watchdog, alarm):
        with contextlib.suppress(asyncio.CancelledError):
            await task
    stopped.cancel()
