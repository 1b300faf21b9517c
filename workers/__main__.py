"""``python -m workers QUEUE``: one worker process for one queue."""

from __future__ import annotations

import sys

from core.jobs.queues import Queue
from core.platform import embedded_postgres, process
from workers import wiring


def main() -> None:
    names = [q.value for q in Queue]
    if len(sys.argv) != 2 or sys.argv[1] not in names:
        print(f"usage: python -m workers {{{'|'.join(names)}}}", file=sys.stderr)
        raise SystemExit(2)
    settings = process.settings_or_exit()
    url, _embedded = embedded_postgres.resolve(settings.database_url, settings.data_dir)
    process.run(lambda stop: wiring.run(settings, Queue(sys.argv[1]), url, stop))


if __name__ == "__main__":
    main()
