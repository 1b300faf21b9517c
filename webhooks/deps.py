"""What the ingress needs, built once in the wiring module and passed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg
from aiohttp import web

from core.platform.config import Settings

if TYPE_CHECKING:
    from webhooks.recorder import JobRecorder


@dataclass(frozen=True)
class IngressDeps:
    settings: Settings
    pool: asyncpg.Pool
    recorder: JobRecorder
    #: The control center's commands: typed in a private chat they go to the admin queue.
    operator_commands: frozenset[str] = frozenset()


#: Telegram updates are far smaller; anything bigger is refused with 413 unread.
MAX_BODY_BYTES = 1024 * 1024

DEPS = web.AppKey("deps", IngressDeps)
