"""Stopping as dyno managers stop things: SIGTERM, then 30 s before SIGKILL.

A worker in the middle of a job finishes it within its grace or hands it back
(the work is queued again, its claimed sends return): nothing is lost, nothing
sent twice. ``scripts/run`` starts a process that died again, and stops every
process it started, and the embedded Postgres, on SIGTERM as on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests import builders
from tests.builders import Person
from tests.conftest import ROOT
from tests.harness import System, free_port, running_system
from tests.processes import WorkerProcesses, wait_until, worker_env

TIMEOUT = 120.0
SLOW = {"SANDBOX_TELEGRAM_LATENCY_MS": "10000", "WORKER_SHUTDOWN_GRACE_SECONDS": "1",
        "WORKER_STALLED_AFTER_SECONDS": "3"}


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[System]:
    async with running_system(database_url, with_workers=False, env=SLOW) as running:
        yield running


@pytest.fixture
def workers(system: System, database_url: str, tmp_path: Path) -> Iterator[WorkerProcesses]:
    procs = WorkerProcesses(worker_env(database_url, system.settings.port, SLOW), tmp_path)
    yield procs
    procs.stop_all()


async def test_a_worker_stopped_mid_send_hands_its_work_back_within_its_grace(
    system: System, workers: WorkerProcesses, database_url: str, tmp_path: Path
) -> None:
    ana = Person(5550002, "Ana", None, "ana", "en")
    proc = workers.start("messaging")
    await wait_until(system.pool, "SELECT count(*) = 1 FROM procrastinate_workers", timeout=TIMEOUT)
    status, _ = await system.post_update(builders.private_text(ana, "/start"))
    assert status == 200
    # The welcome is on its way to a Telegram that takes 10 s to answer.
    await wait_until(system.pool, "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'sending')",
                     timeout=TIMEOUT, poll=0.05)

    stopped = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    took = time.monotonic() - stopped
    print(f"\nworker stopped {took:.1f} s after SIGTERM (grace 1 s), exit status {code}")
    assert code == 0
    assert took < 8, "a stopping worker waits its grace, not for the send"
    workers.running.pop("messaging")
    log = workers.log_tail(200)
    assert "job handed back unfinished" in log, log

    # Another worker (with a prompt Telegram) takes the work up: the drain queued again,
    # the claimed send returned by the stall watch.
    fast = WorkerProcesses(worker_env(database_url, system.settings.port,
                                      {**SLOW, "SANDBOX_TELEGRAM_LATENCY_MS": "0"}), tmp_path)
    try:
        fast.start("messaging")
        await wait_until(system.pool, "SELECT NOT EXISTS (SELECT 1 FROM outbox WHERE status <> 'sent')"
                         " AND EXISTS (SELECT 1 FROM outbox)", timeout=TIMEOUT, poll=0.1)
        fast.check_alive()
    finally:
        fast.stop_all()
    welcome = [m for m in await system.sent(ana.id) if m["text"]]
    assert len(welcome) == 1, welcome
    assert await system.pool.fetchval("SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'") == 0
    assert await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", ana.id) == 3


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _health(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            body: dict[str, object] = json.loads(r.read())
            return body
    except OSError:
        return None


def _running(root: int, *words: str) -> list[int]:
    """Descendants of ``root`` whose command line holds ``words`` in a row."""
    found = []
    for pid in _descendants(root):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if any(argv[i:i + len(words)] == list(words) for i in range(len(argv))) and _alive(pid):
            found.append(pid)
    return found


def test_scripts_run_starts_a_killed_process_again_and_sigterm_stops_everything() -> None:
    # And the embedded Postgres with it.
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="paid-desk-run-") as data:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "BOT_TOKEN", "STRIPE_API_KEY", "PORT")}
        env.update({"DATA_DIR": data, "PORT": str(port), "LOG_FORMAT": "console", "LOG_LEVEL": "WARNING"})
        log = Path(data) / "run.log"
        with log.open("wb") as out:
            run = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "local.py")], env=env, cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 240
                while True:
                    health = _health(port)
                    stalled = health.get("stalled") if health else None
                    if isinstance(stalled, dict) and stalled.get("live_workers") == 4:
                        break
                    assert run.poll() is None, log.read_text()[-3000:]
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.5)
                postmaster = int((Path(data) / "pg" / "postmaster.pid").read_text().split()[0])
                [web] = _running(run.pid, "-m", "webhooks")
                [killed] = _running(run.pid, "-m", "workers", "messaging")
                others = {q: _running(run.pid, "-m", "workers", q) for q in ("billing", "admin", "broadcast")}
                os.kill(killed, signal.SIGKILL)
                while not [p for p in _running(run.pid, "-m", "workers", "messaging") if p != killed]:
                    assert run.poll() is None, log.read_text()[-3000:]
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.2)
                # The others ran on as they were.
                assert _running(run.pid, "-m", "webhooks") == [web]
                assert {q: _running(run.pid, "-m", "workers", q) for q in others} == others
                assert _health(port) is not None
                started = _descendants(run.pid)
                assert len(started) >= 5

                sent = time.monotonic()
                run.send_signal(signal.SIGTERM)
                code = run.wait(timeout=60)
                took = time.monotonic() - sent
            finally:
                if run.poll() is None:
                    for pid in _descendants(run.pid):
                        os.kill(pid, signal.SIGKILL)
                    run.kill()
        text = log.read_text()
        print(f"\nscripts/run stopped {took:.1f} s after SIGTERM, exit status {code}")
        left = sorted(pid for pid in started | {postmaster} if _alive(pid))
        assert not left, f"still running after SIGTERM: {left}\n{text[-3000:]}"
        assert not (Path(data) / "pg" / "postmaster.pid").exists()
        assert "SIGTERM received" in text
        assert "system     | messaging exited with -9" in text, text[-3000:]
