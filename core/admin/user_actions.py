"""What operators do to a user: credits, ban and unban, tier, pass.

Typed commands and confirmed buttons both end here, in the transaction of
the update that asked. Each action holds the user's row, refuses what would
make no sense (taking more than the balance, an unknown tier) with a reason
and no change, writes its rows with an idempotency key derived from that
update or confirmation (a redelivery applies once), is audited with before
and after, and tells the user what changed, in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from core import billing, i18n
from core.accounts import ledger
from core.accounts.events import CreditsArrived
from core.admin import audit, fmt, user_texts
from core.admin.refs import Unreadable
from core.admin.router import AdminContext
from core.platform.sql import q
from core.telegram.markup import PARSE_MODE

#: Longest reason an operator may give (a credit change, a ban).
MAX_REASON = 200
GRANT, TAKE = "operator_grant", "operator_take"
#: Why pass_grants rows written by operators exist.
PASS_REASON = "operator"


@dataclass(frozen=True)
class Subject:
    id: int
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str | None
    language_code: str | None
    credits: int
    tier: str
    pass_expires_at: datetime | None
    pass_active: bool | None
    is_banned: bool
    ban_reason: str | None

    @property
    def name(self) -> str:
        """``Maria Silva (@maria_s)``, escaped."""
        return fmt.name_of(self.first_name, self.last_name, self.username, self.telegram_id)

    @property
    def lang(self) -> str:
        return i18n.negotiate(self.language, self.language_code)


async def subject(conn: asyncpg.Connection, user_id: int, *, hold: bool = True) -> Subject | None:
    """The user, their row held until the transaction ends (``hold``) so nothing changes under the action."""
    row = await conn.fetchrow(q("user_actions_subject" if hold else "user_actions_peek"), user_id)
    return None if row is None else Subject(**dict(row))


def reason_of(text: str) -> str | None:
    """An operator's reason as they wrote it (None for none); Unreadable when too long."""
    text = " ".join(text.split())
    if len(text) > MAX_REASON:
        raise Unreadable(f"Give a reason of at most {MAX_REASON} characters (this one has {len(text):,}).")
    return text or None


def change_and_reason(text: str) -> tuple[str, str]:
    """``+5 thanks for waiting`` → (``+5``, ``thanks for waiting``); any whitespace separates them."""
    words = text.split(maxsplit=1)
    return (words[0] if words else "", words[1] if len(words) > 1 else "")


def take_refusal(s: Subject, delta: int) -> str | None:
    """Why ``delta`` cannot be applied to ``s``'s balance, or None."""
    if delta < 0 and -delta > s.credits:
        return (f"{s.name} has {fmt.number(s.credits)} credit{'s' if s.credits != 1 else ''}: "
                f"cannot take {fmt.number(-delta)}. Nothing was changed.")
    return None


def _pass_value(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


async def _tell(ctx: AdminContext, s: Subject, text: str) -> None:
    await ctx.tx.send("sendMessage", s.telegram_id, text=text, parse_mode=PARSE_MODE)


async def change_credits(ctx: AdminContext, s: Subject, delta: int, reason: str | None, *, key: str) -> str:
    """Give (``delta`` > 0) or take credits; the result to show the operator."""
    refusal = take_refusal(s, delta)
    if refusal is not None:
        return refusal
    change = await ledger.apply(ctx.tx.conn, s.id, delta, reason=GRANT if delta > 0 else TAKE, key=key)
    if change.outcome is ledger.Outcome.DUPLICATE:
        return "Already done: this change was applied before."
    if change.balance is None:  # the balance is lower than the screen showed
        return f"{s.name} has fewer credits than that now. Nothing was changed."
    after = change.balance
    await audit.record(ctx.tx.conn, ctx.operator, "user.credits", cause=ctx.tx.cause, target_user_id=s.id,
                       before={"credits": s.credits}, after={"credits": after, "reason": reason})
    if delta > 0:
        await _tell(ctx, s, user_texts.credits_added(delta, after, lang=s.lang))
        # Messages held for lack of credits may go through now (core.relay, subscribed).
        await ctx.tx.publish(CreditsArrived(s.id))
    elif ctx.cfg.announce_credit_takes:
        await _tell(ctx, s, user_texts.credits_removed(-delta, after, lang=s.lang))
    return f"✅ {s.name}: {fmt.number(s.credits)} → {fmt.number(after)} credits ({delta:+,})."


async def ban(ctx: AdminContext, s: Subject, reason: str | None) -> str:
    if not await ctx.tx.conn.fetchval(q("user_actions_ban"), s.id, reason):
        return f"{s.name} is banned already."
    await audit.record(ctx.tx.conn, ctx.operator, "user.ban", cause=ctx.tx.cause, target_user_id=s.id,
                       before={"banned": False}, after={"banned": True, "reason": reason})
    # The relay tells them once, at their next message (users.ban_notified_at).
    return (f"⛔ {s.name} is banned: their messages are neither charged nor relayed, "
            "and they are told once.")


async def unban(ctx: AdminContext, s: Subject) -> str:
    if not await ctx.tx.conn.fetchval(q("user_actions_unban"), s.id):
        return f"{s.name} is not banned."
    await audit.record(ctx.tx.conn, ctx.operator, "user.unban", cause=ctx.tx.cause, target_user_id=s.id,
                       before={"banned": True, "reason": s.ban_reason}, after={"banned": False})
    await _tell(ctx, s, user_texts.unbanned(lang=s.lang))
    return f"✅ {s.name} is no longer banned."


def tier_refusal(tier: str, valid: list[str]) -> str | None:
    if tier in valid:
        return None
    return f"“{fmt.esc(tier[:30])}” is not a tier. Tiers: {fmt.esc(', '.join(valid))}."


async def set_tier(ctx: AdminContext, s: Subject, tier: str, valid: list[str]) -> str:
    refusal = tier_refusal(tier, valid)
    if refusal is not None:
        return refusal
    if not await ctx.tx.conn.fetchval(q("user_actions_set_tier"), s.id, tier):
        return f"{s.name} is {fmt.esc(tier)} already."
    await audit.record(ctx.tx.conn, ctx.operator, "user.tier", cause=ctx.tx.cause, target_user_id=s.id,
                       before={"tier": s.tier}, after={"tier": tier})
    return f"✅ {s.name}: tier {fmt.esc(s.tier)} → {fmt.esc(tier)}."


async def set_pass(ctx: AdminContext, s: Subject, days: int, *, key: str) -> str:
    """Grant or extend the pass by ``days`` (from its end while it runs), or end it (0)."""
    before = s.pass_expires_at if s.pass_active else None
    if days == 0:
        if before is None:
            return f"{s.name} has no active pass: nothing to end."
        change = await billing.shorten_pass(ctx.tx.conn, s.id, until=datetime.now(UTC), reason=PASS_REASON,
                                            key=key)
    else:
        change = await billing.extend_pass(ctx.tx.conn, s.id, days=days, reason=PASS_REASON, key=key)
    if not change.applied:
        return "Already done: this change was applied before."
    after = change.expires_at if days else None
    await audit.record(ctx.tx.conn, ctx.operator, "user.pass", cause=ctx.tx.cause, target_user_id=s.id,
                       before={"pass_until": _pass_value(before)},
                       after={"pass_until": _pass_value(after), "days": days})
    if after is not None:
        await _tell(ctx, s, user_texts.pass_granted(after, lang=s.lang))
        await ctx.tx.publish(CreditsArrived(s.id))
        return f"✅ {s.name}: pass until {fmt.date(after)}."
    if ctx.cfg.announce_credit_takes:
        await _tell(ctx, s, user_texts.pass_ended(lang=s.lang))
    return f"✅ {s.name}: pass ended."
