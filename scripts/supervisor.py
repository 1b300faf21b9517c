"""Run Procfile processes the way a dyno manager does, for scripts/run.

- Each process's output is printed with the time and its name in front.
- A process that exits on its own is started again (the others keep
  running): after 1 s, doubling up to 30 s while it keeps exiting within
  10 s of its start. A worker killed in the middle of a job is back, and its
  work recovered, as it would be in production.
- SIGTERM or SIGINT (once is enough) tells every process to stop with
  SIGTERM, gives them KILL_AFTER_SECONDS to finish, then kills what is left.

Each process runs in a session of its own, so Ctrl-C in the terminal reaches
it only through this supervisor, once. The command is exec'd by the shell:
the pid a person sees (``pgrep -f``) is the process itself, not a wrapper.

Usage: python scripts/supervisor.py PROCFILE NAME...
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

#: What a dyno manager gives a process between SIGTERM and SIGKILL; each
#: process finishes or hands back its work within 25 s.
KILL_AFTER_SECONDS = 30.0
FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 30.0
#: A process that ran at least this long before exiting starts again after the first pause.
STEADY_SECONDS = 10.0


def read_procfile(path: Path) -> dict[str, str]:
    """``name: command`` lines; blank lines and ``#`` comments are skipped."""
    commands = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not command.strip():
            raise SystemExit(f"{path}: not a 'name: command' line: {line!r}")
        commands[name.strip()] = command.strip()
    return commands


def say(name: str, text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {name:<10} | {text}", flush=True)


@dataclass
class Process:
    name: str
    command: str
    env: dict[str, str]
    proc: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    pause: float = FIRST_PAUSE_SECONDS
    starts: int = 0
    output: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", f"exec {self.command}", env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        self.started_at = time.monotonic()
        self.starts += 1
        say("system", f"{self.name} started with pid {self.proc.pid}")
        assert self.proc.stdout is not None
        self.output.append(asyncio.create_task(self._copy(self.proc.stdout)))

    async def _copy(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            say(self.name, line.decode(errors="replace").rstrip())

    def signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signum)


class Supervisor:
    def __init__(self, processes: list[Process]) -> None:
        self.processes = processes
        self.stopping = asyncio.Event()

    def request_stop(self, signum: int) -> None:
        if not self.stopping.is_set():
            say("system", f"{signal.Signals(signum).name} received: stopping every process")
            self.stopping.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(signum, self.request_stop, signum)
        for p in self.processes:
            await p.start()
        keepers = [asyncio.create_task(self._keep(p)) for p in self.processes]
        await self.stopping.wait()
        for p in self.processes:
            p.signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.gather(*keepers), KILL_AFTER_SECONDS)
        except TimeoutError:
            for p in self.processes:
                if p.proc is not None and p.proc.returncode is None:
                    say("system", f"{p.name} still running {KILL_AFTER_SECONDS:.0f} s after SIGTERM: killed")
                    p.signal(signal.SIGKILL)
            await asyncio.gather(*keepers, return_exceptions=True)
        for p in self.processes:
            await asyncio.gather(*p.output, return_exceptions=True)
        return 0

    async def _keep(self, p: Process) -> None:
        """Wait for the process; start it again when it exits on its own."""
        while True:
            assert p.proc is not None
            code = await p.proc.wait()
            if self.stopping.is_set():
                say("system", f"{p.name} stopped (exit status {code})")
                return
            lived = time.monotonic() - p.started_at
            p.pause = FIRST_PAUSE_SECONDS if lived >= STEADY_SECONDS else p.pause
            say("system", f"{p.name} exited with {code} after {lived:.1f} s; "
                          f"starting it again in {p.pause:.0f} s")
            try:
                await asyncio.wait_for(self.stopping.wait(), p.pause)
                return  # told to stop meanwhile
            except TimeoutError:
                pass
            p.pause = min(p.pause * 2, LONGEST_PAUSE_SECONDS)
            await p.start()


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    commands = read_procfile(Path(argv[0]))
    unknown = [name for name in argv[1:] if name not in commands]
    if unknown:
        print(f"not in {argv[0]}: {', '.join(unknown)}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    processes = [Process(name, commands[name], env) for name in argv[1:]]
    return asyncio.run(Supervisor(processes).run())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
