"""🎁 Mass Gift: ``/massgift <segment> <gift> [reason]`` previews the gift (users,
credits and pass days in all, the notice as recipients read it) with Confirm
buttons; the campaign runs on the broadcast queue (core.campaigns), started,
steered and listed by core.admin.campaign_screens as a broadcast is.
"""

from __future__ import annotations

from core import campaigns
from core.accounts import segments
from core.admin import campaign_gift_compose, confirm, fmt
from core.admin.campaign_screens import confirm_data, history, list_note
from core.admin.navigation import confirm_row
from core.admin.refs import Unreadable
from core.admin.roles import Role
from core.admin.router import AdminContext
from core.platform.sql import q
from core.telegram.markup import button, keyboard


def _each(order: campaign_gift_compose.GiftOrder) -> str:
    parts = []
    if order.credits:
        parts.append(f"{fmt.number(order.credits)} credits")
    if order.days:
        parts.append(f"{fmt.number(order.days)} days of pass")
    return " + ".join(parts)


async def open_massgift(ctx: AdminContext, payload: str) -> None:
    if not payload.strip():
        await history(ctx, "gift")
        return
    try:
        order = campaign_gift_compose.gift(payload)
    except Unreadable as exc:
        await ctx.screen.say(f"⚠️ {fmt.esc(exc)}")
        return
    count, last_id = await segments.count(ctx.tx.conn, order.segment, service=True)
    note = await list_note(ctx, order.segment)
    if count == 0:
        await ctx.screen.say(f"⚠️ Nobody is in <code>{fmt.esc(order.segment.text)}</code> now:"
                             f" nothing to give.{note}")
        return
    total = count * order.credits
    cap = ctx.cfg.mass_gift_cap
    if total > cap and ctx.operator.role is not Role.OWNER:
        await ctx.screen.say(f"🚫 {fmt.number(total)} credits is over the cap of {fmt.number(cap)}"
                             " per campaign"
                             " (setting mass_gift_cap): only an owner can send it.")
        return
    campaign_id = await ctx.tx.conn.fetchval(
        q("campaign_screens_draft"), "gift", ctx.operator.telegram_id, ctx.place.chat_id, ctx.place.thread_id,
        order.segment.text, dict(order.segment.filter), True, "broadcast", None, None, None, None,
        order.credits, order.reason or None, last_id, count, None, order.days)
    with_notice = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, "campaign.start",
                                        {"id": campaign_id, "lane": "broadcast", "notice": True})
    silent = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, "campaign.start",
                                   {"id": campaign_id, "lane": "broadcast", "notice": False})
    notice = campaigns.notice_text(ctx.operator.lang, order.credits, order.days, order.reason)
    over = f"\n⚠️ Over the cap of {fmt.number(cap)} (you are an owner)." if total > cap else ""
    totals = []
    if order.credits:
        totals.append(f"<b>{fmt.number(total)}</b> credits in all{over}")
    if order.days:
        # Days run on from a pass's end while it runs, else from now (core.billing.passes).
        totals.append(f"<b>{fmt.number(count * order.days)}</b> pass days in all"
                      " (added to a running pass, else from now)")
    text = (f"<b>🎁 Mass gift #{campaign_id}</b>\n"
            f"Audience: <code>{fmt.esc(order.segment.text)}</code> · <b>{fmt.number(count)}</b> users{note}\n"
            f"{_each(order)} each · " + " · ".join(totals) + "\n"
            f"Reason: {fmt.esc(order.reason) or '—'}\nNotice (in each user's language):\n{notice}")
    rows = [confirm_row(with_notice, "✅ Gift + notice"), [button("✅ Gift silently", confirm_data(silent))]]
    await ctx.screen.fresh().show(text, keyboard(*rows))
