"""What a command needs, built from the environment as every process builds it.

The settings (a bad variable is a usage error naming it), the database
(``DATABASE_URL``, or the embedded server in ``DATA_DIR`` as ``scripts/run``
uses) and the Bot API: Telegram's with a bot token, the stand-in Telegram's in
sandbox mode (imported here only, as the processes' wiring does).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import IO

import asyncpg

from core.platform import database, embedded_postgres
from core.platform.config import SANDBOX_BOT_ID, Settings, load_settings
from core.platform.errors import ConfigError
from core.telegram.bot_api import BotApi, HttpBotApi


class Exit(IntEnum):
    """What a script can tell apart from the exit status."""

    OK = 0
    #: The work failed: a service unreachable or refusing (database, Telegram,
    #: Stripe, pg_dump), or a check that found a problem.
    FAILED = 1
    #: The command line or the configuration is wrong (argparse uses 2 too).
    USAGE = 2
    #: Refused because of the data: an unknown user, a balance too low, a
    #: database that is not empty, an owner who can only change through ADMIN_USER_ID.
    REFUSED = 3


class CliError(Exception):
    """A command stops with this message and exit status."""

    def __init__(self, message: str, code: Exit = Exit.FAILED) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Invocation:
    args: argparse.Namespace
    env: Mapping[str, str]
    out: IO[str]
    err: IO[str]
    _settings: Settings | None = field(default=None, init=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.env)
            except ConfigError as exc:
                raise CliError(f"configuration error: {exc}", Exit.USAGE) from None
        return self._settings

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        """For the person at the terminal, never mixed into what a script reads on stdout."""
        print(text, file=self.err, flush=True)

    def database_url(self) -> str:
        settings = self.settings
        if settings.database_url:
            return settings.database_url
        data_dir = self.env.get("DATA_DIR") or settings.data_dir
        url, _server = embedded_postgres.resolve(None, data_dir)
        return url

    def tool_env(self) -> dict[str, str]:
        """The environment for psql, pg_dump and pg_restore."""
        return {**os.environ, **self.env}

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        url = self.database_url()
        try:
            pool = await database.create_pool(url, max_size=2)
        except (OSError, asyncpg.PostgresError, *database.UNAVAILABLE) as exc:
            raise CliError(f"database unreachable ({type(exc).__name__}: {exc}): "
                           "check DATABASE_URL") from None
        try:
            async with database.connection(pool, timeout=10) as conn:
                yield conn
        finally:
            await pool.close()

    def bot_api(self, pool_or_conn: asyncpg.Pool | asyncpg.Connection) -> BotApi:
        settings = self.settings
        if settings.sandbox:
            # Sandbox mode: the stand-in Telegram, in the same database, answers.
            from core.sandbox.telegram.bot_api import SandboxBotApi

            return SandboxBotApi(pool_or_conn, SANDBOX_BOT_ID, bot_username=settings.bot_username)
        assert settings.bot_token is not None
        return HttpBotApi(settings.bot_token, base=settings.bot_api_url)
