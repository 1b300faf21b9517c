"""What billing does when something happens to a user's credits (core.accounts.events).

Subscribed by the wiring (core.jobs.bus): the relay publishes, billing reacts,
and neither imports the other.
"""

from __future__ import annotations

from core.accounts import language
from core.accounts.events import BalanceDebited, CreditsShort
from core.billing import auto_recharge, keyboards, texts
from core.delivery.effects import Effects
from core.jobs.bus import Subscriptions
from core.platform.sql import q


async def offer_credits(tx: Effects, event: CreditsShort) -> None:
    """A first message waits for credits: say so, with the packs for sale."""
    lang = await language.of_telegram_id(tx.conn, event.telegram_id)
    packs = [(r["code"], r["name"]) for r in await tx.conn.fetch(q("subscribers_credit_packs"))]
    await tx.send("sendMessage", event.telegram_id, parse_mode=texts.PARSE_MODE,
                  text=texts.not_enough_credits(event.balance, event.cost, lang=lang),
                  reply_markup=keyboards.packs_keyboard(packs))


async def recharge_if_low(tx: Effects, event: BalanceDebited) -> None:
    """A debit below the user's threshold starts an auto-recharge (if they opted in)."""
    if event.auto_recharge:
        await auto_recharge.after_debit(tx, event.user_id, event.balance)


SUBSCRIPTIONS: Subscriptions = {
    CreditsShort: [offer_credits],
    BalanceDebited: [recharge_if_low],
}
