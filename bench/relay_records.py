"""What the workers handed to the gateway, read back from their record files while they run."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: A relayed message: (user chat id, message id in that chat).
Key = tuple[int, int]


class Records:
    """Tails the JSON-lines files of :class:`bench.relay_gateway.RecordingGateway`."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._paths = list(paths)
        self._offsets = [0] * len(self._paths)
        self._partial = [b""] * len(self._paths)
        #: How often each message was handed to the gateway.
        self.count: Counter[Key] = Counter()
        #: When each message was first handed to the gateway (wall clock).
        self.first_at: dict[Key, float] = {}
        self.calls = 0
        self.ids_per_call: Counter[int] = Counter()

    def poll(self) -> None:
        for n, path in enumerate(self._paths):
            try:
                with path.open("rb") as f:
                    f.seek(self._offsets[n])
                    data = f.read()
            except FileNotFoundError:
                continue
            self._offsets[n] += len(data)
            lines = (self._partial[n] + data).split(b"\n")
            self._partial[n] = lines.pop()
            for line in lines:
                if line:
                    self._add(json.loads(line))

    def _add(self, record: dict[str, object]) -> None:
        at = float(record["t"])  # type: ignore[arg-type]
        user = int(record["from"])  # type: ignore[call-overload]
        ids = list(record["ids"])  # type: ignore[call-overload]
        self.calls += 1
        self.ids_per_call[len(ids)] += 1
        for message_id in ids:
            key = (user, int(message_id))
            self.count[key] += 1
            self.first_at.setdefault(key, at)

    def missing(self, expected: Iterable[Key]) -> list[Key]:
        return [k for k in expected if k not in self.count]


@dataclass(frozen=True)
class Waited:
    complete: bool
    missing: int
    last_at: float  # wall clock of the last relay of an expected message (nan if none)


async def wait_relayed(
    records: Records, expected: set[Key], *, stall_seconds: float, deadline: float,
    check: Callable[[], None] = lambda: None,
) -> Waited:
    """Wait until every expected message was relayed, nothing moved for ``stall_seconds``,
    or ``deadline`` (monotonic) passed."""
    pending = set(expected)
    last_progress = time.monotonic()
    while True:
        records.poll()
        before = len(pending)
        pending = {k for k in pending if k not in records.count}
        now = time.monotonic()
        if len(pending) != before:
            last_progress = now
        if not pending or now - last_progress > stall_seconds or now > deadline:
            break
        check()
        await asyncio.sleep(0.02)
    times = [records.first_at[k] for k in expected if k in records.first_at]
    return Waited(not pending, len(pending), max(times) if times else math.nan)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (nan for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
