"""How products read on the 🛒 Products screens: the list's lines, a product's card, its sales.

Pure functions over rows the screens read (core.admin.product_screens), so
the wording is tested without a database. Everything an operator typed (a
product's name) is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.admin import fmt
from core.billing import Kind, Product, Rail

RAIL_ICONS = {Rail.STRIPE.value: "💳", Rail.STARS.value: "⭐"}


@dataclass(frozen=True)
class Sales:
    """One product's sales on one rail in one currency, net of refunds."""

    rail: str
    currency: str
    units: int
    gross: int
    refunds: int

    @property
    def net(self) -> int:
        return self.gross - self.refunds


@dataclass(frozen=True)
class SyncState:
    version: int
    synced_version: int
    synced_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class Listed:
    product: Product
    sync: SyncState
    last_30_days: Sequence[Sales]
    all_time: Sequence[Sales]
    #: A limited package's uses taken (paid, or held by a purchase under way).
    uses: int | None = None


def grants(p: Product) -> str:
    if p.kind is Kind.PASS:
        days = p.pass_days or 0
        every = " · monthly subscription" if p.recurring else ""
        return f"{days} day{'s' if days != 1 else ''} of unlimited messages{every}"
    return f"{p.credits:,} credit{'s' if p.credits != 1 else ''}"


def prices(p: Product) -> str:
    parts = []
    if p.stripe_amount is not None and p.stripe_currency is not None:
        per = f"/{p.subscription_interval}" if p.subscription_interval else ""
        parts.append(f"💳 {fmt.money(p.stripe_amount, p.stripe_currency)}{per}")
    if p.stars_amount is not None:
        parts.append(f"⭐ {p.stars_amount:,}")
    return " · ".join(parts) or "no price"


def status(p: Product) -> str:
    if not p.active:
        return "⛔ disabled"
    if p.hidden:
        return "🙈 hidden (sold by its link)"
    return "✅ on sale"


def sales_line(sales: Sequence[Sales]) -> str:
    if not sales:
        return "none"
    return " · ".join(f"{RAIL_ICONS.get(s.rail, s.rail)} {s.units:,} sold, {fmt.money(s.net, s.currency)}"
                      for s in sorted(sales, key=lambda s: (s.rail, s.currency)))


def sync_line(p: Product, sync: SyncState) -> str:
    if sync.error:
        return f"❌ {fmt.esc(sync.error[:200])}"
    if sync.synced_version < sync.version:
        return "⏳ sync pending"
    price = f" · Price <code>{fmt.esc(p.stripe_price_id)}</code>" if p.stripe_price_id else ""
    return (f"✅ Product <code>{fmt.esc(p.stripe_product_id or '—')}</code>{price}"
            f" · synced {fmt.ago(sync.synced_at)}")


def list_item(n: int, item: Listed) -> str:
    p = item.product
    badge = f" · {p.badge.value}" if p.badge else ""
    return (f"<b>{n}. {fmt.esc(p.name)}</b> <code>{p.code}</code> · {p.kind.value} · {grants(p)}\n"
            f"   {prices(p)} · {status(p)}{badge} · sort {p.sort}\n"
            f"   30 days: {sales_line(item.last_30_days)}\n"
            f"   all time: {sales_line(item.all_time)}")


def list_text(items: Sequence[Listed], counts: Mapping[str, int] | asyncpg.Record, page: int) -> str:
    head = (f"<b>🛒 Products</b> · {counts['total']:,} ({counts['on_sale']:,} on sale, "
            f"{counts['hidden']:,} hidden, {counts['disabled']:,} disabled)\n"
            "Sales are net of refunds.")
    if not items:
        return head + "\n\nNo products yet: ➕ New product, or /product new."
    lines = [list_item(page * 8 + i + 1, item) for i, item in enumerate(items)]
    return head + "\n\n" + "\n\n".join(lines)


def limits(p: Product, uses: int | None, buyer: str | None) -> str:
    parts = []
    if p.for_telegram_id is not None:
        parts.append(f"only for {buyer or p.for_telegram_id}")
    if p.max_uses is not None:
        parts.append(f"{uses or 0:,} of {p.max_uses:,} uses taken")
    if p.expires_at is not None:
        parts.append(f"expires {fmt.date(p.expires_at)} ({fmt.ago(p.expires_at)})")
    return " · ".join(parts) or "none (anyone with the link, any number of times)"


def card_text(item: Listed, *, link: str | None, buyer: str | None) -> str:
    p = item.product
    badge = p.badge.value if p.badge else "none"
    lines = [
        f"<b>{fmt.esc(p.name)}</b> <code>{p.code}</code> · {p.kind.value}",
        f"Grants: {grants(p)}",
        f"Price: {prices(p)}",
        f"Status: {status(p)} · badge {badge} · sort {p.sort}",
        f"Stripe: {sync_line(p, item.sync)}",
        f"Sales, 30 days: {sales_line(item.last_30_days)}",
        f"Sales, all time: {sales_line(item.all_time)}",
    ]
    if link is not None:
        lines += ["", f"🔗 Link: {fmt.esc(link)}", f"Limits: {limits(p, item.uses, buyer)}"]
    lines += ["", f"Edit: <code>/product edit {p.code} &lt;field&gt; &lt;value&gt;</code>",
              "Fields: name, credits, days, recurring, price, stars, badge, sort, active, hidden, "
              "user, uses, expires."]
    return "\n".join(lines)
