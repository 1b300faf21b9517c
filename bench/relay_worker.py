"""One messaging worker for the relay benchmark: production's ``python -m workers messaging``
with an in-memory Telegram.

    python -m bench.relay_worker --index 0 --records FILE --calls FILE [--queue broadcast]

(``--queue``: another queue's worker the same way; bench/campaigns.py runs the
paid lane's broadcast on it, to measure the product without the stand-in
Telegram's own cost per send.)

It runs ``workers.wiring.run`` itself (settings from the environment, the
pool, the Container with its limiter, ``wiring.build_app(container,
[Queue.MESSAGING], url, with_maintenance=False)`` and ``run_worker_async``
with production's options), so it follows the wiring as it changes; the only
difference is the gateway factory, which returns a
:class:`bench.relay_gateway.RecordingGateway`. SIGTERM stops it gracefully;
it then writes its per-method call counts to ``--calls``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import asyncpg

from bench.relay_gateway import RecordingGateway
from core.jobs.queues import Queue
from core.platform import process
from core.platform.config import Settings
from workers import wiring


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--calls", required=True)
    parser.add_argument("--queue", default=Queue.MESSAGING.value, choices=[q.value for q in Queue])
    args = parser.parse_args()
    settings = process.settings_or_exit()
    url = settings.database_url
    if not url:
        raise SystemExit("DATABASE_URL must be set")
    gateway = RecordingGateway(Path(args.records), index=args.index)

    async def build_gateway(settings: Settings, pool: asyncpg.Pool) -> tuple[Any, None]:
        return gateway, None

    # The one seam: production asks this factory for Telegram (Pyrogram or the sandbox).
    wiring.build_gateway = build_gateway
    try:
        process.run(lambda stop: wiring.run(settings, Queue(args.queue), url, stop))
    finally:
        gateway.close()
        Path(args.calls).write_text(json.dumps(dict(gateway.calls)), encoding="utf-8")


if __name__ == "__main__":
    main()
