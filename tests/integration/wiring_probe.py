"""Run in a fresh interpreter by test_real_mode.py: wire the processes as they are wired
for the environment, and report what that loaded and how the ingress answers.

``python -m tests.integration.wiring_probe OUT``: settings from the environment; the
report is written to OUT as JSON. The ingress is built as ``python -m webhooks`` builds
it and asked over HTTP; every worker's procrastinate app is built as ``python -m
workers QUEUE`` builds it, except that a real bot's Pyrogram client is never started
(that would log in to Telegram).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from core.delivery.budgets import Limiter
from core.jobs.queues import Queue
from core.platform import database
from core.platform.config import load_settings
from core.telegram.pyrogram import PyrogramGateway, build_bot_client
from webhooks.__main__ import build_web_app
from workers import wiring
from workers.runtime import Container, IncomingRecorder

#: What the ingress is asked: its own routes, and the sandbox's.
REQUESTS = [
    ("GET", "/health"),
    ("GET", "/sandbox/messages?chat_id=42"),
    ("POST", "/sandbox/pay-invoice"),
    ("GET", "/fake-stripe/v1/customers/cus_1"),
    ("GET", "/console"),
    ("GET", "/sandbox/world"),
    ("POST", "/sandbox/send"),
]


async def probe() -> dict[str, Any]:
    settings = load_settings(os.environ)
    assert settings.database_url is not None
    pool = await database.create_pool(settings.database_url, max_size=4)
    answers: dict[str, list[Any]] = {}
    tasks: dict[str, list[str]] = {}
    try:
        async with TestClient(TestServer(build_web_app(settings, pool))) as http:
            for method, path in REQUESTS:
                async with http.request(method, path) as response:
                    answers[f"{method} {path}"] = [response.status, await response.text()]
            # A browser asking for "/": the console in sandbox mode, the JSON otherwise.
            async with http.get("/", headers={"Accept": "text/html"}) as response:
                answers["GET / (browser)"] = [response.status, response.content_type]

        recorder: IncomingRecorder | None = None
        if settings.sandbox:
            gateway, recorder = await wiring.build_gateway(settings, pool)
        else:
            assert settings.telegram_api_id is not None
            assert settings.telegram_api_hash is not None
            assert settings.bot_token is not None
            # As wiring.build_gateway builds it, short of client.start().
            gateway = PyrogramGateway(build_bot_client(
                pool, settings.telegram_api_id, settings.telegram_api_hash, settings.bot_token))
        container = Container(settings=settings, pool=pool, gateway=gateway,
                              limiter=Limiter(pool, settings.send_limits), methods=wiring.delivery_methods(),
                              hooks=wiring.delivery_hooks(), sandbox=recorder,
                              stripe=wiring.build_stripe(settings), bus=wiring.BUS)
        for queue in Queue:
            app = wiring.build_app(container, [queue], settings.database_url)
            tasks[queue.value] = sorted(app.tasks)
        if container.stripe is not None:
            await container.stripe.close()
    finally:
        await pool.close()
    sandbox = (["core", "sandbox"], ["webhooks", "sandbox"], ["webhooks", "console"])
    loaded = [m for m in sorted(sys.modules) if m.split(".")[:2] in sandbox]
    return {"sandbox": settings.sandbox, "answers": answers, "tasks": tasks, "loaded": loaded}


def main() -> None:
    report = asyncio.run(probe())
    Path(sys.argv[1]).write_text(json.dumps(report))


if __name__ == "__main__":
    main()
