"""Subprocesses of the relay benchmark (always stopped) and the CPU they use."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path


@dataclass
class Children:
    """Every process the benchmark started; :meth:`stop_all` ends them, and only them."""

    logs: Path
    started: list[Child] = field(default_factory=list)
    _files: list[IO[bytes]] = field(default_factory=list)

    def python(self, name: str, module: str, args: Iterable[str], env: Mapping[str, str]) -> Child:
        log = self.logs / f"{name}.log"
        out = log.open("wb")
        self._files.append(out)
        proc = subprocess.Popen([sys.executable, "-m", module, *args], env=dict(env), cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)
        child = Child(name, proc, log)
        self.started.append(child)
        return child

    def check_alive(self) -> None:
        for child in self.started:
            code = child.proc.poll()
            if code is not None:
                raise RuntimeError(f"{child.name} exited with {code}:\n{tail(child.log)}")

    def stop(self, child: Child, timeout: float = 15) -> None:
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGTERM)
            try:
                child.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()

    def stop_all(self) -> None:
        for child in self.started:
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in self.started:
            try:
                child.proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
        for f in self._files:
            f.close()
        self._files.clear()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _cpu(proc: psutil.Process, *, with_reaped: bool = False) -> float:
    with contextlib.suppress(psutil.Error):
        t = proc.cpu_times()
        seconds = t.user + t.system
        if with_reaped:
            # Backends that exited were reaped by the postmaster: their time is here.
            seconds += t.children_user + t.children_system
        return float(seconds)
    return 0.0


@dataclass(frozen=True)
class CpuSample:
    at: float
    groups: dict[str, float]
    machine_busy: float


class CpuMeter:
    """CPU seconds (user + system) per group of processes, and the whole machine's."""

    def __init__(self, groups: Mapping[str, Iterable[int]], postmaster: int | None) -> None:
        self._groups = {name: [psutil.Process(pid) for pid in pids] for name, pids in groups.items()}
        self._postmaster = psutil.Process(postmaster) if postmaster else None

    def sample(self) -> CpuSample:
        groups = {name: sum(_cpu(p) for p in procs) for name, procs in self._groups.items()}
        if self._postmaster is not None:
            live = 0.0
            with contextlib.suppress(psutil.Error):
                live = sum(_cpu(c) for c in self._postmaster.children())
            groups["postgres"] = _cpu(self._postmaster, with_reaped=True) + live
        m = psutil.cpu_times()
        busy = m.user + m.nice + m.system + getattr(m, "irq", 0.0) + getattr(m, "softirq", 0.0)
        return CpuSample(time.monotonic(), groups, busy)


def cpu_delta(before: CpuSample, after: CpuSample) -> dict[str, float]:
    """Seconds of CPU per group between two samples, plus ``machine`` (all processes) and ``wall``."""
    delta = {name: after.groups[name] - before.groups.get(name, 0.0) for name in after.groups}
    delta["machine"] = after.machine_busy - before.machine_busy
    delta["wall"] = after.at - before.at
    return delta


def postmaster_of(child_pid: int | None) -> int | None:
    """The local postmaster, found as the parent of one of its processes (None if remote)."""
    if child_pid is None:
        return None
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(child_pid).parent()
        if parent is not None and "postgres" in parent.name():
            return int(parent.pid)
    return None
