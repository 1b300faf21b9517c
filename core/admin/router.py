"""The control center's routers: commands, buttons, typed answers and confirmed actions.

Each screen module declares what it handles and the capability it needs
(core.admin.roles.Can). The :class:`AdminDispatcher` combines them, refuses a
name or prefix claimed twice when it is built, and checks the operator's role
at the moment each command, button, answer or confirmation runs: the role in
the database now, not the one the button was made for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

from core.admin import confirm, pending
from core.admin.roles import Can, Operator
from core.admin.screens import Place, Screen
from core.delivery.effects import Effects
from core.dispatch.callback_data import BadCallbackData, CallbackData
from core.dispatch.router import DuplicateRoute
from core.platform.bot_settings import BotSettings
from core.platform.config import Settings
from core.telegram.updates import Command

log = structlog.get_logger(__name__)

D = TypeVar("D", bound=CallbackData)


@dataclass(frozen=True)
class AdminContext:
    tx: Effects
    settings: Settings
    cfg: BotSettings
    operator: Operator
    place: Place
    #: The screen whose button was pressed (or which asked the question): shown in its place.
    message_id: int | None = None
    #: The customer whose topic the command was typed in (``/credits +5`` there means them).
    topic_user_id: int | None = None
    #: The message of a typed command (``/broadcast`` reads the message it replies to).
    message: Mapping[str, Any] | None = None

    @property
    def screen(self) -> Screen:
        return Screen(self.tx, self.place, self.message_id)

    def can(self, capability: Can) -> bool:
        return self.operator.can(capability)


CommandHandler = Callable[[AdminContext, Command], Awaitable[None]]
CallbackHandler = Callable[[AdminContext, Any], Awaitable[str | None]]
AnswerHandler = Callable[[AdminContext, pending.Pending, str], Awaitable[None]]
ActionHandler = Callable[[AdminContext, Mapping[str, Any]], Awaitable[str | None]]


@dataclass(frozen=True)
class Route:
    router: str
    capability: Can | None
    handler: Any


class AdminRouter:
    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, Route] = {}
        self.callbacks: dict[str, tuple[type[CallbackData], Route]] = {}
        self.answers: dict[str, Route] = {}
        self.actions: dict[str, Route] = {}

    def _add(self, table: dict[str, Any], key: str, value: Any, what: str) -> None:
        if key in table:
            raise DuplicateRoute(f"{what} {key!r} twice in router {self.name}")
        table[key] = value

    def command(self, *names: str, can: Can | None) -> Callable[[CommandHandler], CommandHandler]:
        """``can=None``: any operator (``/admin``, ``/cancel``)."""
        def register(handler: CommandHandler) -> CommandHandler:
            for name in names:
                self._add(self.commands, name, Route(self.name, can, handler), "command")
            return handler
        return register

    def callback(self, data: type[D], *, can: Can | None
                 ) -> Callable[[Callable[[AdminContext, D], Awaitable[str | None]]],
                               Callable[[AdminContext, D], Awaitable[str | None]]]:
        if not data.prefix.startswith("adm:"):
            raise ValueError(f"control-center buttons start with 'adm:' (the ingress routes them by it): "
                             f"{data.prefix}")

        def register(handler: Callable[[AdminContext, D], Awaitable[str | None]]
                     ) -> Callable[[AdminContext, D], Awaitable[str | None]]:
            self._add(self.callbacks, data.prefix, (data, Route(self.name, can, handler)), "button prefix")
            return handler
        return register

    def answer(self, kind: str, *, can: Can | None) -> Callable[[AnswerHandler], AnswerHandler]:
        """The handler of an operator's typed answer to a question of this kind."""
        def register(handler: AnswerHandler) -> AnswerHandler:
            self._add(self.answers, kind, Route(self.name, can, handler), "question")
            return handler
        return register

    def action(self, name: str, *, can: Can | None) -> Callable[[ActionHandler], ActionHandler]:
        """The handler of a confirmed action (core.admin.confirm)."""
        def register(handler: ActionHandler) -> ActionHandler:
            self._add(self.actions, name, Route(self.name, can, handler), "action")
            return handler
        return register


class Refused(Exception):
    """The operator's role does not allow it (the screen says so)."""


def not_allowed(ctx: AdminContext) -> str:
    return f"🚫 Not allowed for your role ({ctx.operator.role.value})."


def _merge(target: dict[str, Any], source: Mapping[str, Any], what: str, router: str) -> None:
    for key, value in source.items():
        if key in target:
            raise DuplicateRoute(f"{what} {key!r} declared twice (again in {router})")
        target[key] = value


class AdminDispatcher:
    def __init__(self, routers: Iterable[AdminRouter]) -> None:
        self._commands: dict[str, Route] = {}
        self._callbacks: dict[str, tuple[type[CallbackData], Route]] = {}
        self._answers: dict[str, Route] = {}
        self._actions: dict[str, Route] = {}
        for router in routers:
            _merge(self._commands, router.commands, "command", router.name)
            _merge(self._callbacks, router.callbacks, "button prefix", router.name)
            _merge(self._answers, router.answers, "question", router.name)
            _merge(self._actions, router.actions, "action", router.name)

    @property
    def commands(self) -> frozenset[str]:
        return frozenset(self._commands)

    def command_capability(self, name: str) -> Can | None:
        return self._commands[name].capability

    def handles(self, command: Command) -> bool:
        return command.name in self._commands

    async def on_command(self, ctx: AdminContext, command: Command) -> bool:
        """Run an operator's command; False when no router declares it."""
        route = self._commands.get(command.name)
        if route is None:
            return False
        if route.capability is not None and not ctx.can(route.capability):
            await ctx.screen.say(not_allowed(ctx))
            return True
        await route.handler(ctx, command)
        return True

    def _callback_route(self, data: str) -> tuple[type[CallbackData], Route] | None:
        best: tuple[type[CallbackData], Route] | None = None
        for prefix, found in self._callbacks.items():
            if found[0].matches(data) and (best is None or len(prefix) > len(best[0].prefix)):
                best = found
        return best

    async def on_callback(self, ctx: AdminContext, data: object) -> str | None:
        """Run a button's handler; the notice to answer the press with."""
        found = self._callback_route(data) if isinstance(data, str) else None
        if found is None:
            return "This button is no longer active. Send /admin to continue."
        kind, route = found
        try:
            payload = kind.unpack(str(data))
        except BadCallbackData as exc:
            log.info("control-center button refused", data=str(data)[:64], error=str(exc))
            return "This button is no longer active. Send /admin to continue."
        if route.capability is not None and not ctx.can(route.capability):
            return not_allowed(ctx)
        notice: str | None = await route.handler(ctx, payload)
        return notice

    async def on_answer(self, ctx: AdminContext, question: pending.Pending, text: str) -> None:
        route = self._answers.get(question.kind)
        if route is None:
            await ctx.screen.say("That question is no longer asked. Send /admin to continue.")
            return
        if route.capability is not None and not ctx.can(route.capability):
            await ctx.screen.say(not_allowed(ctx))
            return
        await route.handler(ctx, question, text)

    async def on_confirm(self, ctx: AdminContext, token: str) -> str | None:
        """Carry out a proposal, once; the notice to answer the press with."""
        taken = await confirm.take(ctx.tx.conn, ctx.operator.telegram_id, token)
        if isinstance(taken, confirm.Refusal):
            return {
                confirm.Refusal.USED: "Already done.",
                confirm.Refusal.EXPIRED: "This confirmation expired: start again.",
                confirm.Refusal.NOT_YOURS: "Only the operator who asked can confirm this.",
                confirm.Refusal.UNKNOWN: "This confirmation no longer exists: start again.",
            }[taken]
        route = self._actions.get(taken.action)
        if route is None:
            return "This action no longer exists."
        if route.capability is not None and not ctx.can(route.capability):
            return not_allowed(ctx)
        notice: str | None = await route.handler(ctx, taken.params)
        return notice
