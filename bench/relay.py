"""Benchmark: the paid relay end to end, from the webhook POST to the Telegram gateway.

    /tmp/venv/bin/python bench/relay.py [--users 1000] [--messages-per-user 5] [--workers 2]
        [--concurrency 8] [--rate 200] [--duration 10] [--fresh-users 200] [--profile DIR] [--statements]

One run, on this machine: a fresh database (embedded Postgres unless
DATABASE_URL is set) migrated by ``sql/migrate.sh`` and seeded with users who
have credits and a topic already; the real ingress (``python -m webhooks`` in production mode with a
made-up bot token, bound to 127.0.0.1 by bench/relay_ingress.py) and W messaging workers that run
production's ``workers.wiring.run`` (bench/relay_worker.py) with an
in-memory gateway that writes down each ``copy_messages`` call
(bench/relay_gateway.py). Telegram's send limits are lifted through their
environment variables: the budgets are still taken, but never make a
delivery wait (with them, one admin group takes 20 messages a minute). Then:

1. procrastinate's own rate: no-op jobs through one worker (bench/relay_noop.py);
2. warm-up: a few users write twice, so pools and caches are warm;
3. throughput: every user writes ``--messages-per-user`` messages at once,
   posted by wrk; messages/s = relayed / (last gateway call - first post);
4. latency: updates posted at ``--rate``/s for ``--duration`` s (open loop,
   bench/relay_client.py); latency = gateway call - post;
5. first message: users without a topic write once at ``--rate``/s (the
   path that creates the topic).

CPU ms per message counts the ingress, the workers and the Postgres server
(user + system, from /proc; with DATABASE_URL, the whole local server).
During the throughput phase pg_stat_activity is sampled (what backends wait
on, which statements run) and procrastinate's job search is timed against
the queue depth; ``--profile DIR`` adds py-spy profiles (of the throughput
phase, or the one ``--profile-phase`` names).

procrastinate_jobs gets the statistics of a queued backlog before each phase,
so every run starts from the plan the queue is meant to have; ``--queue-stats
idle`` (analyzed empty after a burst, as autovacuum usually leaves it) and
``none`` (a fresh deploy) start from the states in which procrastinate's job
search scans the whole queue for every job. ``--pg-set`` and ``--extra-sql``
are for what-if runs.

Prints figures, never asserts timings; exits 1 only when a message was lost
or relayed twice, or a balance is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import relay_db, relay_noop, relay_profile, relay_wrk  # noqa: E402
from bench.ingress import free_port, wait_http  # noqa: E402
from bench.relay_gateway import read_calls  # noqa: E402
from bench.relay_procs import Child, Children, CpuMeter, CpuSample, cpu_delta, postmaster_of  # noqa: E402
from bench.relay_records import Key, Records, wait_relayed  # noqa: E402
from bench.relay_report import NoopResult, PhaseResult, Verification, print_report  # noqa: E402
from core.jobs.queues import Queue  # noqa: E402
from core.platform import embedded_postgres  # noqa: E402
from core.platform.config import SANDBOX_ADMIN_GROUP_ID, SANDBOX_WEBHOOK_SECRET  # noqa: E402
from core.platform.embedded_postgres import with_database  # noqa: E402

STEADY_BASE = 910_000_000  # users with a topic: throughput and latency
WARM_BASE = 920_000_000  # users with a topic: warm-up
FRESH_BASE = 930_000_000  # users without a conversation yet: first message
FIRST_MESSAGE_ID = 1000
FIRST_UPDATE_ID = 500_000_000
CREDITS = 1_000_000
STALL_SECONDS = 30.0
#: Telegram's limits (20 messages a minute into a group, 1/s per chat, 30/s overall) would make
#: this a measurement of the limiter's waits: lift them, so the budgets are still taken (the
#: same statements run) but never make a delivery wait.
UNLIMITED = {"TELEGRAM_GLOBAL_PER_SECOND": "100000", "TELEGRAM_CHAT_PER_SECOND": "100000",
             "TELEGRAM_GROUP_PER_MINUTE": "100000"}
#: Variables that would take the processes out of sandbox mode or away from the bench database.
CLEARED_ENV = ("BOT_TOKEN", "TELEGRAM_API_ID", "TELEGRAM_API_HASH", "TELEGRAM_WEBHOOK_SECRET",
               "ADMIN_GROUP_ID", "ADMIN_GROUP_IDS", "ADMIN_USER_ID", "STRIPE_API_KEY", "DATA_DIR",
               "TELEGRAM_PAID_PER_SECOND")


#: The ingress runs as in production, with a bot token: in sandbox mode it also claims each
#: message's id in the stand-in Telegram (webhooks/console/claims.py), a statement and a commit
#: per update that real Telegram does not need. No process here calls Telegram with it.
PRODUCTION_INGRESS = {"BOT_TOKEN": "123456:bench-token-not-a-real-one", "TELEGRAM_API_ID": "1",
                      "TELEGRAM_API_HASH": "0" * 32, "TELEGRAM_WEBHOOK_SECRET": SANDBOX_WEBHOOK_SECRET,
                      "ADMIN_GROUP_ID": str(SANDBOX_ADMIN_GROUP_ID)}


def children_cpu() -> float:
    """CPU seconds of the benchmark's reaped children (load generators)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Bench:
    def __init__(self, args: argparse.Namespace, children: Children, tmp: Path) -> None:
        self.args = args
        self.children = children
        self.tmp = tmp
        self.server: embedded_postgres.EmbeddedPostgres | None = None
        self.base_url = ""
        self.db_name = f"bench_relay_{os.getpid()}"
        self.noop_db_name = f"bench_relay_noop_{os.getpid()}"
        self.url = ""
        self.noop_url = ""
        self.env: dict[str, str] = {}
        self.port = 0
        self.ingress: Child | None = None
        self.workers: list[Child] = []
        self.postmaster: int | None = None
        self.steady = [STEADY_BASE + i for i in range(args.users)]
        self.warm = [WARM_BASE + i for i in range(max(16, 2 * args.workers * args.concurrency))]
        self.fresh = [FRESH_BASE + i for i in range(args.fresh_users)]
        self.next_update = FIRST_UPDATE_ID
        self.next_message: Counter[int] = Counter()
        self.charged: Counter[int] = Counter()  # acknowledged messages per user
        self.records = Records([tmp / f"relays-{i}.jsonl" for i in range(args.workers)])
        self.phases: list[PhaseResult] = []
        self.noop: list[NoopResult] = []
        self.deadline = time.monotonic() + args.timeout

    # -- set-up ---------------------------------------------------------------------------------

    async def setup_database(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
        if env.get("DATABASE_URL"):
            self.base_url = env["DATABASE_URL"]
        else:
            self.server = embedded_postgres.start(self.tmp / "pg", keep_data=False)
            env = self.server.env(env)
            self.base_url = self.server.url
        # procrastinate's no-op rate is taken in a database of its own, so neither run
        # inherits the other's job table (its statistics, its dead rows).
        self.url = with_database(self.base_url, self.db_name)
        self.noop_url = with_database(self.base_url, self.noop_db_name)
        for name in (self.db_name, self.noop_db_name):
            url = await relay_db.create_database(self.base_url, name)
            relay_db.migrate(env, url)
            for path in self.args.extra_sql:
                relay_db.apply_sql(env, url, Path(path))
            await relay_db.configure(url, name, self.args.pg_set)
        await relay_db.seed(self.url, with_topic=[*self.steady, *self.warm], without_topic=self.fresh,
                            credits=CREDITS, admin_chat_id=SANDBOX_ADMIN_GROUP_ID)
        self.postmaster = postmaster_of(await relay_db.checkpointer_pid(self.url))
        self.env = dict(env, DATABASE_URL=self.url, LOG_LEVEL="WARNING",
                        WORKER_CONCURRENCY=str(self.args.concurrency), **UNLIMITED)

    async def run_noop(self, locks: int) -> None:
        jobs = self.args.noop_jobs or self.args.users * self.args.messages_per_user
        await relay_db.set_job_statistics(self.noop_url, self.args.queue_stats, queue=relay_noop.QUEUE,
                                          jobs=jobs, locks=locks)
        child = self.children.python(
            f"noop-{locks}", "bench.relay_noop",
            ["--url", self.noop_url, "--jobs", str(jobs), "--concurrency", str(self.args.concurrency),
             "--locks", str(locks), "--postmaster", str(self.postmaster or 0)], self.env,
        )
        code = await asyncio.to_thread(child.proc.wait, max(self.deadline - time.monotonic(), 1))
        lines = child.log.read_text().strip().splitlines()
        if code != 0 or not lines:
            raise RuntimeError(f"no-op benchmark failed:\n{child.log.read_text()[-3000:]}")
        result = json.loads(lines[-1])
        self.noop.append(NoopResult(locks=locks, jobs=int(result["jobs"]), seconds=result["seconds"],
                                    jobs_per_s=result["jobs_per_s"], worker_cpu_ms=result["worker_cpu_ms"],
                                    postgres_cpu_ms=result["postgres_cpu_ms"]))

    async def start_system(self) -> None:
        self.port = free_port()
        env = dict(self.env, PORT=str(self.port))
        self.ingress = self.children.python("ingress", "bench.relay_ingress", [],
                                            dict(env, **PRODUCTION_INGRESS))
        await asyncio.to_thread(wait_http, f"http://127.0.0.1:{self.port}/")
        for i in range(self.args.workers):
            self.workers.append(self.children.python(
                f"worker-{i}", "bench.relay_worker",
                ["--index", str(i), "--records", str(self.tmp / f"relays-{i}.jsonl"),
                 "--calls", str(self.tmp / f"calls-{i}.json")], env,
            ))
        while await relay_db.registered_workers(self.url) < self.args.workers:
            self.check_alive()
            if time.monotonic() > self.deadline:
                raise RuntimeError("workers did not start")
            await asyncio.sleep(0.1)

    def check_alive(self) -> None:
        for child in [self.ingress, *self.workers]:
            if child is not None and child.proc.poll() is not None:
                raise RuntimeError(f"{child.name} exited:\n{child.log.read_text()[-3000:]}")

    # -- load -----------------------------------------------------------------------------------

    def allocate(self, users: list[int], per_user: int) -> list[list[int]]:
        """[update_id, user_id, message_id], round robin over the users (everyone's 1st, 2nd, ...)."""
        plan = []
        for _ in range(per_user):
            for user in users:
                message = FIRST_MESSAGE_ID + self.next_message[user]
                self.next_message[user] += 1
                plan.append([self.next_update, user, message])
                self.next_update += 1
        return plan

    async def job_statistics(self) -> None:
        """The job table's statistics as ``--queue-stats`` says, for a backlog like the bursts'."""
        await relay_db.set_job_statistics(
            self.url, self.args.queue_stats, queue=Queue.MESSAGING.value,
            jobs=self.args.users * self.args.messages_per_user, locks=self.args.users,
        )

    def meter(self, extra: dict[str, list[int]] | None = None) -> CpuMeter:
        assert self.ingress is not None
        groups = {"ingress": [self.ingress.proc.pid], "workers": [w.proc.pid for w in self.workers],
                  "bench": [os.getpid()], **(extra or {})}
        return CpuMeter(groups, self.postmaster)

    async def finish_phase(self, phase: PhaseResult, meter: CpuMeter, before: CpuSample,
                           stats: dict[str, int], client_cpu: float) -> None:
        waited = await wait_relayed(self.records, phase.expected, stall_seconds=STALL_SECONDS,
                                    deadline=self.deadline, check=self.check_alive)
        phase.cpu = cpu_delta(before, meter.sample())
        after = await relay_db.db_stats(self.url, settle=True)
        phase.db = {k: after[k] - stats[k] for k in after}
        phase.last_relay = waited.last_at
        phase.missing = waited.missing
        phase.relay_times = sorted(self.records.first_at[k] for k in phase.expected
                                   if k in self.records.first_at)
        phase.client_cpu = client_cpu

    async def paced(self, name: str, users: list[int], per_user: int, rate: float) -> PhaseResult:
        plan = self.allocate(users, per_user)
        plan_file, out_file = self.tmp / f"plan-{name}.json", self.tmp / f"sent-{name}.json"
        plan_file.write_text(json.dumps(plan))
        meter = self.meter()
        await self.job_statistics()
        stats = await relay_db.db_stats(self.url, settle=True)
        statements = self.args.statements and await relay_db.statements_reset(self.url)
        profilers = self.start_profilers(name)
        before, rusage = meter.sample(), children_cpu()
        try:
            client = self.children.python(
                f"client-{name}", "bench.relay_client",
                ["--url", f"http://127.0.0.1:{self.port}", "--plan", str(plan_file), "--rate", str(rate),
                 "--out", str(out_file), "--secret", SANDBOX_WEBHOOK_SECRET], self.env,
            )
            while client.proc.poll() is None:
                self.records.poll()
                self.check_alive()
                if time.monotonic() > self.deadline:
                    raise RuntimeError(f"{name}: the client did not finish in time")
                await asyncio.sleep(0.05)
        finally:
            relay_profile.stop(profilers)
        if client.proc.returncode != 0:
            raise RuntimeError(f"{name}: client failed:\n{client.log.read_text()[-3000:]}")
        sent = json.loads(out_file.read_text())
        acked = {(int(u), int(m)): float(t) for u, m, t, _, status in sent if status == 200}
        for user, _ in acked:
            self.charged[user] += 1
        phase = PhaseResult(name=name, posted=len(plan), expected=set(acked),
                            first_post=min((s[2] for s in sent), default=math.nan), rate=rate)
        phase.acks_ms = [(a - t) * 1000 for _, _, t, a, status in sent if status == 200]
        await self.finish_phase(phase, meter, before, stats, children_cpu() - rusage)
        if statements:
            phase.statements = await relay_db.top_statements(self.url)
        phase.latencies_ms = [(self.records.first_at[k] - t) * 1000 for k, t in acked.items()
                              if k in self.records.first_at]
        self.phases.append(phase)
        return phase

    async def throughput(self) -> PhaseResult:
        args = self.args
        first_message = FIRST_MESSAGE_ID + self.next_message[self.steady[0]]
        plan = relay_wrk.WrkPlan(args.users, args.messages_per_user, STEADY_BASE, first_message,
                                 self.next_update)
        items = plan.items()
        for _, user, _ in items:
            self.next_message[user] += 1
        self.next_update += plan.total
        script = self.tmp / "throughput.lua"
        relay_wrk.write_script(plan, script, SANDBOX_WEBHOOK_SECRET)
        profilers = self.start_profilers("throughput")
        sampler = relay_db.ActivitySampler(self.url)
        await sampler.start()
        meter = self.meter({"sampler": [sampler.backend_pid] if sampler.backend_pid else []})
        await self.job_statistics()
        stats = await relay_db.db_stats(self.url, settle=True)
        statements = self.args.statements and await relay_db.statements_reset(self.url)
        before, rusage = meter.sample(), children_cpu()
        phase = PhaseResult(name="throughput", posted=plan.total,
                            expected={(user, message) for _, user, message in items},
                            first_post=time.time())
        wrk = relay_wrk.start(self.port, script, args.connections,
                              max(int(self.deadline - time.monotonic()), 10))
        try:
            await self.finish_phase(phase, meter, before, stats, 0.0)
            if statements:
                phase.statements = await relay_db.top_statements(self.url)
        finally:
            await sampler.stop()
            relay_profile.stop(profilers)
            result = await asyncio.to_thread(relay_wrk.finish, wrk)
        phase.client_cpu = children_cpu() - rusage
        phase.failed_posts = result.posts_failed + max(plan.total - result.posts_ok - result.posts_failed, 0)
        phase.ack_p50_ms, phase.ack_p99_ms = result.ack_p50_ms, result.ack_p99_ms
        phase.sampler = sampler
        for _, user, _ in items:
            self.charged[user] += 1
        self.phases.append(phase)
        return phase

    def start_profilers(self, phase: str) -> dict[str, subprocess.Popen[bytes]]:
        if not self.args.profile or phase != self.args.profile_phase:
            return {}
        exe = relay_profile.py_spy()
        if exe is None:
            print("--profile: py-spy not found (pip install py-spy); profiling skipped")
            return {}
        assert self.ingress is not None
        pids = {"ingress": self.ingress.proc.pid, **{w.name: w.proc.pid for w in self.workers}}
        samplers = relay_profile.start(exe, pids, Path(self.args.profile))
        time.sleep(1.0)  # let py-spy attach before the load starts
        return samplers

    # -- end ------------------------------------------------------------------------------------

    async def drain_and_stop(self) -> dict[str, int]:
        """Wait for an empty queue and outbox, stop the workers (they write their call counts)."""
        backlog = await relay_db.backlog(self.url)
        limit = time.monotonic() + STALL_SECONDS
        while (backlog["jobs"] or backlog["outbox_pending"]) and time.monotonic() < limit:
            await asyncio.sleep(0.2)
            backlog = await relay_db.backlog(self.url)
        for worker in self.workers:
            await asyncio.to_thread(self.children.stop, worker)
        if self.ingress is not None:
            await asyncio.to_thread(self.children.stop, self.ingress)
        self.records.poll()
        return backlog

    async def verify(self, backlog: dict[str, int]) -> Verification:
        expected: set[Key] = set().union(*(p.expected for p in self.phases))
        counts = self.records.count
        rows = await relay_db.user_rows(self.url, [*self.steady, *self.warm, *self.fresh])
        ledger_bad = [
            r for r in rows
            if r.credits != CREDITS - self.charged[r.telegram_id] or r.ledger_sum != r.credits
            or r.charges != self.charged[r.telegram_id] or r.relayed != self.charged[r.telegram_id]
        ]
        calls: Counter[str] = Counter()
        for i in range(self.args.workers):
            calls.update(read_calls(self.tmp / f"calls-{i}.json"))
        return Verification(
            expected=len(expected),
            relayed=sum(1 for k in expected if k in counts),
            lost=sum(1 for k in expected if k not in counts),
            duplicated=sum(c - 1 for c in counts.values() if c > 1),
            unexpected=sum(1 for k in counts if k not in expected),
            users=len(rows),
            ledger_bad=len(ledger_bad),
            ledger_example=repr(ledger_bad[0]) if ledger_bad else "",
            backlog=backlog,
            calls=dict(calls),
            copy_calls=self.records.calls,
            ids_per_call=dict(self.records.ids_per_call),
        )

    async def run(self) -> Verification:
        args = self.args
        await self.setup_database()
        await self.run_noop(0)
        if args.noop_locks:
            await self.run_noop(args.noop_locks)
        await self.start_system()
        await self.paced("warm-up", self.warm, 2, 400.0)
        await self.throughput()
        n = max(1, int(args.rate * args.duration))
        users = self.steady * (n // len(self.steady) + 1)
        await self.paced_plan("latency", users[:n], args.rate)
        if self.fresh:
            await self.paced_plan("first message", self.fresh, args.rate)
        return await self.verify(await self.drain_and_stop())

    async def paced_plan(self, name: str, users: list[int], rate: float) -> PhaseResult:
        """One message per entry of ``users`` (a user may appear several times), in that order."""
        return await self.paced(name, users, 1, rate)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--messages-per-user", type=int, default=5)
    p.add_argument("--workers", type=int, default=2, help="messaging worker processes")
    p.add_argument("--concurrency", type=int, default=8, help="jobs per worker (WORKER_CONCURRENCY)")
    p.add_argument("--rate", type=float, default=200.0, help="messages/s in the latency phase")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of the latency phase")
    p.add_argument("--fresh-users", type=int, default=200,
                   help="users without a topic who write once (0 skips the first-message phase)")
    p.add_argument("--connections", type=int, default=64, help="wrk connections in the throughput phase")
    p.add_argument("--noop-jobs", type=int, default=0, help="no-op jobs (default: users x messages)")
    p.add_argument("--noop-locks", type=int, default=None, metavar="N",
                   help="also run the no-op jobs with N distinct locks, as messaging jobs have one per "
                        "user (default: --users; 0 skips)")
    p.add_argument("--statements", action="store_true",
                   help="per phase, the statements that took the most server time (needs a server "
                        "that preloads pg_stat_statements, through DATABASE_URL)")
    p.add_argument("--profile", metavar="DIR", help="py-spy the ingress and workers during one phase")
    p.add_argument("--profile-phase", choices=("throughput", "latency", "first message"),
                   default="throughput", help="the phase --profile samples (default: throughput)")
    p.add_argument("--pg-set", action="append", default=[], metavar="KEY=VALUE",
                   help="database setting for a what-if run, e.g. synchronous_commit=off")
    p.add_argument("--queue-stats", choices=("busy", "idle", "none"), default="busy",
                   help="statistics of procrastinate_jobs at the start of each phase: taken with a "
                        "backlog queued (busy), taken empty after one (idle: the usual state when a "
                        "burst comes), or none (a fresh deploy); see bench/relay_db.py")
    p.add_argument("--extra-sql", action="append", default=[], metavar="FILE",
                   help="SQL applied after the migrations for a what-if run, e.g. an index")
    p.add_argument("--timeout", type=float, default=900.0, help="bound on the whole run, seconds")
    args = p.parse_args()
    if args.noop_locks is None:
        args.noop_locks = args.users
    if args.users < 1 or args.messages_per_user < 1 or args.workers < 1 or args.rate <= 0:
        p.error("users, messages-per-user, workers and rate must be positive")
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds into the clean-up below


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed on PATH (Debian: apt-get install wrk)")
    signal.signal(signal.SIGTERM, _terminate)
    tmp = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    children = Children(logs=tmp)
    bench = Bench(args, children, tmp)
    verification = None
    try:
        verification = asyncio.run(asyncio.wait_for(bench.run(), timeout=args.timeout))
    finally:
        children.stop_all()
        if bench.server is not None:
            bench.server.stop()
        elif bench.url:
            for name in (bench.db_name, bench.noop_db_name):
                try:
                    asyncio.run(relay_db.drop_database(bench.base_url, name))
                except Exception as exc:  # clean-up must not hide the run's own error
                    print(f"could not drop database {name}: {exc!r}")
        if verification is None or not verification.ok:
            print(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    assert verification is not None
    print_report(args, bench.noop, bench.phases, verification)
    if not verification.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
