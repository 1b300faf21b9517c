"""Custom packages: hidden products sold through their own link, ``/start buy_<code>``.

A package may be held to one Telegram user, to a number of uses and to an
expiry. Its uses are counted under the product's row lock in the same
transaction that opens the purchase, so two buyers racing for the last use
cannot both get it: a paid purchase uses it for good, a pending one holds it
for :data:`HOLD` (its Stripe Checkout page expires then; a Stars invoice is
checked again before Telegram charges it), a failed or abandoned one gives
it back.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

import asyncpg

from core.billing import catalog
from core.billing.catalog import Product
from core.billing.rails import start_link
from core.billing.transactions import Transaction
from core.i18n import DEFAULT, label, t
from core.platform.config import Settings
from core.platform.sql import q

#: A deep link's payload starts with this; the product's code follows.
PREFIX = "buy_"
#: How long an unpaid purchase keeps a use of a limited package.
HOLD = timedelta(hours=1)


class Refusal(StrEnum):
    UNKNOWN = "package_unknown"
    DISABLED = "package_disabled"
    EXPIRED = "package_expired"
    USED_UP = "package_used_up"
    NOT_YOURS = "package_not_yours"


def link(settings: Settings, code: str) -> str:
    """``https://t.me/<bot>?start=buy_<code>``."""
    return start_link(settings, PREFIX + code)


def code_of(payload: str) -> str | None:
    """The product code a ``/start`` payload names, if it is a package link."""
    if not payload.startswith(PREFIX):
        return None
    code = payload[len(PREFIX):]
    return code if code and len(code) <= 32 else None


async def uses(conn: asyncpg.Connection, product_id: int, *, besides: int | None = None) -> int:
    """Uses taken: paid purchases, and pending ones still holding theirs (``besides`` one)."""
    return int(await conn.fetchval(q("packages_uses"), product_id, besides))


async def refusal(conn: asyncpg.Connection, product: Product | None, telegram_id: int, *,
                  besides: int | None = None) -> Refusal | None:
    """Why ``telegram_id`` cannot buy this package now; the caller holds the product's row."""
    if product is None:
        return Refusal.UNKNOWN
    if not product.active:
        return Refusal.DISABLED
    if product.expires_at is not None and product.expires_at <= await conn.fetchval(q("packages_now")):
        return Refusal.EXPIRED
    if product.for_telegram_id is not None and product.for_telegram_id != telegram_id:
        return Refusal.NOT_YOURS
    if product.max_uses is not None and await uses(conn, product.id, besides=besides) >= product.max_uses:
        return Refusal.USED_UP
    return None


def refusal_text(why: Refusal, *, lang: str = DEFAULT) -> str:
    return t(lang, why.value)


async def precheckout_refusal(conn: asyncpg.Connection, t: Transaction, telegram_id: int,
                              *, lang: str = DEFAULT) -> str | None:
    """Telegram asks before charging a package's Stars invoice: is its use still there?

    Checked under the product's lock, and the use held again on yes, so the
    last use goes to one payer.
    """
    if t.product_id is None:
        return None
    product = await catalog.by_id(conn, t.product_id, lock=True)
    if product is None or not product.limited:
        return None
    why = await refusal(conn, product, telegram_id, besides=t.id)
    if why is not None:
        return label(lang, why.value)
    await hold(conn, t.id)
    return None


async def hold(conn: asyncpg.Connection, transaction_id: int) -> None:
    """Keep a use of the package for this pending purchase, :data:`HOLD` from now."""
    await conn.execute(q("packages_hold"), transaction_id, HOLD.total_seconds())
