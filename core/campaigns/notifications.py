"""``/notifications``: a user turns announcements (broadcasts) on or off.

Off, they are left out of every broadcast that is not a service
announcement; answers, receipts and service messages still reach them.
"""

from __future__ import annotations

from core.accounts import profile
from core.dispatch.router import Context, Router
from core.i18n import t
from core.platform.sql import q
from core.telegram.markup import PARSE_MODE
from core.telegram.updates import Command

router = Router("campaigns")


@router.command("notifications")
async def notifications(ctx: Context, command: Command) -> None:
    """Toggle; ``/notifications on`` and ``off`` set it whatever it was."""
    wanted = command.payload.strip().lower()
    value: bool | None = {"on": True, "off": False}.get(wanted)
    now = await ctx.tx.conn.fetchval(q("notifications_set"), ctx.user.id, value)
    lang = (await profile.load(ctx.tx.conn, ctx.user.id)).lang
    await ctx.tx.send("sendMessage", ctx.user.telegram_id,
                      text=t(lang, "notifications_on" if now else "notifications_off"), parse_mode=PARSE_MODE)
