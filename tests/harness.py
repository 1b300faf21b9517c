"""The running system for acceptance tests: real ingress over HTTP, real workers.

Only the network edge is faked: Telegram by the Pyrogram client answered by
the in-process model, kept in the same Postgres.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer

from core.jobs.queues import Queue
from core.platform.config import Settings, load_settings
from core.sandbox.stripe import FakeStripe
from core.sandbox.telegram.model import TelegramModel
from webhooks import __main__ as webhooks_main
from webhooks.sandbox import SANDBOX
from workers import wiring
from workers.runtime import Container

#: Functional tests run with limits far above Telegram's, on both sides; tests
#: about the limits use Telegram's own (``real_limits=True``).
GENEROUS_LIMITS = {
    "TELEGRAM_GLOBAL_PER_SECOND": "10000",
    "TELEGRAM_PAID_PER_SECOND": "10000",
    "TELEGRAM_CHAT_PER_SECOND": "1000",
    "TELEGRAM_GROUP_PER_MINUTE": "60000",
}


def sandbox_settings(
    database_url: str, port: int = 8080, *, real_limits: bool = False,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Sandbox settings; ``env`` adds or overrides variables (e.g. ``ADMIN_GROUP_IDS``)."""
    base = {"DATABASE_URL": database_url, "LOG_FORMAT": "console", "PORT": str(port)}
    return load_settings({**base, **({} if real_limits else GENEROUS_LIMITS), **(env or {})})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class System:
    settings: Settings
    pool: asyncpg.Pool
    model: TelegramModel
    base_url: str
    http: aiohttp.ClientSession
    container: Container | None
    fake_stripe: FakeStripe | None = None

    async def post_update(
        self, update: Mapping[str, Any] | bytes, *, secret: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        token = self.settings.webhook_secret if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        # A stream, as aiohttp wants for large bodies (the oversized-update test).
        data = io.BytesIO(body)
        async with self.http.post(f"{self.base_url}/webhooks/telegram", data=data, headers=headers) as r:
            return r.status, await r.json()

    async def write(self, *updates: Mapping[str, Any], scheduled: bool = True) -> None:
        """Post updates as Telegram would (each must be accepted), then let the workers
        run; with ``scheduled`` also what they schedule in the next seconds."""
        for update in updates:
            status, _ = await self.post_update(update)
            assert status == 200
        await (self.drain_scheduled() if scheduled else self.drain())

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(f"{self.base_url}{path}") as r:
            return r.status, await r.json()

    async def drain(self, *, concurrency: int = 4) -> None:
        """Run real workers on every queue until nothing is left to do now."""
        assert self.container is not None, "this system runs without workers"
        app = wiring.build_app(self.container, list(Queue), self.settings.database_url or "",
                               with_maintenance=False)
        async with app.open_async():
            # A worker told not to wait stops when it finds nothing to fetch,
            # which also happens while locks hold the remaining jobs back.
            while await self.pool.fetchval(
                "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"
                " AND (scheduled_at IS NULL OR scheduled_at <= now())"
            ):
                await app.run_worker_async(
                    queues=[q.value for q in Queue],
                    wait=False,
                    concurrency=concurrency,
                    install_signal_handlers=False,
                    fetch_job_polling_interval=0.05,
                )

    async def run_admin_task(self, task: str) -> None:
        """Queue ``task`` as the periodic deferrer would (timestamp 0) and run the admin queue dry."""
        assert self.container is not None, "this system runs without workers"
        app = wiring.build_app(self.container, [Queue.ADMIN], self.settings.database_url or "")
        async with app.open_async():
            await app.tasks[task].defer_async(timestamp=0)
            await app.run_worker_async(queues=[Queue.ADMIN.value], wait=False, install_signal_handlers=False)

    async def drain_scheduled(self, *, within: float = 5.0) -> None:
        """Drain, then wait for jobs scheduled in the next ``within`` seconds and drain again."""
        await self.drain()
        while True:
            wait = await self.pool.fetchval(
                "SELECT extract(epoch FROM min(scheduled_at) - now()) FROM procrastinate_jobs"
                " WHERE status = 'todo' AND scheduled_at <= now() + make_interval(secs => $1)",
                within,
            )
            if wait is None:
                return
            await asyncio.sleep(max(float(wait), 0) + 0.05)
            await self.drain()

    async def sent(self, chat_id: int) -> list[dict[str, Any]]:
        status, messages = await self.get(f"/sandbox/messages?chat_id={chat_id}")
        assert status == 200
        assert isinstance(messages, list)
        return messages

    async def jobs(self) -> list[asyncpg.Record]:
        return await self.pool.fetch("SELECT * FROM procrastinate_jobs ORDER BY id")


@asynccontextmanager
async def running_system(
    database_url: str, *, with_workers: bool = True, real_limits: bool = False,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[System]:
    from core.platform import database

    port = free_port()
    settings = sandbox_settings(database_url, port, real_limits=real_limits, env=env)
    pool = await database.create_pool(database_url, max_size=12)
    model = TelegramModel(pool, limits=wiring.sandbox_limits(settings.send_limits))
    ingress = webhooks_main.build_web_app(settings, pool)
    server = TestServer(ingress, host="127.0.0.1", port=port)
    await server.start_server()
    container = await wiring.build_container(settings, pool) if with_workers else None
    try:
        async with aiohttp.ClientSession() as http:
            yield System(
                settings=settings,
                pool=pool,
                model=model,
                base_url=str(server.make_url("")).rstrip("/"),
                http=http,
                container=container,
                fake_stripe=ingress[SANDBOX].stripe,
            )
    finally:
        if container is not None and container.stripe is not None:
            await container.stripe.close()
        await server.close()
        await pool.close()

