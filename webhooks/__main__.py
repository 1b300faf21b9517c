"""``python -m webhooks``: the ``web`` process (wiring for the ingress)."""

from __future__ import annotations

import asyncio

import asyncpg
import structlog
from aiohttp import web

from core.platform import database, embedded_postgres, process
from core.platform.config import Settings
from webhooks.app import build_app
from webhooks.deps import IngressDeps
from webhooks.recorder import JobRecorder
from webhooks.sandbox import SandboxView

log = structlog.get_logger("webhooks")


def sandbox_view(settings: Settings, pool: object) -> SandboxView | None:
    if not settings.sandbox:
        return None
    from core.sandbox.telegram.model import TelegramModel

    return TelegramModel(pool)  # type: ignore[arg-type]


def fake_stripe(settings: Settings, pool: asyncpg.Pool) -> web.Application | None:
    """Sandbox only, never with a real key: its Pay button takes payment unchecked."""
    if not settings.fake_stripe:
        return None
    from core.sandbox.stripe import build_fake_stripe_app

    return build_fake_stripe_app(
        pool, webhook_secret=settings.stripe_webhook_secret,
        webhook_url=f"http://127.0.0.1:{settings.port}/webhooks/stripe",
    )


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    url, embedded = embedded_postgres.resolve(settings.database_url, settings.data_dir)
    pool = await database.create_pool(url, max_size=12)
    deps = IngressDeps(
        settings=settings, pool=pool, recorder=JobRecorder(pool, shards=settings.messaging_shards),
        sandbox=sandbox_view(settings, pool),
    )
    runner = web.AppRunner(build_app(deps, fake_stripe=fake_stripe(settings, pool)), access_log=None,
                           handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host="0.0.0.0", port=settings.port, backlog=2048)  # noqa: S104
    await site.start()
    log.info("listening", port=settings.port, sandbox=settings.sandbox, embedded_db=embedded is not None)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await pool.close()


def main() -> None:
    settings = process.settings_or_exit()
    process.run(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    main()
