"""Optional py-spy profiles of the ingress and the workers during the throughput phase.

    python -m bench.relay_profile FILE.txt [--top 30]   # summarise a raw (collapsed) profile

``--profile DIR`` on bench/relay.py attaches ``py-spy record --format raw``
to each process (py-spy must be installed: ``pip install py-spy``); this
module starts and stops those samplers and prints, per process, the
functions with the most samples on the stack (inclusive) and at the top of
it (self). Sampling costs CPU on a small machine: figures measured with
``--profile`` are for orientation, not for comparison.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:)]+)(?::\d+)?\)$")


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start(exe: str, pids: Mapping[str, int], out_dir: Path) -> dict[str, subprocess.Popen[bytes]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        name: subprocess.Popen(
            [exe, "record", "--pid", str(pid), "--format", "raw", "--rate", "250", "--nonblocking",
             "--output", str(out_dir / f"{name}.txt")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    }


def stop(samplers: Mapping[str, subprocess.Popen[bytes]]) -> None:
    for proc in samplers.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    for proc in samplers.values():
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if m is None:
        return frame.strip()
    return f"{m.group('func')} ({m.group('file')})"


def summarise(path: Path, top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_name(f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += n
        own[frames[-1]] += n
    if not total:
        return f"{path.name}: no samples"
    lines = [f"{path.name}: {total} samples (busy only)", "  inclusive:"]
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines.append("  self:")
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    for path in args.files:
        print(summarise(path, args.top))


if __name__ == "__main__":
    main()
