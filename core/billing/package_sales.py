"""Selling a custom package: ``/start buy_<code>`` shows it, a rail's button buys it.

Both check the package's limits (core.billing.packages) under its row lock;
buying holds a use in the same transaction that opens the purchase.
"""

from __future__ import annotations

import asyncpg

from core.accounts.users import User
from core.billing import catalog, checkout, keyboards, packages, purchases, stars, texts
from core.billing.catalog import Product
from core.billing.packages import Refusal, refusal, refusal_text
from core.billing.rails import Rail, Rails
from core.billing.transactions import Transaction
from core.delivery.effects import Effects
from core.i18n import t


async def _locked(conn: asyncpg.Connection, code: str) -> Product | None:
    found = await catalog.by_code(conn, code)
    return await catalog.by_id(conn, found.id, lock=True) if found is not None else None


async def _sellable(tx: Effects, user: User, lang: str, code: str) -> Product | None:
    """The package under its row lock, or None once the user was told why it cannot be bought."""
    product = await _locked(tx.conn, code)
    why = await refusal(tx.conn, product, user.telegram_id)
    if why is not None or product is None:
        await purchases.say(tx, user, refusal_text(why or Refusal.UNKNOWN, lang=lang))
        return None
    if user.is_banned:
        await purchases.say(tx, user, t(lang, "cannot_buy"))
        return None
    return product


async def open_link(tx: Effects, user: User, lang: str, code: str, rails: Rails) -> None:
    """``/start buy_<code>``: the package and a button per rail, or why it cannot be bought."""
    product = await _sellable(tx, user, lang, code)
    if product is None:
        return
    selling = purchases.offered(product, rails)
    if not selling:
        await purchases.say(tx, user, t(lang, "payments_unavailable"))
        return
    await purchases.say(tx, user, texts.package_offer(product, lang=lang),
                        reply_markup=keyboards.choose_rail_keyboard(product, selling, lang=lang,
                                                                    package=True))


async def pay(tx: Effects, user: User, lang: str, code: str, rail: Rail, rails: Rails) -> None:
    """A rail chosen for a package: checked again and its use held, in one transaction."""
    product = await _sellable(tx, user, lang, code)
    if product is None:
        return
    if rail not in purchases.offered(product, rails):
        await purchases.say(tx, user, t(lang, "payments_unavailable"))
        return
    opened: Transaction | None
    if rail is Rail.STRIPE:
        opened = await checkout.request(tx, user, product)
    else:
        opened = await stars.send_invoice(tx, user, product, lang=lang)
    if opened is not None and product.limited:
        await packages.hold(tx.conn, opened.id)


