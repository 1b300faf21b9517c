"""Buying from the chat: commands and buttons that lead to a payment.

Called by the messaging worker inside the update's transaction; returns True
when it handled the command or callback. Answers are in the user's language,
read once the command or button is known to be ours (billing jobs read it with
the user they load). Nothing here calls Stripe: a card payment, the billing
portal and the CSV export are recorded and left to billing jobs deferred in the
same transaction; a Stars invoice is an outbox call like any other message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.accounts import language
from core.accounts.users import User
from core.billing import auto_recharge, catalog, checkout, history, portal, stars, texts
from core.billing.catalog import Product
from core.billing.rails import Rail, Rails
from core.billing.rails import load as load_rails
from core.delivery.effects import Effects
from core.platform import bot_settings
from core.platform.bot_settings import BotSettings
from core.platform.config import Settings
from core.telegram.updates import Command

_HTML = texts.PARSE_MODE


async def _say(tx: Effects, user: User, text: str, **params: Any) -> None:
    await tx.send("sendMessage", user.telegram_id, text=text, parse_mode=_HTML, **params)


def _offered(product: Product, rails: Rails) -> list[Rail]:
    return [r for r in rails.enabled if product.sold_on(r)]


async def _pay(tx: Effects, user: User, lang: str, product: Product | None, rail: Rail, rails: Rails) -> None:
    if user.is_banned:
        await _say(tx, user, texts.cannot_buy(lang=lang))
    elif product is None or not product.active:
        await _say(tx, user, texts.not_for_sale(lang=lang))
    elif rail not in _offered(product, rails):
        await _say(tx, user, texts.no_rail(lang=lang))
    elif rail is Rail.STRIPE:
        await checkout.request(tx, user, product)
    else:
        await stars.send_invoice(tx, user, product, lang=lang)


async def _buy(tx: Effects, user: User, lang: str, product: Product | None, rails: Rails) -> None:
    """A product chosen without a rail: straight to payment when one rail offers it, else ask."""
    offered = _offered(product, rails) if product is not None and product.active else []
    if product is None or not offered:
        await _pay(tx, user, lang, product, rails.primary or Rail.STRIPE, rails)
    elif len(offered) == 1 or user.is_banned:
        await _pay(tx, user, lang, product, offered[0], rails)
    else:
        await _say(tx, user, texts.choose_rail(product, lang=lang),
                   reply_markup=texts.choose_rail_keyboard(product, offered, lang=lang))


async def _catalog(tx: Effects, cfg: BotSettings, user: User, lang: str, rails: Rails) -> None:
    products = [p for p in await catalog.for_sale(tx.conn) if _offered(p, rails)]
    if not products:
        await _say(tx, user, texts.no_rail(lang=lang))
        return
    await _say(tx, user, texts.catalog(products, rails.enabled, balance=user.credits,
                                               cost=cfg.message_cost, lang=lang),
               reply_markup=texts.catalog_keyboard(products, rails.enabled, lang=lang))


async def _history(
    tx: Effects, user: User, lang: str, number: int, *, edit_message_id: int | None = None,
) -> None:
    summary = await history.summary(tx.conn, user.id)
    entries, more = await history.page(tx.conn, user.id, number)
    text = texts.history(summary, entries, number, lang=lang)
    keyboard = texts.history_keyboard(number, more, lang=lang)
    if edit_message_id is None:
        await _say(tx, user, text, reply_markup=keyboard)
    else:
        await tx.send("editMessageText", user.telegram_id, message_id=edit_message_id, text=text,
                      parse_mode=_HTML, reply_markup=keyboard)


async def _export(tx: Effects, user: User, lang: str) -> None:
    await history.request_export(tx, user.id, user.telegram_id)
    await _say(tx, user, texts.history_export_started(lang=lang))


async def _auto_recharge_menu(tx: Effects, user: User, lang: str) -> None:
    current = await auto_recharge.setting(tx.conn, user.id)
    packs = [p for p in await catalog.for_sale(tx.conn) if auto_recharge.rechargeable(p)]
    status = texts.auto_recharge_status(current.enabled, current.threshold, current.product,
                                                lang=lang)
    await _say(tx, user, status,
               reply_markup=texts.auto_recharge_keyboard(packs, current.enabled, lang=lang))


async def _auto_recharge_on(
    tx: Effects, user: User, lang: str, code: str, threshold: int, rails: Rails,
) -> None:
    product = await catalog.by_code(tx.conn, code)
    current = await auto_recharge.setting(tx.conn, user.id)
    if product is None or not auto_recharge.rechargeable(product) or not rails.stripe:
        await _say(tx, user, texts.not_for_sale(lang=lang))
    elif not current.has_card_customer:
        await _say(tx, user, texts.auto_recharge_needs_card(lang=lang))
    else:
        await auto_recharge.turn_on(tx.conn, user.id, product, threshold)
        await _say(tx, user, texts.auto_recharge_status(True, threshold, product, lang=lang))


async def _auto_recharge_off(tx: Effects, user: User, lang: str) -> None:
    await auto_recharge.turn_off(tx.conn, user.id)
    await _say(tx, user, texts.auto_recharge_status(False, None, None, lang=lang))


async def _auto_recharge_command(tx: Effects, user: User, lang: str, payload: str, rails: Rails) -> None:
    args = payload.lower().split()
    if args == ["off"]:
        await _auto_recharge_off(tx, user, lang)
    elif len(args) == 2 and args[1].isdigit() and 0 < int(args[1]) <= auto_recharge.MAX_THRESHOLD:
        await _auto_recharge_on(tx, user, lang, args[0], int(args[1]), rails)
    else:
        await _auto_recharge_menu(tx, user, lang)


#: The main menu's payment buttons (see ``core.experience.menus``).
_MENU = ("menu:buy", "menu:history", "menu:billing")


async def _billing(tx: Effects, user: User, lang: str, rails: Rails) -> None:
    if rails.stripe and not user.is_banned:
        await portal.request(tx, user)
    else:
        await _say(tx, user, texts.billing_unavailable(lang=lang))


async def _menu(tx: Effects, user: User, lang: str, data: str, rails: Rails) -> None:
    if data == "menu:buy":
        await _catalog(tx, await bot_settings.load(tx.conn), user, lang, rails)
    elif data == "menu:history":
        await _history(tx, user, lang, 0)
    else:
        await _billing(tx, user, lang, rails)


async def on_command(
    tx: Effects, settings: Settings, cfg: BotSettings, user: User, command: Command
) -> bool:
    name = command.name
    if name not in ("buy", "billing", "history", "autorecharge", "terms", "paysupport", *catalog.QUICK_BUY):
        return False
    rails = await load_rails(tx.conn, settings)
    lang = await language.of_telegram_id(tx.conn, user.telegram_id)
    if name == "buy":
        await _catalog(tx, cfg, user, lang, rails)
    elif name in catalog.QUICK_BUY:
        product = await catalog.by_code(tx.conn, catalog.QUICK_BUY[name])
        rail = rails.primary
        if rail is not None and product is not None and not product.sold_on(rail):
            rail = next(iter(_offered(product, rails)), rail)
        await _pay(tx, user, lang, product, rail or Rail.STRIPE, rails)
    elif name == "billing":
        await _billing(tx, user, lang, rails)
    elif name == "history":
        await (_export(tx, user, lang) if command.payload.lower() == "csv" else _history(tx, user, lang, 0))
    elif name == "autorecharge":
        await _auto_recharge_command(tx, user, lang, command.payload, rails)
    elif name == "terms":
        await _say(tx, user, texts.terms(rails.terms_text, lang=lang))
    else:
        await _say(tx, user, texts.paysupport(rails.paysupport_text, lang=lang))
    return True


async def _on_data(
    tx: Effects, settings: Settings, user: User, data: str, message_id: int | None,
) -> str | None:
    """Act on a button; the text to answer the button with, or None when it is not ours."""
    kind, _, rest = data.partition(":")
    if kind not in ("buy", "pay", "hist", "ar") and data not in _MENU:
        return None
    rails = await load_rails(tx.conn, settings)
    lang = await language.of_telegram_id(tx.conn, user.telegram_id)
    if data in _MENU:
        await _menu(tx, user, lang, data, rails)
    elif kind == "buy":
        await _buy(tx, user, lang, await catalog.by_code(tx.conn, rest), rails)
    elif kind == "pay":
        rail, _, code = rest.partition(":")
        chosen = Rail(rail) if rail in Rail._value2member_map_ else None
        if chosen is None:
            return ""
        await _pay(tx, user, lang, await catalog.by_code(tx.conn, code), chosen, rails)
    elif kind == "hist":
        if rest == "csv":
            await history.request_export(tx, user.id, user.telegram_id)
            return texts.history_export_started(lang=lang)
        if rest.isdigit():
            await _history(tx, user, lang, int(rest), edit_message_id=message_id)
    elif rest == "off":
        await _auto_recharge_off(tx, user, lang)
    elif rest.startswith("p:"):
        product = await catalog.by_code(tx.conn, rest[2:])
        if product is not None and auto_recharge.rechargeable(product):
            await _say(tx, user, texts.auto_recharge_threshold(product, lang=lang),
                       reply_markup=texts.auto_recharge_threshold_keyboard(
                           product, auto_recharge.THRESHOLDS, lang=lang))
    elif rest.startswith("on:"):
        code, _, threshold = rest[3:].partition(":")
        if threshold.isdigit() and 0 < int(threshold) <= auto_recharge.MAX_THRESHOLD:
            await _auto_recharge_on(tx, user, lang, code, int(threshold), rails)
    return ""


async def on_callback(
    tx: Effects, settings: Settings, cfg: BotSettings, user: User, query: Mapping[str, Any]
) -> bool:
    data = query.get("data")
    if not isinstance(data, str):
        return False
    message = query.get("message")
    message_id = message.get("message_id") if isinstance(message, Mapping) else None
    answer = await _on_data(tx, settings, user, data, message_id if isinstance(message_id, int) else None)
    if answer is None:
        return False
    await tx.send("answerCallbackQuery", user.telegram_id, callback_query_id=query["id"], text=answer or None)
    return True
