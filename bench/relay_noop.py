"""procrastinate's own ceiling on this machine: no-op jobs through one worker.

    python -m bench.relay_noop --url URL --jobs 5000 --concurrency 8 [--locks 0]

Defers ``--jobs`` jobs of a no-op async task on its own queue in batches
(``batch_defer_async``), then runs one worker with the given concurrency and
the production options until the queue is empty. Prints one JSON line:
jobs run, seconds from the first job's start to the last job's end, jobs/s,
and the CPU per job of the worker and (given ``--postmaster``) of Postgres.
With ``--locks N`` the jobs carry N distinct locks, round robin, as the
messaging jobs carry ``user:<id>``; they are deferred with the ingress's
batch statement (``core/queries/jobs.sql`` ``defer_jobs``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import asyncpg
from procrastinate import App, PsycopgConnector
from procrastinate.types import JSONValue

from bench.relay_procs import CpuMeter, cpu_delta
from core.platform.sql import q

QUEUE = "bench_noop"
BATCH = 1000


async def defer_locked(url: str, jobs: int, locks: int) -> None:
    """Jobs with a lock each, in batches, through the SQL function the ingress uses."""
    conn = await asyncpg.connect(url)
    try:
        for start in range(0, jobs, BATCH):
            ids = range(start, min(start + BATCH, jobs))
            await conn.fetchval(
                q("queues_defer_jobs"), [QUEUE for _ in ids], ["bench.noop" for _ in ids], [0 for _ in ids],
                [f"noop:{i % locks}" for i in ids], [None for _ in ids],
                [json.dumps({"i": i}) for i in ids], [None for _ in ids],
            )
    finally:
        await conn.close()


async def run(url: str, jobs: int, concurrency: int, locks: int, postmaster: int | None) -> dict[str, float]:
    app = App(connector=PsycopgConnector(conninfo=url))
    times: list[float] = []

    @app.task(name="bench.noop", queue=QUEUE)
    async def noop(i: int) -> None:
        times.append(time.time())

    async with app.open_async():
        if locks:
            await defer_locked(url, jobs, locks)
        else:
            for start in range(0, jobs, BATCH):
                count = min(BATCH, jobs - start)
                batch: list[dict[str, JSONValue]] = [{"i": i} for i in range(start, start + count)]
                await noop.batch_defer_async(*batch)
        meter = CpuMeter({}, postmaster)
        before, cpu = meter.sample(), time.process_time()
        started = time.time()
        # All jobs are queued: the worker stops when it finds none left.
        await app.run_worker_async(
            queues=[QUEUE], concurrency=concurrency, wait=False, delete_jobs="successful",
            install_signal_handlers=False,
        )
        ended = time.time()
        worker_cpu = time.process_time() - cpu
        postgres_cpu = cpu_delta(before, meter.sample()).get("postgres")
    first, last = (min(times), max(times)) if times else (started, ended)
    span = max(last - first, 1e-9)
    n = max(len(times), 1)
    return {"jobs": len(times), "seconds": span, "jobs_per_s": (len(times) - 1) / span if times else 0.0,
            "worker_seconds": ended - started, "worker_cpu_ms": 1000 * worker_cpu / n,
            "postgres_cpu_ms": 1000 * postgres_cpu / n if postgres_cpu is not None else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--locks", type=int, default=0)
    parser.add_argument("--postmaster", type=int, default=0, help="pid, to count the server's CPU")
    args = parser.parse_args()
    main_ = run(args.url, args.jobs, args.concurrency, args.locks, args.postmaster or None)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        result = asyncio.run(main_)
    else:
        result = uvloop.run(main_)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
