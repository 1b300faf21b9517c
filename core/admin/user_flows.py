"""The card's buttons: each action asks what it needs, shows what will change, and
waits for a Confirm that works once.

Credits are asked as a typed answer (``+5 thanks for waiting``); tiers and
pass lengths are buttons. The change is proposed with the idempotency key
of the update that proposed it, and carried out by the confirmed action
(core.admin.confirm), which checks the role and the user's state again.
A customer's topic cannot take a typed answer (it would be relayed to the
customer), so there the card points to the typed command instead.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from core.admin import confirm, fmt, pending, refs, user_actions, user_card, users_search
from core.admin.navigation import confirm_row, nav_row, rows_of
from core.admin.refs import Unreadable
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter, not_allowed
from core.admin.user_actions import Subject
from core.admin.user_commands import operator_key
from core.admin.users_buttons import Act, CardAct, PassPick, TierPick, UserCard, card
from core.telegram.markup import button, keyboard

router = AdminRouter("user_flows")

GONE = "That user no longer exists."
PASS_DAYS = (1, 7, 30, 90)
_NEEDS = {Act.CREDITS: Can.USERS_CREDITS, Act.BAN: Can.USERS_BAN, Act.UNBAN: Can.USERS_BAN,
          Act.TIER: Can.USERS_TIER, Act.PASS: Can.USERS_PASS}


def plain(text: str) -> str:
    """A screen's HTML as a button's notice (plain text, at most 200 characters)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))[:200]


def _can_ask(ctx: AdminContext) -> bool:
    """Whether the operator's next message here can answer a question: not in a customer's
    topic, where it would be relayed to the customer."""
    return ctx.place.thread_id is None


async def _propose(ctx: AdminContext, s: Subject, action: str, params: Mapping[str, Any], text: str,
                   label: str = "✅ Confirm") -> None:
    token = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, action,
                                  {"user_id": s.id, "key": operator_key(ctx), **params})
    await ctx.screen.show(text, keyboard(confirm_row(token, label), nav_row(card(s.id))))


@router.callback(UserCard, can=Can.USERS_VIEW)
async def on_card(ctx: AdminContext, data: UserCard) -> str | None:
    return None if await user_card.show(ctx, data.user_id, data) else GONE


@router.callback(CardAct, can=Can.USERS_VIEW)
async def on_act(ctx: AdminContext, data: CardAct) -> str | None:
    if not ctx.can(_NEEDS[data.act]):
        return not_allowed(ctx)
    s = await user_actions.subject(ctx.tx.conn, data.user_id, hold=False)
    if s is None:
        return GONE
    back = keyboard(nav_row(card(s.id)))
    if data.act is Act.CREDITS:
        if not _can_ask(ctx):
            await ctx.screen.show(f"💰 {s.name} has {fmt.number(s.credits)} credits. Here, type "
                                  "<code>/credits +N reason</code> or <code>/credits -N reason</code>.", back)
            return None
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, "user.credits", {"user_id": s.id},
                          ctx.place, ctx.message_id)
        await ctx.screen.show(f"💰 {s.name} has <b>{fmt.number(s.credits)}</b> credits.\nSend the change"
                              " and a reason, e.g. <code>+5 thanks for waiting</code> or"
                              " <code>-3 double charge</code>. /cancel to stop.", back)
    elif data.act is Act.BAN:
        if s.is_banned:
            return f"{plain(s.name)} is banned already."
        await _propose(ctx, s, "user.ban", {}, (
            f"⛔ Ban {s.name}?\nTheir messages will be neither charged nor relayed; they are told once. "
            f"To record a reason, type <code>/ban {s.telegram_id} reason</code> instead."), "⛔ Ban")
    elif data.act is Act.UNBAN:
        if not s.is_banned:
            return f"{plain(s.name)} is not banned."
        reason = f" (banned for: {fmt.esc(s.ban_reason)})" if s.ban_reason else ""
        await _propose(ctx, s, "user.unban", {}, f"✅ Unban {s.name}{reason}? They will be told.", "✅ Unban")
    elif data.act is Act.TIER:
        tiers = await users_search.tiers(ctx.tx.conn)
        picks = [button(("• " if t == s.tier else "") + t, TierPick(s.id, t).pack()) for t in tiers]
        await ctx.screen.show(f"🏷 Tier of {s.name}: <b>{fmt.esc(s.tier)}</b>. Choose the new tier.",
                              keyboard(*rows_of(picks, 3), nav_row(card(s.id))))
    else:
        picks = [button(f"+{d} day{'s' if d != 1 else ''}", PassPick(s.id, d).pack()) for d in PASS_DAYS]
        if s.pass_active:
            picks.append(button("⏹ End the pass", PassPick(s.id, 0).pack()))
        now = f"until {fmt.date(s.pass_expires_at)}" if s.pass_active else "none"
        await ctx.screen.show(f"🎟 Pass of {s.name}: {now}. Add days (from its end while it runs), or end it."
                              f" Any length: <code>/pass {s.telegram_id} &lt;days&gt;</code>.",
                              keyboard(*rows_of(picks, 2), nav_row(card(s.id))))
    return None


@router.answer("user.credits", can=Can.USERS_CREDITS)
async def on_credits_answer(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    s = await user_actions.subject(ctx.tx.conn, int(question.params["user_id"]), hold=False)
    if s is None:
        await ctx.screen.say(GONE)
        return
    change, reason_text = user_actions.change_and_reason(text)
    try:
        delta = refs.parse_delta(change)
        reason = user_actions.reason_of(reason_text)
        refusal = user_actions.take_refusal(s, delta)
        if refusal is not None:
            raise Unreadable(plain(refusal))
    except Unreadable as exc:
        # Asked again: a typo should not send the operator back to the card.
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, question.kind, question.params,
                          question.place, question.message_id)
        await ctx.screen.say(f"{fmt.esc(exc)} Try again, or /cancel.")
        return
    why = f"\nReason: {fmt.esc(reason)}" if reason else ""
    await _propose(ctx, s, "user.credits", {"delta": delta, "reason": reason}, (
        f"💰 {s.name}: <b>{fmt.number(s.credits)} → {fmt.number(s.credits + delta)}</b> credits "
        f"({delta:+,}).{why}\nThey will be told."), "✅ Confirm")


@router.callback(TierPick, can=Can.USERS_TIER)
async def on_tier(ctx: AdminContext, data: TierPick) -> str | None:
    s = await user_actions.subject(ctx.tx.conn, data.user_id, hold=False)
    if s is None:
        return GONE
    refusal = user_actions.tier_refusal(data.tier, await users_search.tiers(ctx.tx.conn))
    if refusal is not None:
        return plain(refusal)
    if data.tier == s.tier:
        return f"{plain(s.name)} is {data.tier} already."
    await _propose(ctx, s, "user.tier", {"tier": data.tier},
                   f"🏷 {s.name}: tier <b>{fmt.esc(s.tier)} → {fmt.esc(data.tier)}</b>?")
    return None


@router.callback(PassPick, can=Can.USERS_PASS)
async def on_pass(ctx: AdminContext, data: PassPick) -> str | None:
    s = await user_actions.subject(ctx.tx.conn, data.user_id, hold=False)
    if s is None:
        return GONE
    if not 0 <= data.days <= refs.MAX_PASS_DAYS:
        return "This button is no longer active."
    current = s.pass_expires_at if s.pass_active else None
    if data.days == 0:
        if current is None:
            return f"{plain(s.name)} has no active pass."
        text = f"🎟 End the pass of {s.name} (until {fmt.date(current)}) now?"
    else:
        until = (current or datetime.now(UTC)) + timedelta(days=data.days)
        was = f"until {fmt.date(current)}" if current else "none"
        text = f"🎟 Pass of {s.name}: {was} → <b>until {fmt.date(until)}</b> (+{data.days} days)?"
    await _propose(ctx, s, "user.pass", {"days": data.days}, text)
    return None


async def _confirmed(ctx: AdminContext, params: Mapping[str, Any], act: str) -> str | None:
    s = await user_actions.subject(ctx.tx.conn, int(params["user_id"]))
    if s is None:
        return GONE
    key = str(params["key"])
    if act == "credits":
        reason = params.get("reason")
        result = await user_actions.change_credits(ctx, s, int(params["delta"]),
                                                   str(reason) if reason else None, key=key)
    elif act == "ban":
        result = await user_actions.ban(ctx, s, None)
    elif act == "unban":
        result = await user_actions.unban(ctx, s)
    elif act == "tier":
        tiers = await users_search.tiers(ctx.tx.conn)
        result = await user_actions.set_tier(ctx, s, str(params["tier"]), tiers)
    else:
        result = await user_actions.set_pass(ctx, s, int(params["days"]), key=key)
    await user_card.show(ctx, s.id)
    return plain(result)


@router.action("user.credits", can=Can.USERS_CREDITS)
async def credits_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    return await _confirmed(ctx, params, "credits")


@router.action("user.ban", can=Can.USERS_BAN)
async def ban_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    return await _confirmed(ctx, params, "ban")


@router.action("user.unban", can=Can.USERS_BAN)
async def unban_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    return await _confirmed(ctx, params, "unban")


@router.action("user.tier", can=Can.USERS_TIER)
async def tier_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    return await _confirmed(ctx, params, "tier")


@router.action("user.pass", can=Can.USERS_PASS)
async def pass_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    return await _confirmed(ctx, params, "pass")
