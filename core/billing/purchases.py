"""Buying from the chat: what the commands and buttons of core.billing.router do.

Answers are in the user's language,
read once the command or button is known to be ours (billing jobs read it with
the user they load). Nothing here calls Stripe: a card payment, the billing
portal and the CSV export are recorded and left to billing jobs deferred in the
same transaction; a Stars invoice is an outbox call like any other message.
"""

from __future__ import annotations

from typing import Any

from core.accounts.users import User
from core.billing import auto_recharge, catalog, checkout, history, keyboards, portal, stars, texts
from core.billing.catalog import Product
from core.billing.rails import Rail, Rails
from core.delivery.effects import Effects
from core.platform.bot_settings import BotSettings

_HTML = texts.PARSE_MODE


async def say(tx: Effects, user: User, text: str, **params: Any) -> None:
    await tx.send("sendMessage", user.telegram_id, text=text, parse_mode=_HTML, **params)


def quick_rail(product: Product | None, rails: Rails) -> Rail:
    """The rail ``/buy25`` pays on: the primary rail, or the first that sells the product.

    Stripe when nothing is enabled, so the refusal names the product's state.
    """
    rail = rails.primary
    if rail is not None and product is not None and not product.sold_on(rail):
        rail = next(iter(offered(product, rails)), rail)
    return rail or Rail.STRIPE


def offered(product: Product, rails: Rails) -> list[Rail]:
    return [r for r in rails.enabled if product.sold_on(r)]


async def pay(tx: Effects, user: User, lang: str, product: Product | None, rail: Rail, rails: Rails) -> None:
    if user.is_banned:
        await say(tx, user, texts.cannot_buy(lang=lang))
    elif product is None or not product.active or product.hidden:
        # A hidden product (a custom package) is sold only through its link, which checks its limits.
        await say(tx, user, texts.not_for_sale(lang=lang))
    elif rail not in offered(product, rails):
        await say(tx, user, texts.no_rail(lang=lang))
    elif rail is Rail.STRIPE:
        await checkout.request(tx, user, product)
    else:
        await stars.send_invoice(tx, user, product, lang=lang)


async def buy(tx: Effects, user: User, lang: str, product: Product | None, rails: Rails) -> None:
    """A product chosen without a rail: straight to payment when one rail offers it, else ask."""
    for_sale = product is not None and product.active and not product.hidden
    selling = offered(product, rails) if product is not None and for_sale else []
    if product is None or not selling:
        await pay(tx, user, lang, product, rails.primary or Rail.STRIPE, rails)
    elif len(selling) == 1 or user.is_banned:
        await pay(tx, user, lang, product, selling[0], rails)
    else:
        await say(tx, user, texts.choose_rail(product, lang=lang),
                   reply_markup=keyboards.choose_rail_keyboard(product, selling, lang=lang))


async def show_catalog(tx: Effects, cfg: BotSettings, user: User, lang: str, rails: Rails) -> None:
    products = [p for p in await catalog.for_sale(tx.conn) if offered(p, rails)]
    if not products:
        await say(tx, user, texts.no_rail(lang=lang))
        return
    await say(tx, user, texts.catalog(products, rails.enabled, balance=user.credits,
                                               cost=cfg.message_cost, lang=lang),
               reply_markup=keyboards.catalog_keyboard(products, rails.enabled, lang=lang))


async def show_history(
    tx: Effects, user: User, lang: str, number: int, *, edit_message_id: int | None = None,
) -> None:
    summary = await history.summary(tx.conn, user.id)
    entries, more = await history.page(tx.conn, user.id, number)
    text = texts.history(summary, entries, number, lang=lang)
    keyboard = keyboards.history_keyboard(number, more, lang=lang)
    if edit_message_id is None:
        await say(tx, user, text, reply_markup=keyboard)
    else:
        await tx.send("editMessageText", user.telegram_id, message_id=edit_message_id, text=text,
                      parse_mode=_HTML, reply_markup=keyboard)


async def export(tx: Effects, user: User, lang: str) -> None:
    await history.request_export(tx, user.id, user.telegram_id)
    await say(tx, user, texts.history_export_started(lang=lang))


async def auto_recharge_menu(tx: Effects, user: User, lang: str) -> None:
    current = await auto_recharge.setting(tx.conn, user.id)
    packs = [p for p in await catalog.for_sale(tx.conn) if auto_recharge.rechargeable(p)]
    status = texts.auto_recharge_status(current.enabled, current.threshold, current.product,
                                                lang=lang)
    await say(tx, user, status,
               reply_markup=keyboards.auto_recharge_keyboard(packs, current.enabled, lang=lang))


async def auto_recharge_on(
    tx: Effects, user: User, lang: str, code: str, threshold: int, rails: Rails,
) -> None:
    product = await catalog.by_code(tx.conn, code)
    current = await auto_recharge.setting(tx.conn, user.id)
    if product is None or not auto_recharge.rechargeable(product) or not rails.stripe:
        await say(tx, user, texts.not_for_sale(lang=lang))
    elif not current.has_card_customer:
        await say(tx, user, texts.auto_recharge_needs_card(lang=lang))
    else:
        await auto_recharge.turn_on(tx.conn, user.id, product, threshold)
        await say(tx, user, texts.auto_recharge_status(True, threshold, product, lang=lang))


async def auto_recharge_off(tx: Effects, user: User, lang: str) -> None:
    await auto_recharge.turn_off(tx.conn, user.id)
    await say(tx, user, texts.auto_recharge_status(False, None, None, lang=lang))


async def auto_recharge_command(tx: Effects, user: User, lang: str, payload: str, rails: Rails) -> None:
    args = payload.lower().split()
    if args == ["off"]:
        await auto_recharge_off(tx, user, lang)
    elif len(args) == 2 and args[1].isdigit() and 0 < int(args[1]) <= auto_recharge.MAX_THRESHOLD:
        await auto_recharge_on(tx, user, lang, args[0], int(args[1]), rails)
    else:
        await auto_recharge_menu(tx, user, lang)


async def billing_portal(tx: Effects, user: User, lang: str, rails: Rails) -> None:
    if rails.stripe and not user.is_banned:
        await portal.request(tx, user)
    else:
        await say(tx, user, texts.billing_unavailable(lang=lang))
