"""Start-up shared by every process: settings, logging, event loop, signals."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from core.platform import logs as app_logging
from core.platform.config import Settings, load_settings
from core.platform.errors import ConfigError


def settings_or_exit() -> Settings:
    """Load settings; a bad configuration stops the process with a clear message."""
    try:
        settings = load_settings(os.environ)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    app_logging.configure(fmt=settings.log_format, level=settings.log_level, secrets=settings.secrets)
    return settings


def run(main: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> None:
    """Run ``main(stop)`` on uvloop where available; SIGINT/SIGTERM set ``stop``."""

    async def wrapper() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        asyncio.run(wrapper())
    else:
        uvloop.run(wrapper())
