"""``/admin``: the control center's home, its categories, and ``/cancel``.

Home shows the categories the operator's role may open; each opens by its
button or its own command (``/users``, ``/payments``, ...). A category whose
issue has not landed yet says so on its screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from core.admin import pending
from core.admin.navigation import BY_CATEGORY, CATEGORIES, Category, Home, Open, nav_row, rows_of, visible
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter, not_allowed
from core.telegram.markup import button, keyboard
from core.telegram.updates import Command

router = AdminRouter("home")

#: Opens a category's screen; the text typed after its command (``/search refund``), or "".
Opener = Callable[[AdminContext, str], Awaitable[None]]

#: Categories whose own issue is still open: their screens say so (none now;
#: a category added later starts here until its screens land).
COMING: dict[Category, str] = {}


async def show_home(ctx: AdminContext) -> None:
    allowed = visible(ctx.operator)
    buttons = [button(c.label, Open(c.category).pack()) for c in allowed]
    text = (f"<b>Control center</b>\nSigned in as {ctx.operator.role.value}. Choose a category, or type its"
            f" command: {', '.join('/' + c.command for c in allowed)}.")
    await ctx.screen.show(text, keyboard(*rows_of(buttons, 2)))


async def coming_soon(ctx: AdminContext, category: Category) -> None:
    info = BY_CATEGORY[category]
    await ctx.screen.show(f"<b>{info.label}</b>\n\nThis category arrives with {COMING[category]}; "
                          "it is not available yet.", keyboard(nav_row()))


class Categories:
    """Which screen each category opens; filled by the screen modules (core.admin.center)."""

    def __init__(self, openers: Mapping[Category, Opener]) -> None:
        missing = set(Category) - set(openers) - set(COMING)
        if missing:
            raise ValueError(f"categories without a screen: {sorted(missing)}")
        self._openers = dict(openers)

    async def open(self, ctx: AdminContext, category: Category, payload: str = "") -> str | None:
        info = BY_CATEGORY[category]
        if not ctx.can(info.capability):
            return not_allowed(ctx)
        opener = self._openers.get(category)
        if opener is None:
            await coming_soon(ctx, category)
        else:
            await opener(ctx, payload)
        return None


@router.command("admin", can=None)
async def admin_command(ctx: AdminContext, command: Command) -> None:
    await show_home(ctx)


@router.callback(Home, can=None)
async def on_home(ctx: AdminContext, data: Home) -> str | None:
    await show_home(ctx)
    return None


@router.command("cancel", can=None)
async def cancel(ctx: AdminContext, command: Command) -> None:
    dropped = await pending.cancel(ctx.tx.conn, ctx.operator.telegram_id)
    await ctx.screen.say("Cancelled." if dropped else "Nothing to cancel.")


def category_commands(categories: Callable[[], Categories]) -> AdminRouter:
    """A command per category (``/users``, ``/payments``, ...) and the category buttons.

    ``categories`` is read when a command runs, so the screen modules that
    fill it may import this module.
    """
    commands = AdminRouter("categories")

    for info in CATEGORIES:
        async def open_category(ctx: AdminContext, command: Command,
                                category: Category = info.category) -> None:
            refusal = await categories().open(ctx, category, command.payload)
            if refusal:
                await ctx.screen.say(refusal)

        # The capability is checked by Categories.open, with its own message.
        commands.command(info.command, can=None)(open_category)

    @commands.callback(Open, can=None)
    async def on_open(ctx: AdminContext, data: Open) -> str | None:
        return await categories().open(ctx, data.category)

    return commands


__all__ = ["COMING", "Can", "Categories", "category_commands", "coming_soon", "router", "show_home"]
