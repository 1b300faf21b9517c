"""Routers: each feature declares the commands and buttons it handles.

A :class:`Router` collects a feature's handlers; a :class:`Dispatcher`
combines routers and refuses, when it is built, a command or a button prefix
that two handlers claim, so a duplicate fails at import rather than being
decided by the order of an ``a(...) or b(...)`` chain. The dispatcher answers
every button press exactly once: with the handler's notice, or, for data no
handler reads (an old keyboard, a forged payload), with a short notice that
the button no longer works.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

from core.accounts.users import User
from core.delivery.effects import Effects
from core.dispatch.callback_data import BadCallbackData, CallbackData
from core.platform.bot_settings import BotSettings
from core.platform.config import Settings
from core.telegram.updates import Command

log = structlog.get_logger(__name__)

D = TypeVar("D", bound=CallbackData)


@dataclass(frozen=True)
class Context:
    """What a handler works with: the job's transaction, settings, and who acted."""

    tx: Effects
    settings: Settings
    cfg: BotSettings
    user: User
    #: The user was created by this very update (their first /start).
    new_user: bool = False
    #: The message whose button was pressed, when it can still be edited in place.
    message_id: int | None = None


CommandHandler = Callable[[Context, Command], Awaitable[None]]
#: A button's handler returns the notice the press is answered with, if any.
CallbackHandler = Callable[[Context, Any], Awaitable[str | None]]


class DuplicateRoute(ValueError):
    """Two handlers claim the same command or button prefix."""


@dataclass(frozen=True)
class Route:
    router: str
    handler: Any


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, CommandHandler] = {}
        self.callbacks: dict[str, tuple[type[CallbackData], CallbackHandler]] = {}

    def command(self, *names: str) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            for name in names:
                if name in self.commands:
                    raise DuplicateRoute(f"/{name} twice in router {self.name}")
                self.commands[name] = handler
            return handler

        return register

    def callback(self, data: type[D]) -> Callable[[Callable[[Context, D], Awaitable[str | None]]],
                                                  Callable[[Context, D], Awaitable[str | None]]]:
        def register(handler: Callable[[Context, D], Awaitable[str | None]]
                     ) -> Callable[[Context, D], Awaitable[str | None]]:
            if data.prefix in self.callbacks:
                raise DuplicateRoute(f"button prefix {data.prefix!r} twice in router {self.name}")
            self.callbacks[data.prefix] = (data, handler)
            return handler

        return register


class Dispatcher:
    def __init__(self, routers: Iterable[Router], *,
                 stale_notice: Callable[[Context], Awaitable[str]]) -> None:
        """``stale_notice(ctx)``: what a press of a button nobody reads is answered with."""
        self._commands: dict[str, tuple[str, CommandHandler]] = {}
        self._callbacks: dict[str, tuple[str, type[CallbackData], CallbackHandler]] = {}
        self._stale_notice = stale_notice
        for router in routers:
            for name, command in router.commands.items():
                if name in self._commands:
                    raise DuplicateRoute(f"/{name} in both {self._commands[name][0]} and {router.name}")
                self._commands[name] = (router.name, command)
            for prefix, (data, callback) in router.callbacks.items():
                if prefix in self._callbacks:
                    raise DuplicateRoute(
                        f"button prefix {prefix!r} in both {self._callbacks[prefix][0]} and {router.name}")
                self._callbacks[prefix] = (router.name, data, callback)

    @property
    def commands(self) -> frozenset[str]:
        return frozenset(self._commands)

    def handles(self, command: Command) -> bool:
        return command.name in self._commands

    async def on_command(self, ctx: Context, command: Command) -> bool:
        """Run the command's handler; False when no router declared it."""
        found = self._commands.get(command.name)
        if found is None:
            return False
        await found[1](ctx, command)
        return True

    def route_of(self, data: str) -> tuple[type[CallbackData], CallbackHandler] | None:
        """The handler of a button's data: the longest declared prefix it starts with."""
        best: tuple[str, type[CallbackData], CallbackHandler] | None = None
        for prefix, (_, kind, handler) in self._callbacks.items():
            if kind.matches(data) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, kind, handler)
        return None if best is None else (best[1], best[2])

    async def on_callback(self, ctx: Context, query_id: str, data: object) -> None:
        """Handle a button press and answer it, exactly once."""
        notice: str | None
        route = self.route_of(data) if isinstance(data, str) else None
        if route is None:
            notice = await self._stale_notice(ctx)
        else:
            kind, handler = route
            try:
                payload = kind.unpack(str(data))
            except BadCallbackData as exc:
                log.info("button data refused", data=str(data)[:64], error=str(exc))
                notice = await self._stale_notice(ctx)
            else:
                notice = await handler(ctx, payload)
        params: dict[str, Any] = {"callback_query_id": query_id}
        if notice:
            params["text"] = notice
        await ctx.tx.send("answerCallbackQuery", ctx.user.telegram_id, **params)
