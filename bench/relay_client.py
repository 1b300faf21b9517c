"""Posts private text updates to the ingress at a fixed rate (open loop), from its own process.

    python -m bench.relay_client --url http://127.0.0.1:PORT --plan PLAN.json --rate 200 --out OUT.json

The plan is a JSON list of ``[update_id, user_id, message_id]`` in send
order. Each update is posted at ``start + i / rate`` whether or not earlier
ones were answered, so a slow system shows up as latency, not as a lower
rate. The output lists ``[user_id, message_id, sent_at, acked_at, status]``
with wall-clock seconds, comparable with the gateway's records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DATE = 1763900000
TEXT = "Hello, I need help with my order #1234, can you check it?"


def private_text(update_id: int, user_id: int, message_id: int, text: str = TEXT) -> dict[str, Any]:
    """A user's private text message, shaped like tests/builders.py ``private_text``."""
    person = {"first_name": "Maria", "last_name": "Silva", "username": "maria_s"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": {"id": user_id, "is_bot": False, **person, "language_code": "pt-br"},
            "chat": {"id": user_id, **person, "type": "private"},
            "date": DATE,
            "text": text,
        },
    }


async def post(
    http: aiohttp.ClientSession, url: str, secret: str, item: list[int]
) -> list[float | int]:
    update_id, user_id, message_id = item
    body = json.dumps(private_text(update_id, user_id, message_id), separators=(",", ":"))
    headers = {"Content-Type": "application/json", SECRET_HEADER: secret}
    sent = time.time()
    try:
        async with http.post(url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        status = 0
    return [user_id, message_id, sent, time.time(), status]


async def run(base_url: str, secret: str, plan: list[list[int]], rate: float) -> list[list[float | int]]:
    url = f"{base_url}/webhooks/telegram"
    loop = asyncio.get_running_loop()
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256), timeout=timeout) as http:
        start = loop.time() + 0.05
        tasks = []
        for i, item in enumerate(plan):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(http, url, secret, item)))
        return list(await asyncio.gather(*tasks))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--secret", default="sandbox-secret")
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        results = asyncio.run(run(args.url, args.secret, plan, args.rate))
    else:
        results = uvloop.run(run(args.url, args.secret, plan, args.rate))
    Path(args.out).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main()
