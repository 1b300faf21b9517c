"""What a user is told when the bot does not know what they asked for."""

from __future__ import annotations

from core.accounts import language
from core.dispatch.router import Context
from core.i18n import label, t
from core.telegram.markup import PARSE_MODE


async def unknown_command(ctx: Context) -> None:
    """A ``/word`` no router declared: a hint towards /help, nothing charged or relayed."""
    lang = await language.of_telegram_id(ctx.tx.conn, ctx.user.telegram_id)
    await ctx.tx.send("sendMessage", ctx.user.telegram_id, text=t(lang, "unknown_command"),
                      parse_mode=PARSE_MODE)


async def stale_notice(ctx: Context) -> str:
    """The answer to a button no router reads (an old keyboard, forged data)."""
    return label(await language.of_telegram_id(ctx.tx.conn, ctx.user.telegram_id), "stale_button")
