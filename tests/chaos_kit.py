"""The whole system as processes, under load, with workers killed and Postgres restarted.

Shared by the acceptance test (tests/reliability/test_chaos.py) and the
benchmarks (bench/chaos.py, bench/soak.py): the ingress (``python -m
webhooks``) and one worker process per queue (``tests.processes``) run
against one database; the driver posts updates as Telegram does (an update
answered 503 or not answered is posted again a second later: Telegram
redelivers it), pays through the fake Stripe and with Stars, answers as an
operator, kills a random worker with SIGKILL every few seconds and restarts
it, and stops and starts Postgres once. What it saw is in :class:`Log`;
tests/chaos_check.py then reads the database for what must be true.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import shlex
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp
import asyncpg

from core.accounts import ledger
from core.platform import database
from core.platform.config import load_settings
from core.platform.errors import DatabaseUnavailable
from core.sandbox.stripe import FakeStripe
from tests import builders, chaos_broadcast
from tests.builders import OPERATOR, Person
from tests.harness import GENEROUS_LIMITS, free_port
from tests.processes import ROOT, WorkerProcesses, worker_env

#: Queues whose worker the chaos kills (the broadcast worker too, when the plan has a
#: broadcast: Rig.queues). It is started only then: its ~25 connections would crowd a
#: test server's 100, and bench/chaos.py raises its own server's limit for it.
KILLABLE = ("messaging", "messaging", "billing", "admin")
QUEUES = ("messaging", "billing", "admin")
USER_BASE = 710_000_000
REDELIVERY_SECONDS = 1.0
#: What the driver's own queries meet while Postgres restarts.
DOWN = (*database.UNAVAILABLE, asyncpg.PostgresConnectionError, DatabaseUnavailable)


@dataclass(frozen=True)
class Plan:
    users: int = 50
    rate: float = 50.0  #: user messages per second
    seconds: float = 20.0  #: of load
    kill_every: float | None = 2.0  #: seconds between kills; None: no kills
    #: Kills at least: the killing goes on past the load (the backlog keeps the workers busy).
    min_kills: int = 0
    restart_postgres_at: float | None = None  #: seconds into the load
    postgres_down: float = 1.0  #: seconds between stop and start
    stripe_payments: int = 4
    stars_payments: int = 4
    replies_per_second: float = 1.0  #: operator replies in the users' topics
    credits: int = 1000  #: granted to each user before the load
    latency_ms: int = 20  #: of each fake Telegram call, so kills land mid-send
    stalled_after: int = 3
    seed: int = 18
    #: Admin groups the users are spread over: a group's sends go out one after another.
    groups: int = 2
    #: Recipients (besides the users) of a broadcast that runs through the load, on a
    #: broadcast worker killed like the others (tests/chaos_broadcast.py); 0: none.
    broadcast_recipients: int = 0


@dataclass
class Log:
    """What the driver saw."""

    #: update id -> (user, text, first post) of every user message Telegram would send.
    messages: dict[int, tuple[int, str, float]] = field(default_factory=dict)
    acked: set[int] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    #: (posted, answered, status) of every post, to time the Postgres restart.
    answers: list[tuple[float, float, int]] = field(default_factory=list)
    stripe_sessions: list[str] = field(default_factory=list)
    #: Stripe events accepted only on a retry (the first delivery failed).
    stripe_retried: int = 0
    stars_charges: list[str] = field(default_factory=list)
    replies: int = 0
    #: Purchases started whose checkout or invoice never came.
    unoffered: list[str] = field(default_factory=list)
    kills: int = 0
    #: The broadcast's campaign, when the plan has one.
    campaign_id: int | None = None
    died_alone: list[str] = field(default_factory=list)
    postgres_stopped_at: float | None = None
    postgres_started_at: float | None = None
    load_seconds: float = 0.0
    writing_seconds: float = 0.0
    postgres_down_at: float | None = None


@dataclass(frozen=True)
class PgControl:
    """Stop and start an embedded Postgres on its data directory (same port, same socket)."""

    data_dir: Path
    env: Mapping[str, str]

    def _pg_ctl(self, *args: str) -> None:
        # As the data directory's owner (pgserver runs the server as its own user under
        # root); output to a file, as pg_ctl start would hold a pipe open forever.
        owner = self.data_dir.stat().st_uid
        with (self.data_dir.parent / "pg_ctl.log").open("ab") as out:
            subprocess.run(["pg_ctl", "-D", str(self.data_dir), *args], env=dict(self.env), check=True,
                           stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           user=owner if owner != os.geteuid() else None)

    def stop(self) -> str:
        """Fast shutdown (what a restart by the host does); the options to start it again with."""
        opts = (self.data_dir / "postmaster.opts").read_text().strip()
        self._pg_ctl("-m", "fast", "-w", "stop")
        return opts

    def start(self, opts: str) -> None:
        args = shlex.split(opts)[1:]  # postmaster.opts: the binary, then its arguments
        at = args.index("-D")
        kept = args[:at] + args[at + 2:]  # pg_ctl names the data directory itself
        self._pg_ctl("-w", "-o", shlex.join(kept), "start")


async def retrying(pool: asyncpg.Pool, sql: str, *args: object, timeout: float = 60.0) -> Any:
    """fetchval that rides out a Postgres restart (the driver's pool loses its connections too)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await pool.fetchval(sql, *args)
        except DOWN:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def retrying_fetch(pool: asyncpg.Pool, sql: str, *args: object) -> list[asyncpg.Record]:
    for _ in range(300):
        with suppress(*DOWN):
            return list(await pool.fetch(sql, *args))
        await asyncio.sleep(0.2)
    raise AssertionError("the database never came back")


async def wait_for(pool: asyncpg.Pool, sql: str, *args: object, timeout: float, poll: float = 0.1) -> float:
    start = time.monotonic()
    while not await retrying(pool, sql, *args):
        if time.monotonic() - start > timeout:
            raise AssertionError(f"still false after {timeout} s: {sql}")
        await asyncio.sleep(poll)
    return time.monotonic() - start


QUIET = """SELECT NOT EXISTS (SELECT 1 FROM inbox)
          AND NOT EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'sending'))
          AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE status IN ('todo', 'doing')
                          AND task_name NOT LIKE 'maintenance.%'
                          AND (scheduled_at IS NULL OR scheduled_at < now() + interval '1 minute'))"""


LEFT = """SELECT 'inbox', (failed_at IS NOT NULL)::text, count(*) FROM inbox GROUP BY 2
          UNION ALL SELECT 'outbox', status, count(*) FROM outbox WHERE status NOT IN ('sent', 'superseded')
          GROUP BY 2
          UNION ALL SELECT task_name, status::text, count(*) FROM procrastinate_jobs
          WHERE status IN ('todo', 'doing', 'failed') GROUP BY 1, 2"""


class Rig:
    """The processes and the driver's connections; :meth:`open` starts and always stops them."""

    def __init__(self, url: str, logs: Path, plan: Plan, pg: PgControl | None,
                 env: Mapping[str, str] | None = None) -> None:
        self.url, self.logs, self.plan, self.pg = url, logs, plan, pg
        self.port = free_port()
        groups = ",".join(str(-1001000000001 - i) for i in range(plan.groups))
        extra = {**GENEROUS_LIMITS, "ADMIN_GROUP_IDS": groups,
                 "WORKER_STALLED_AFTER_SECONDS": str(plan.stalled_after),
                 "SANDBOX_TELEGRAM_LATENCY_MS": str(plan.latency_ms), "LOG_LEVEL": "WARNING",
                 "WORKER_CONCURRENCY": "4",
                 **(env or {})}
        self.env = worker_env(url, self.port, extra)
        self.settings = load_settings(self.env)
        self.workers = WorkerProcesses(self.env, logs)
        self.ingress: subprocess.Popen[bytes] | None = None
        self.log = Log()
        self.people = [Person(USER_BASE + i, f"U{i}", None, None, "en") for i in range(plan.users)]
        self.rng = random.Random(plan.seed)
        self._update_ids = itertools.count(900_000_000)
        self._files: list[IO[bytes]] = []
        self.pool: asyncpg.Pool
        self.http: aiohttp.ClientSession
        self.stripe: FakeStripe
        self._posts: set[asyncio.Task[None]] = set()

    @property
    def queues(self) -> tuple[str, ...]:
        return (*QUEUES, "broadcast") if self.plan.broadcast_recipients else QUEUES

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @asynccontextmanager
    async def open(self) -> AsyncIterator[Rig]:
        self.ingress = self._start_ingress()
        self.pool = await database.create_pool(self.url, max_size=8)
        self.stripe = FakeStripe(self.pool, webhook_secret=self.settings.stripe_webhook_secret,
                                 webhook_url=f"{self.base}/webhooks/stripe")
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200),
                                          timeout=aiohttp.ClientTimeout(total=30))
        try:
            await self._until_ready()
            newest = "SELECT count(*) FROM procrastinate_workers"
            for queue in self.queues:
                self.workers.start(queue)
            await wait_for(self.pool, f"SELECT ({newest}) >= $1", len(self.queues), timeout=90)
            yield self
        finally:
            for task in self._posts:
                task.cancel()
            await self.http.close()
            self.workers.stop_all()
            if self.ingress.poll() is None:
                self.ingress.terminate()
                with suppress(subprocess.TimeoutExpired):
                    self.ingress.wait(20)
                if self.ingress.poll() is None:
                    self.ingress.kill()
            for f in self._files:
                f.close()
            await self.pool.close()

    def _start_ingress(self) -> subprocess.Popen[bytes]:
        # bench.relay_ingress: python -m webhooks, listening on the loopback only.
        out = (self.logs / "ingress.log").open("wb")
        self._files.append(out)
        return subprocess.Popen([sys.executable, "-m", "bench.relay_ingress"], env=dict(self.env),
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

    async def _until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.ingress is not None
            assert self.ingress.poll() is None, "the ingress exited"
            with suppress(aiohttp.ClientError):
                async with self.http.get(f"{self.base}/ready") as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise AssertionError("the ingress never became ready")

    # --- what Telegram sends ---

    def _update(self, person: Person, text: str) -> dict[str, Any]:
        # builders numbers messages with gaps, leaving room for the bot's own in the chat.
        update = builders.private_text(person, text, update_id=next(self._update_ids))
        # Dated now, as Telegram dates them: the sandbox's retention forgets old messages.
        update["message"]["date"] = int(time.time())
        return update

    async def post(self, update: dict[str, Any]) -> None:
        """Post until the ingress answers 200, as Telegram redelivers what it did not take."""
        body = {"X-Telegram-Bot-Api-Secret-Token": self.settings.webhook_secret}
        while True:
            posted = time.monotonic()
            try:
                async with self.http.post(f"{self.base}/webhooks/telegram", json=update, headers=body) as r:
                    status = r.status
                    await r.read()
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            self.log.statuses[status] += 1
            self.log.answers.append((posted, time.monotonic(), status))
            if status == 200:
                self.log.acked.add(update["update_id"])
                return
            await asyncio.sleep(REDELIVERY_SECONDS)

    def post_soon(self, update: dict[str, Any]) -> None:
        task = asyncio.create_task(self.post(update))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    async def onboard(self) -> None:
        """Every user starts the bot and is granted credits (one ledger row each)."""
        # The desk's topic titles go out only on a group's spare budget, and its sweep
        # keeps queueing new ones while conversations change: they would keep the
        # outbox from ever being quiet. Customers' messages are what is verified here.
        await self.pool.execute("INSERT INTO bot_settings (key, value)"
                                " VALUES ('topic_status_enabled', 'false')"
                                " ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        await asyncio.gather(*(self.post(self._update(p, "/start")) for p in self.people))
        await wait_for(self.pool, "SELECT count(*) = $1 FROM users", len(self.people), timeout=120)
        async with self.pool.acquire() as conn:
            for user_id in await conn.fetch("SELECT id FROM users WHERE telegram_id >= $1", USER_BASE):
                await ledger.apply(conn, user_id["id"], self.plan.credits, reason="operator_grant",
                                   key=f"chaos:{user_id['id']}")
        await wait_for(self.pool, QUIET, timeout=120)

    # --- the run ---

    async def run(self) -> Log:
        plan = self.plan
        if plan.broadcast_recipients:
            self.log.campaign_id = await chaos_broadcast.start(self.pool, plan.broadcast_recipients)
        tasks = [self._writer(), self._payments()]
        if plan.kill_every:
            tasks.append(self._killer())
        if plan.restart_postgres_at is not None and self.pg is not None:
            tasks.append(self._restart_postgres())
        if plan.replies_per_second:
            tasks.append(self._replier())
        start = time.monotonic()
        await asyncio.gather(*tasks)
        while self._posts:
            await asyncio.wait(set(self._posts))
        self.log.load_seconds = time.monotonic() - start
        return self.log

    async def settle(self, timeout: float) -> float:
        """Wait until nothing is left to do, restarting workers that died by themselves.

        Stripe retries an event its webhook did not accept (for days, backing off);
        the stand-in retries only when asked, so settling asks it, as Stripe's next
        attempt would: an event the ingress could not take under load (a timeout, a
        503 while Postgres was down) is delivered then, and counted.
        """
        start = time.monotonic()
        while True:
            with suppress(*DOWN):
                self.log.stripe_retried += await self.stripe.deliver_pending()
            if await retrying(self.pool, QUIET):
                break
            self.revive()
            if time.monotonic() - start > timeout:
                left = await self.pool.fetch(LEFT)
                raise AssertionError(f"work left after {timeout} s: {[tuple(r) for r in left]}\n"
                                     f"{self.workers.log_tail()}")
            await asyncio.sleep(0.2)
        return time.monotonic() - start

    def revive(self) -> None:
        for queue, proc in list(self.workers.running.items()):
            if proc.poll() is not None:
                self.log.died_alone.append(f"{queue} exited with {proc.returncode}:\n"
                                           f"{self.workers.tail_of(proc)}")
                del self.workers.running[queue]
                self.workers.start(queue)

    async def _writer(self) -> None:
        began = time.monotonic()
        try:
            await self._write_all()
        finally:
            self.log.writing_seconds = time.monotonic() - began

    async def _write_all(self) -> None:
        loop = asyncio.get_running_loop()
        total = int(self.plan.rate * self.plan.seconds)
        start = loop.time()
        for i in range(total):
            delay = start + i / self.plan.rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            person = self.people[i % len(self.people)]
            update = self._update(person, f"chaos {person.id} {i}")
            self.log.messages[update["update_id"]] = (person.id, update["message"]["text"], time.time())
            self.post_soon(update)

    async def _killer(self) -> None:
        assert self.plan.kill_every
        end = time.monotonic() + self.plan.seconds
        while time.monotonic() < end or self.log.kills < self.plan.min_kills:
            await asyncio.sleep(self.plan.kill_every * self.rng.uniform(0.5, 1.5))
            self.revive()
            queue = self.rng.choice((*KILLABLE, "broadcast") if self.plan.broadcast_recipients else KILLABLE)
            if queue in self.workers.running:
                self.workers.restart(queue)
                self.log.kills += 1

    async def _restart_postgres(self) -> None:
        assert self.pg is not None
        assert self.plan.restart_postgres_at is not None
        await asyncio.sleep(self.plan.restart_postgres_at)
        self.log.postgres_stopped_at = time.monotonic()
        opts = await asyncio.to_thread(self.pg.stop)
        self.log.postgres_down_at = time.monotonic()
        await asyncio.sleep(self.plan.postgres_down)
        await asyncio.to_thread(self.pg.start, opts)
        self.log.postgres_started_at = time.monotonic()

    async def _payments(self) -> None:
        plan = self.plan
        count = plan.stripe_payments + plan.stars_payments
        if not count:
            return
        rails = ["stripe"] * plan.stripe_payments + ["stars"] * plan.stars_payments
        self.rng.shuffle(rails)
        pace = plan.seconds / count
        jobs = []
        for n, rail in enumerate(rails):
            await asyncio.sleep(pace * self.rng.uniform(0.5, 1.0))
            # Each payer pays once, so its pending transaction is unambiguous.
            person = self.people[n % len(self.people)]
            pay = self._pay_stripe if rail == "stripe" else self._pay_stars
            jobs.append(asyncio.create_task(pay(person)))
        await asyncio.gather(*jobs)

    async def _pending(self, person: Person, rail: str) -> asyncpg.Record | None:
        sql = ("SELECT t.id, t.external_id, t.amount FROM transactions t JOIN users u ON u.id = t.user_id"
               " WHERE u.telegram_id = $1 AND t.rail = $2 AND t.status = 'pending'"
               " AND coalesce(t.external_id, '') <> ''")
        sql_stars = sql.replace("AND coalesce(t.external_id, '') <> ''", "")
        # The purchase waits its turn behind the backlog of messages in the inbox.
        deadline = time.monotonic() + self.plan.seconds + 600
        while time.monotonic() < deadline:
            with suppress(*DOWN):
                row = await self.pool.fetchrow(sql if rail == "stripe" else sql_stars,
                                               person.id, rail)
                if row is not None:
                    return row
            await asyncio.sleep(0.2)
        rows = await retrying_fetch(self.pool, "SELECT t.* FROM transactions t JOIN users u"
                                    " ON u.id = t.user_id WHERE u.telegram_id = $1", person.id)
        self.log.unoffered.append(f"{rail} for {person.id}: {[dict(r) for r in rows]}")
        return None

    async def _pay_stripe(self, person: Person) -> None:
        await self.post(self._update(person, "/buy10"))
        row = await self._pending(person, "stripe")
        if row is None:
            return
        self.log.stripe_sessions.append(row["external_id"])
        # A liveness bound, far above a restart's seconds: a run fails rather than hangs.
        deadline = time.monotonic() + 180
        while True:
            try:
                await self.stripe.complete_session(row["external_id"])
                return
            except DOWN:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    async def _pay_stars(self, person: Person) -> None:
        press = builders.callback(person, "pay:stars:pack10")
        press["update_id"] = next(self._update_ids)
        await self.post(press)
        row = await self._pending(person, "stars")
        if row is None:
            return
        charge = f"stxchaos{row['id']}"
        update = self._update(person, "")
        message = update["message"]
        del message["text"]
        message["successful_payment"] = {
            "currency": "XTR", "total_amount": int(row["amount"]), "invoice_payload": f"tx:{row['id']}",
            "telegram_payment_charge_id": charge, "provider_payment_charge_id": ""}
        self.log.stars_charges.append(charge)
        await self.post(update)

    async def _replier(self) -> None:
        end = time.monotonic() + self.plan.seconds
        while time.monotonic() < end:
            await asyncio.sleep(1 / self.plan.replies_per_second)
            with suppress(*DOWN):
                topic = await self.pool.fetchrow(
                    "SELECT admin_chat_id, topic_id FROM conversations WHERE topic_id IS NOT NULL"
                    " ORDER BY random() LIMIT 1")
                if topic is not None:
                    update = builders.topic_message(OPERATOR, topic["topic_id"],
                                                    f"chaos reply {self.log.replies}")
                    update["message"]["chat"]["id"] = topic["admin_chat_id"]
                    update["message"]["date"] = int(time.time())  # see _update
                    update["update_id"] = next(self._update_ids)
                    self.log.replies += 1
                    self.post_soon(update)

    def pids(self) -> dict[str, int]:
        """The live processes by name, for their memory."""
        found = {f"worker {q}": p.pid for q, p in self.workers.running.items()}
        if self.ingress is not None:
            found["ingress"] = self.ingress.pid
        return found
