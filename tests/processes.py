"""Worker processes as the Procfile runs them (``python -m workers QUEUE``), for
tests that kill and restart them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import asyncpg

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class WorkerProcesses:
    """One process per queue at most; every process started is stopped by :meth:`stop_all`."""

    env: Mapping[str, str]
    logs: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: int = 0
    _files: list[IO[bytes]] = field(default_factory=list)
    _paths: dict[int, Path] = field(default_factory=dict)
    _started: int = 0

    def start(self, queue: str) -> subprocess.Popen[bytes]:
        assert queue not in self.running, f"a {queue} worker runs already"
        self._started += 1
        path = self.logs / f"{queue}-{self._started}.log"
        out = path.open("wb")
        self._files.append(out)
        proc = subprocess.Popen([sys.executable, "-m", "workers", queue], env=dict(self.env), cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)
        self.running[queue] = proc
        self._paths[proc.pid] = path
        return proc

    def tail_of(self, proc: subprocess.Popen[bytes], lines: int = 30) -> str:
        """The last lines one process wrote."""
        body = self._paths[proc.pid].read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(body)

    def kill(self, queue: str) -> None:
        """SIGKILL, as a dyno manager past its stop timeout or the OOM killer does."""
        proc = self.running.pop(queue)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.kills += 1

    def restart(self, queue: str) -> None:
        self.kill(queue)
        self.start(queue)

    def check_alive(self) -> None:
        for queue, proc in self.running.items():
            code = proc.poll()
            assert code is None, f"the {queue} worker exited with {code}:\n{self.log_tail()}"

    async def wait_for_line(self, proc: subprocess.Popen[bytes], text: str, timeout: float = 60.0) -> None:
        """Until a process's output holds ``text`` or it exits: a liveness bound, as Python
        starts slowly on a loaded machine."""
        deadline = time.monotonic() + timeout
        while text not in self._paths[proc.pid].read_text(errors="replace") and proc.poll() is None:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)

    def log_tail(self, lines: int = 40) -> str:
        text = []
        for path in sorted(self.logs.glob("*.log")):
            body = path.read_text(errors="replace").splitlines()[-lines:]
            text.append(f"--- {path.name}\n" + "\n".join(body))
        return "\n".join(text)

    def stop_all(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.running.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.running.clear()
        for f in self._files:
            f.close()


def worker_env(database_url: str, port: int, extra: Mapping[str, str]) -> dict[str, str]:
    """The environment of a sandbox worker next to a test's ingress on ``port``."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "STRIPE_API_KEY")}
    env.update({"DATABASE_URL": database_url, "PORT": str(port), "LOG_FORMAT": "console",
                "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


async def wait_until(pool: asyncpg.Pool, sql: str, *args: object, timeout: float,
                     poll: float = 0.01) -> float:
    """Poll until ``sql`` returns true; the seconds it took. Fails after ``timeout`` (a
    liveness bound, far above the times measured)."""
    start = time.monotonic()
    while not await pool.fetchval(sql, *args):
        if time.monotonic() - start > timeout:
            raise AssertionError(f"still false after {timeout} s: {sql}")
        await asyncio.sleep(poll)
    return time.monotonic() - start
