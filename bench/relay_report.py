"""The relay benchmark's results and the table it prints."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.relay_db import ActivitySampler, Statement
from bench.relay_records import Key, percentile


@dataclass(frozen=True)
class NoopResult:
    locks: int
    jobs: int
    seconds: float
    jobs_per_s: float
    worker_cpu_ms: float
    postgres_cpu_ms: float

    def cpu(self) -> str:
        total = self.worker_cpu_ms + self.postgres_cpu_ms
        return (f"{total:.2f} ms CPU/job: worker {self.worker_cpu_ms:.2f} "
                f"+ postgres {self.postgres_cpu_ms:.2f}")


@dataclass
class PhaseResult:
    name: str
    posted: int
    expected: set[Key]
    first_post: float  # wall clock
    rate: float | None = None  # the pace of the posts, None = as fast as possible
    last_relay: float = math.nan
    missing: int = 0
    relay_times: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    db: dict[str, int] = field(default_factory=dict)
    client_cpu: float = 0.0
    acks_ms: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    failed_posts: int = 0
    ack_p50_ms: float = math.nan
    ack_p99_ms: float = math.nan
    sampler: ActivitySampler | None = None
    statements: list[Statement] = field(default_factory=list)

    @property
    def relayed(self) -> int:
        return len(self.expected) - self.missing

    @property
    def seconds(self) -> float:
        return self.last_relay - self.first_post

    @property
    def per_second(self) -> float:
        return self.relayed / self.seconds if self.seconds > 0 else math.nan

    def steady_rate(self) -> float:
        """Relays/s between the 10th and the 90th percent of the relays (no ramp-up, no tail)."""
        t = self.relay_times
        if len(t) < 20:
            return math.nan
        lo, hi = len(t) // 10, len(t) * 9 // 10
        return (hi - lo) / (t[hi] - t[lo]) if t[hi] > t[lo] else math.nan

    def rate_by_fifths(self) -> list[float]:
        """Relays/s in each fifth of the phase's time, from the first post on."""
        if not self.relay_times or not self.seconds > 0:
            return []
        fifth = self.seconds / 5
        counts = [0] * 5
        for at in self.relay_times:
            counts[min(int((at - self.first_post) / fifth), 4)] += 1
        return [c / fifth for c in counts]

    def pipeline_cpu(self) -> dict[str, float]:
        postgres = self.cpu.get("postgres", math.nan) - self.cpu.get("sampler", 0.0)
        return {"ingress": self.cpu.get("ingress", 0.0), "workers": self.cpu.get("workers", 0.0),
                "postgres": postgres}

    def cpu_ms_per_message(self) -> float:
        return 1000 * sum(self.pipeline_cpu().values()) / self.relayed if self.relayed else math.nan


@dataclass(frozen=True)
class Verification:
    expected: int
    relayed: int
    lost: int
    duplicated: int
    unexpected: int
    users: int
    ledger_bad: int
    ledger_example: str
    backlog: dict[str, int]
    calls: dict[str, int]
    copy_calls: int
    ids_per_call: dict[int, int]

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.ledger_bad == 0


def _ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f} ms"


def _row(label: str, value: str) -> None:
    print(f"  {label:<44} {value}")


def _cpu_line(phase: PhaseResult) -> str:
    parts = phase.pipeline_cpu()
    n = phase.relayed or 1
    detail = " + ".join(f"{name} {1000 * sec / n:.2f}" for name, sec in parts.items())
    return f"{phase.cpu_ms_per_message():.2f} ms  ({detail})"


def _machine_line(phase: PhaseResult) -> str:
    wall = phase.cpu.get("wall", math.nan)
    ours = sum(phase.pipeline_cpu().values())
    measured = ours + phase.cpu.get("bench", 0.0) + phase.cpu.get("sampler", 0.0) + phase.client_cpu
    others = phase.cpu.get("machine", math.nan) - measured
    return (f"{phase.cpu.get('machine', math.nan) / wall:.2f} of {os.cpu_count()} cores busy: "
            f"pipeline {ours / wall:.2f}, load generator {phase.client_cpu / wall:.2f}, "
            f"bench {(phase.cpu.get('bench', 0.0) + phase.cpu.get('sampler', 0.0)) / wall:.2f}, "
            f"other processes {max(others, 0.0) / wall:.2f}")


def _db_line(phase: PhaseResult) -> str:
    n = phase.relayed or 1
    db = phase.db
    # The activity sampler's own queries are one transaction each.
    commits = db.get("xact_commit", 0) - (phase.sampler.transactions if phase.sampler else 0)
    return (f"{commits / n:.1f} commits, {db.get('wal_bytes', 0) / n / 1024:.1f} kB WAL, "
            f"{db.get('tup_inserted', 0) / n:.1f} ins / {db.get('tup_updated', 0) / n:.1f} upd / "
            f"{db.get('tup_deleted', 0) / n:.1f} del rows per message")


def _latency(phase: PhaseResult) -> str:
    lat = phase.latencies_ms
    return (f"p50 {_ms(percentile(lat, 50))}  p99 {_ms(percentile(lat, 99))}  "
            f"max {_ms(max(lat) if lat else math.nan)}")


def _paced(phase: PhaseResult) -> None:
    _row("  messages", f"{phase.relayed} of {phase.posted} posted; relayed at {phase.per_second:.0f} msg/s "
         f"(first post to last gateway call {phase.seconds:.2f} s)")
    _row("  ingress answer (200)", f"p50 {_ms(percentile(phase.acks_ms, 50))}  "
         f"p99 {_ms(percentile(phase.acks_ms, 99))}")
    _row("  CPU per message", _cpu_line(phase))
    _row("  machine", _machine_line(phase))


def _activity(sampler: ActivitySampler, started: float) -> None:
    if not sampler.samples:
        return
    total = sum(sampler.waits.values())
    mean = total / sampler.samples
    print(f"\nPostgres during the throughput phase ({sampler.samples} samples of pg_stat_activity; "
          f"{mean:.2f} non-idle client backends on average):")
    for wait, n in sampler.waits.most_common(8):
        print(f"  {100 * n / total:5.1f}%  {wait}")
    print("  statements most often seen running or idle in transaction:")
    for query, n in sampler.queries.most_common(12):
        print(f"  {100 * n / total:5.1f}%  {query[:120]}")
    if sampler.probes:
        print("  procrastinate's job search (fetch_job_v2 candidate query) timed against the queue:")
        step = max(1, -(-len(sampler.probes) // 12))
        for p in sampler.probes[::step]:
            print(f"    {p.at - started:5.1f} s after the first post: {p.queued:5d} queued, "
                  f"{p.ms:7.2f} ms  {p.plan}")


def _statements(phase: PhaseResult) -> None:
    if not phase.statements:
        return
    total = sum(s.total_ms for s in phase.statements)
    print(f"\npg_stat_statements, {phase.name} ({phase.relayed} messages; the top {len(phase.statements)} "
          f"statements' {total:.0f} ms of planning and execution):")
    print("   calls  per msg   total ms  plan ms  ms/call  query")
    for s in phase.statements:
        per = s.calls / phase.relayed if phase.relayed else math.nan
        print(f"  {s.calls:6d}  {per:7.2f}  {s.total_ms:9.1f}  {s.plan_ms:7.1f}  "
              f"{s.total_ms / max(s.calls, 1):7.3f}  {s.query[:100]}")


def print_report(
    args: argparse.Namespace, noop: Sequence[NoopResult], phases: Sequence[PhaseResult],
    v: Verification | None,
) -> None:
    by_name = {p.name: p for p in phases}
    print()
    print(f"relay benchmark: {os.cpu_count()} cores; {args.users} users x {args.messages_per_user} messages; "
          f"{args.workers} messaging worker(s) x concurrency {args.concurrency}; "
          f"wrk {args.connections} connections; Telegram's send limits lifted"
          + (f"; settings {args.pg_set}" if args.pg_set else "")
          + f"; procrastinate_jobs statistics: {args.queue_stats}"
          + ("; py-spy attached" if args.profile else "")
          + (f"; extra SQL {args.extra_sql}" if args.extra_sql else ""))
    plain = next((n for n in noop if n.locks == 0), None)
    if plain is not None:
        _row("procrastinate no-op jobs, 1 worker", f"{plain.jobs_per_s:.0f} jobs/s  "
             f"({plain.jobs} jobs in {plain.seconds:.2f} s, concurrency {args.concurrency}; {plain.cpu()})")
    for n in noop:
        if n.locks:
            _row(f"  same, {n.locks} distinct locks",
                 f"{n.jobs_per_s:.0f} jobs/s  ({n.jobs} jobs; {n.cpu()})")
    for p in phases:
        if p.missing:
            print(f"  ! {p.name}: {p.missing} messages never reached the gateway; that phase's time and "
                  "CPU include the wait for them")
    t = by_name.get("throughput")
    if t is not None:
        _row("END TO END, every user at once",
             f"{t.per_second:.0f} msg/s  ({t.relayed} of {t.posted} relayed; "
             f"first post to last gateway call {t.seconds:.2f} s)")
        _row("  steady part (10%..90% of relays)", f"{t.steady_rate():.0f} msg/s")
        _row("  by fifths of the phase", "  ".join(f"{r:.0f}" for r in t.rate_by_fifths()) + " msg/s")
        if plain is not None:
            _row("  ratio to procrastinate no-op", f"{t.per_second / plain.jobs_per_s:.2f}")
        _row("  CPU per message", _cpu_line(t))
        if t.cpu_ms_per_message() > 0:
            _row("  => CPU bound at", f"{1000 * (os.cpu_count() or 1) / t.cpu_ms_per_message():.0f} msg/s "
                 "if the pipeline had every core to itself")
        _row("  machine", _machine_line(t))
        _row("  Postgres per message", _db_line(t))
        _row("  procrastinate_jobs analyzed during phase", f"{t.db.get('jobs_analyzed', 0)} time(s) "
             "by autovacuum (the fetch plan follows these statistics)")
        _row("  ingress answer (wrk, 200s)", f"p50 {_ms(t.ack_p50_ms)}  p99 {_ms(t.ack_p99_ms)}  "
             f"failed posts {t.failed_posts}")
    lat = by_name.get("latency")
    if lat is not None:
        _row(f"LATENCY at {args.rate:g} msg/s for {args.duration:g} s", _latency(lat))
        _paced(lat)
    first = by_name.get("first message")
    if first is not None:
        _row(f"FIRST MESSAGE (creates topic) at {args.rate:g}/s", _latency(first))
        _paced(first)
    if v is None:
        print("verification: not reached")
        return
    verdict = "OK" if v.ok else "FAILED"
    print(f"\nverification: {verdict}: {v.relayed} of {v.expected} messages handed to the gateway; "
          f"{v.lost} lost, {v.duplicated} duplicated, {v.unexpected} unexpected; "
          f"{v.users - v.ledger_bad} of {v.users} users' balances = initial - messages = sum(ledger)")
    if v.ledger_example:
        print(f"  first balance mismatch: {v.ledger_example}")
    print(f"  left over: {v.backlog}")
    ids = ", ".join(f"{k} ids x{n}" for k, n in sorted(v.ids_per_call.items()))
    print(f"  gateway calls: {dict(sorted(v.calls.items()))}; copy_messages batches: {ids}")
    if t is not None and t.sampler is not None:
        _activity(t.sampler, t.first_post)
    for p in phases:
        _statements(p)
