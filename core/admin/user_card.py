"""A user's card: who they are, what they have and paid, what operators did to them.

Its buttons are the actions the operator's role allows (an analyst's card
is read-only); every one of them is checked again when pressed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from core.admin import audit, fmt
from core.admin.navigation import nav_row
from core.admin.roles import Can, Operator
from core.admin.router import AdminContext
from core.admin.users_buttons import Act, CardAct, UserCard, card_back
from core.platform.sql import q
from core.telegram.markup import Keyboard, button, keyboard

LEDGER_ROWS = 5
PAYMENTS = 3
AUDIT_ENTRIES = 3
NOTES = 3


@dataclass(frozen=True)
class Profile:
    id: int
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str | None
    credits: int
    tier: str
    pass_expires_at: datetime | None
    pass_active: bool | None
    is_banned: bool
    ban_reason: str | None
    banned_at: datetime | None
    blocked_bot_at: datetime | None
    created_at: datetime
    last_seen_at: datetime | None
    stripe_customer_id: str | None
    messages_sent: int
    admin_chat_id: int | None
    topic_id: int | None

    @property
    def name(self) -> str:
        return fmt.name_of(self.first_name, self.last_name, self.username, self.telegram_id)


@dataclass(frozen=True)
class LedgerRow:
    delta: int
    balance_after: int
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class Payment:
    id: int
    rail: str
    status: str
    amount: int
    amount_refunded: int
    currency: str
    created_at: datetime


@dataclass(frozen=True)
class Card:
    profile: Profile
    #: (currency, net of refunds) of every currency the user paid in.
    spend: tuple[tuple[str, int], ...]
    ledger: tuple[LedgerRow, ...]
    payments: tuple[Payment, ...]
    audit: tuple[audit.Entry, ...]
    #: Operators' internal notes (``//`` in the topic), newest first: (text, when).
    notes: tuple[tuple[str, datetime], ...] = ()


async def load(conn: asyncpg.Connection, user_id: int) -> Card | None:
    row = await conn.fetchrow(q("user_card_profile"), user_id)
    if row is None:
        return None
    spend = tuple((r["currency"], int(r["net"])) for r in await conn.fetch(q("user_card_spend"), user_id))
    ledger = tuple(LedgerRow(**dict(r)) for r in await conn.fetch(q("user_card_ledger"), user_id,
                                                                   LEDGER_ROWS))
    payments = tuple(Payment(**dict(r)) for r in await conn.fetch(q("user_card_payments"), user_id,
                                                                  PAYMENTS))
    entries = tuple(await audit.latest(conn, user_id=user_id, limit=AUDIT_ENTRIES))
    notes = tuple((r["text"] or "", r["created_at"]) for r in await conn.fetch(q("user_card_notes"), user_id,
                                                                               NOTES))
    return Card(Profile(**dict(row)), spend, ledger, payments, entries, notes)


def topic_link(admin_chat_id: int, topic_id: int) -> str:
    """``https://t.me/c/<chat id without -100>/<topic>``: opens the topic for members of the group."""
    return f"https://t.me/c/{str(admin_chat_id).removeprefix('-100')}/{topic_id}"


def _value(value: object) -> str:
    """An audited value as people read it: times as dates, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        try:
            return fmt.date(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _change(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """``credits 10 → 15 “thanks”``: what an audit entry changed, escaped."""
    before, after = before or {}, after or {}
    changed = [f"{key} {_value(before[key])} → {_value(value)}" for key, value in after.items()
               if key in before and before[key] != value]
    added = [f"{key} {_value(value)}" for key, value in after.items()
             if key not in before and key != "reason"]
    reason = [f"“{str(after['reason'])[:60]}”"] if after.get("reason") else []
    return fmt.esc(" ".join(changed + added + reason))


def _pass_line(p: Profile, now: datetime) -> str:
    if p.pass_expires_at is None or not p.pass_active:
        ended = f" (ended {fmt.ago(p.pass_expires_at, now)})" if p.pass_expires_at is not None else ""
        return f"🎟 Pass: none{ended}"
    return f"🎟 Pass: until {fmt.date(p.pass_expires_at)} ({fmt.ago(p.pass_expires_at, now)})"


def render(card: Card, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    p = card.profile
    lines = [
        f"👤 <b>{p.name}</b>",
        f"id <code>{p.telegram_id}</code> · language {fmt.esc(p.language or '—')}"
        f" · joined {fmt.ago(p.created_at, now)} · seen {fmt.ago(p.last_seen_at, now)}",
        f"💳 Balance: <b>{fmt.number(p.credits)}</b> credit{'s' if p.credits != 1 else ''}"
        f" · tier <b>{fmt.esc(p.tier)}</b>",
        _pass_line(p, now),
        "💰 Spent: " + (" · ".join(fmt.money(net, currency) for currency, net in card.spend)
                       if card.spend else "nothing yet"),
        f"✉️ Messages sent: {fmt.number(p.messages_sent)}",
    ]
    if p.is_banned:
        reason = f": {fmt.esc(p.ban_reason)}" if p.ban_reason else ""
        lines.append(f"⛔ <b>Banned</b> {fmt.ago(p.banned_at, now)}{reason}")
    if p.blocked_bot_at is not None:
        lines.append(f"🚫 Blocked the bot {fmt.ago(p.blocked_bot_at, now)}")
    if p.admin_chat_id is not None and p.topic_id is not None:
        lines.append(f"💬 Topic: {topic_link(p.admin_chat_id, p.topic_id)}")
    if p.stripe_customer_id:
        lines.append(f"Stripe: <code>{fmt.esc(p.stripe_customer_id)}</code>")
    if card.ledger:
        lines += ["", "<b>Credits</b>"]
        lines += [f"{r.delta:+,} → {fmt.number(r.balance_after)} · {fmt.esc(r.reason.replace('_', ' '))}"
                  f" · {fmt.ago(r.created_at, now)}" for r in card.ledger]
    if card.payments:
        lines += ["", "<b>Payments</b>"]
        lines += [f"#{t.id} {fmt.esc(t.rail)} {fmt.esc(t.status)} {fmt.money(t.amount, t.currency)}"
                  + (f" (refunded {fmt.money(t.amount_refunded, t.currency)})" if t.amount_refunded else "")
                  + f" · {fmt.ago(t.created_at, now)}" for t in card.payments]
    if card.notes:
        lines += ["", "<b>Last notes</b>"]
        lines += [f"📝 {fmt.esc(text[:200])} · {fmt.ago(at, now)}" for text, at in card.notes]
    if card.audit:
        lines += ["", "<b>Audit log</b>"]
        lines += [f"{fmt.ago(e.at, now)} · <code>{e.operator_id}</code> ({fmt.esc(e.role)}) · "
                  f"{fmt.esc(e.action)} {_change(e.before, e.after)}" for e in card.audit]
    return "\n".join(lines)


def buttons(operator: Operator, p: Profile, opened: UserCard) -> Keyboard:
    """The actions ``operator``'s role allows on this card, then Refresh, Back and Home."""
    acts: list[tuple[Can, Act, str]] = [
        (Can.USERS_CREDITS, Act.CREDITS, "💰 Credits ±"),
        (Can.USERS_BAN, Act.UNBAN, "✅ Unban") if p.is_banned else (Can.USERS_BAN, Act.BAN, "⛔ Ban"),
        (Can.USERS_TIER, Act.TIER, "🏷 Tier"),
        (Can.USERS_PASS, Act.PASS, "🎟 Pass"),
    ]
    allowed = [button(label, CardAct(act, p.id).pack()) for can, act, label in acts if operator.can(can)]
    rows: Sequence[Sequence[dict[str, str]]] = [allowed[:2], allowed[2:]]
    return keyboard(*rows, [button("🔄 Refresh", opened.pack())], nav_row(card_back(opened)))


async def show(ctx: AdminContext, user_id: int, opened: UserCard | None = None) -> bool:
    """Show the card in the screen's place; False when the user does not exist."""
    card = await load(ctx.tx.conn, user_id)
    if card is None:
        return False
    opened = opened or UserCard(user_id, 0, "~")
    await ctx.screen.show(render(card), buttons(ctx.operator, card.profile, opened))
    return True
