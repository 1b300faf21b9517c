"""/balance: the credit level as a coloured bar, the active pass, and advice from the user's own pace.

The bar measures the balance against the highest it was in the last 30 days
(full right after a top-up, draining as messages go out), red below the
low-credit threshold. The advice divides the balance by the credits spent per
day over those 30 days, and suggests the smallest pack that lasts a month at
that pace (the largest if none does) with what it saves per credit against the
smallest pack. Buttons on the card edit it in place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from core import i18n
from core.accounts import ledger
from core.dispatch.callback_data import CallbackData
from core.dispatch.menu import OpenCatalog
from core.dispatch.screens import Screen
from core.experience import menus, texts
from core.i18n import Html, credits_word, label, t
from core.platform.bot_settings import BotSettings
from core.platform.sql import q
from core.telegram.markup import Keyboard, button, keyboard


@dataclass(frozen=True)
class RefreshCard(CallbackData, prefix="bal:refresh"):
    pass
BAR_CELLS = 10
USAGE_DAYS = 30
#: A pack "fits" when it lasts this many days at the user's pace.
HORIZON_DAYS = 30
EMPTY_CELL = "⬜"


@dataclass(frozen=True)
class Usage:
    messages: int
    credits_spent: int
    first_message_at: datetime | None
    peak: int  # the highest balance in the window

    def days(self, now: datetime) -> float:
        """The span the pace is measured over: since the first message, at least a day."""
        if self.first_message_at is None:
            return 1.0
        return max(1.0, (now - self.first_message_at).total_seconds() / 86400)


@dataclass(frozen=True)
class Pack:
    code: str
    credits: int
    amount: int  # minor units, or Stars
    currency: str  # ISO code, lower case; 'xtr' for Stars


@dataclass(frozen=True)
class Advice:
    pack: Pack
    smallest: Pack
    percent: int  # cheaper per credit than the smallest pack
    saving: int  # minor units saved against buying as many credits in the smallest pack


def bar(credits: int, reference: int, threshold: int) -> str:
    """``🟩🟩🟩🟩🟩🟩⬜⬜⬜⬜``: filled cells coloured by level, red when low."""
    reference = max(reference, credits, 1)
    ratio = credits / reference
    filled = 0 if credits <= 0 else min(BAR_CELLS, math.ceil(ratio * BAR_CELLS))
    if credits < threshold or ratio <= 0.2:
        colour = "🟥"
    elif ratio <= 0.5:
        colour = "🟨"
    else:
        colour = "🟩"
    return colour * filled + EMPTY_CELL * (BAR_CELLS - filled)


def packs_on_one_rail(rows: Iterable[Mapping[str, Any]]) -> list[Pack]:
    """Credit packs priced on one rail, so their prices compare: card if all have it, else Stars."""
    rows = list(rows)
    currencies = {r["stripe_currency"] for r in rows if r["stripe_amount"]}
    if rows and len(currencies) == 1 and all(r["stripe_amount"] for r in rows):
        currency = currencies.pop()
        packs = [Pack(r["code"], r["credits"], r["stripe_amount"], currency) for r in rows]
    else:
        packs = [Pack(r["code"], r["credits"], r["stars_amount"], "xtr") for r in rows if r["stars_amount"]]
    return sorted(packs, key=lambda p: (p.credits, p.amount))


def advise(packs: Sequence[Pack], credits_per_day: float) -> Advice | None:
    if not packs or credits_per_day <= 0:
        return None
    need = credits_per_day * HORIZON_DAYS
    pack = next((p for p in packs if p.credits >= need), packs[-1])
    smallest = packs[0]
    # Compared per credit: what as many credits would cost in the smallest pack.
    at_smallest_price = smallest.amount * pack.credits / smallest.credits
    saved = at_smallest_price - pack.amount
    percent = round(100 * saved / at_smallest_price) if at_smallest_price else 0
    return Advice(pack, smallest, max(percent, 0), max(round(saved), 0))


def duration(lang: str, days: float) -> Html:
    if days < 1:
        return t(lang, "duration_less_than_day")
    return t(lang, "duration_days", count=int(days))


def per_day_text(lang: str, value: float) -> Html:
    shown = round(value, 1) if value < 10 else round(value)
    return t(lang, "messages_count", count=shown)


def card_lines(
    lang: str, cfg: BotSettings, balance: ledger.Balance, usage: Usage, packs: Sequence[Pack],
    now: datetime,
) -> list[str]:
    lines: list[str] = [
        t(lang, "card_title"),
        t(lang, "card_level", count=balance.credits,
          bar=bar(balance.credits, usage.peak, cfg.low_credit_threshold)),
    ]
    if balance.pass_active:
        lines.append(texts.pass_line(menus.until_text(balance), lang=lang))
        return lines
    if usage.messages == 0:
        lines.append(t(lang, "card_no_usage", cost=credits_word(cfg.message_cost, lang=lang)))
    else:
        days = usage.days(now)
        spent_per_day = usage.credits_spent / days
        lines.append(t(lang, "card_pace", messages=per_day_text(lang, usage.messages / days),
                       duration=duration(lang, balance.credits / spent_per_day if spent_per_day else 0)))
        advice = advise(packs, spent_per_day)
        if advice is not None:
            lines.append(t(lang, "card_tip_pack", pack=credits_word(advice.pack.credits, lang=lang),
                           price=i18n.money(lang, advice.pack.amount, advice.pack.currency),
                           duration=duration(lang, advice.pack.credits / spent_per_day)))
            if advice.pack != advice.smallest and advice.percent > 0:
                lines.append(t(lang, "card_tip_saving", percent=advice.percent,
                               smallest=credits_word(advice.smallest.credits, lang=lang),
                               saving=i18n.money(lang, advice.saving, advice.smallest.currency)))
    if balance.credits < cfg.low_credit_threshold:
        lines.append(t(lang, "card_low"))
    return lines


def card_markup(lang: str) -> Keyboard:
    return keyboard(
        [button(label(lang, "btn_refresh"), RefreshCard().pack()),
         button(label(lang, "btn_buy"), OpenCatalog().pack())],
        [button(label(lang, "btn_menu"), menus.ShowMenu().pack())],
    )


async def usage_of(conn: asyncpg.Connection, user_id: int) -> Usage:
    row = await conn.fetchrow(q("balance_card_usage"), user_id, USAGE_DAYS)
    assert row is not None
    return Usage(row["messages"], row["credits_spent"], row["first_message_at"], row["peak"])


async def show(screen: Screen, cfg: BotSettings, user_id: int) -> None:
    conn = screen.tx.conn
    balance = await ledger.lock_balance(conn, user_id)
    usage = await usage_of(conn, user_id)
    packs = packs_on_one_rail(dict(r) for r in await conn.fetch(q("balance_card_credit_packs")))
    lines = card_lines(screen.lang, cfg, balance, usage, packs, datetime.now(UTC))
    await screen.show("\n\n".join([lines[0] + "\n" + lines[1], *lines[2:]]), card_markup(screen.lang))
