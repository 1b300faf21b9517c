"""``python -m webhooks``: the ``web`` process (wiring for the ingress)."""

from __future__ import annotations

import asyncio

import asyncpg
import structlog
from aiohttp import web

from core.admin import center
from core.platform import database, embedded_postgres, process
from core.platform.config import Settings
from webhooks.app import build_app
from webhooks.deps import IngressDeps
from webhooks.recorder import JobRecorder

log = structlog.get_logger("webhooks")

#: Seconds requests in flight may take to finish once the process is told to stop.
SHUTDOWN_SECONDS = 10.0


def build_web_app(settings: Settings, pool: asyncpg.Pool) -> web.Application:
    """The ingress as this process serves it: the sandbox's routes only in sandbox mode."""
    deps = IngressDeps(settings=settings, pool=pool,
                       recorder=JobRecorder(pool, shards=settings.messaging_shards),
                       operator_commands=center.COMMANDS)
    app = build_app(deps)
    if settings.sandbox:
        # Imported here only: with a real BOT_TOKEN the stand-ins are never loaded.
        from webhooks import sandbox

        sandbox.mount(app, deps)
    return app


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    url, embedded = embedded_postgres.resolve(settings.database_url, settings.data_dir)
    pool = await database.create_pool(url, max_size=12)
    # On SIGTERM requests in flight get SHUTDOWN_SECONDS to finish (dyno managers kill at 30 s).
    runner = web.AppRunner(build_web_app(settings, pool), access_log=None, handle_signals=False,
                           shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, host="0.0.0.0", port=settings.port, backlog=2048)  # noqa: S104
    await site.start()
    log.info("listening", port=settings.port, sandbox=settings.sandbox, embedded_db=embedded is not None)
    if settings.sandbox:
        log.info("sandbox console: open it in a browser", url=f"{settings.public_url}/")
    try:
        await stop.wait()
        log.info("stopping: finishing requests in flight", within_seconds=SHUTDOWN_SECONDS)
    finally:
        await runner.cleanup()
        await pool.close()


def main() -> None:
    settings = process.settings_or_exit()
    process.run(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    main()
