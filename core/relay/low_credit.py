"""Low-credit warnings: a debit that takes the balance below the threshold warns
the user, with a buy button, at most once per configured period.

The period is claimed by one conditional UPDATE of ``last_low_credit_warning_at``
in the debit's transaction, so concurrent debits warn once. Users with
auto-recharge on are not warned: their balance is topped up for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import i18n
from core.i18n import label, t
from core.platform.bot_settings import BotSettings
from core.platform.sql import q
from core.relay.texts import PARSE_MODE
from core.telegram.markup import Keyboard, button, keyboard

if TYPE_CHECKING:
    from core.delivery.effects import Effects


def crosses(cfg: BotSettings, balance: int, before: int | None) -> bool:
    """Whether a debit leaving ``balance`` (from ``before``, when known) calls for a warning."""
    threshold = cfg.low_credit_threshold
    if balance >= threshold:
        return False
    return before is None or before >= threshold


def warning_markup(lang: str) -> Keyboard:
    return keyboard([button(label(lang, "btn_buy"), "menu:buy")])


def warning_text(balance: int, lang: str) -> str:
    if balance <= 0:
        return t(lang, "low_credit_empty")
    return t(lang, "low_credit_warning", count=balance)


async def after_debit(
    tx: Effects, cfg: BotSettings, user_id: int, balance: int, lang: str | None = None,
    *, before: int | None = None, relay_row: int | None = None,
) -> bool:
    """Warn after debits left ``balance`` credits; True when a warning was queued.

    ``before`` is the balance before the debits: with it, only a debit that
    crosses the threshold warns. Without ``lang`` the user's language is read
    only when a warning is due, which keeps the common case to no query at all.

    With ``relay_row`` (the relay these debits paid for, still waiting) the
    warning rides on the relay: it follows the relay's confirmation and states
    the balance that confirmation shows, where a message of its own could
    overtake or contradict it when a burst is relayed at once.
    """
    if not crosses(cfg, balance, before):
        return False
    row = await tx.conn.fetchrow(q("low_credit_claim"), user_id,
                                 cfg.low_credit_warning_hours)
    if row is None:
        return False
    if relay_row is not None and await tx.conn.fetchval(
        q("low_credit_outbox_relay_warn_low_credit"), relay_row, cfg.low_credit_threshold
    ):
        return True
    lang = lang or i18n.negotiate(row["language"], row["language_code"])
    await tx.send("sendMessage", row["telegram_id"], text=warning_text(balance, lang),
                  parse_mode=PARSE_MODE, reply_markup=warning_markup(lang))
    return True
