"""Billing's commands and buttons: the catalog, quick buys, rails, history, auto-recharge, portal.

Declared on one router (core.dispatch.router). Nothing here calls Stripe: a
card payment, the portal and the CSV export are recorded and left to billing
jobs deferred in the same transaction; a Stars invoice is an outbox call.
"""

from __future__ import annotations

from core.accounts import language
from core.billing import auto_recharge, catalog, history, keyboards, package_sales, purchases, texts
from core.billing.buttons import (
    AutoRechargeOff,
    AutoRechargeOn,
    AutoRechargePack,
    Buy,
    HistoryCsv,
    HistoryPage,
    Pay,
    PayPackage,
)
from core.billing.rails import Rails
from core.billing.rails import load as load_rails
from core.dispatch.menu import OpenBillingPortal, OpenCatalog, OpenHistory
from core.dispatch.router import Context, Router
from core.telegram.updates import Command

router = Router("billing")


async def _rails_and_lang(ctx: Context) -> tuple[Rails, str]:
    return (await load_rails(ctx.tx.conn, ctx.settings),
            await language.of_telegram_id(ctx.tx.conn, ctx.user.telegram_id))


@router.command("buy")
async def buy_command(ctx: Context, command: Command) -> None:
    rails, lang = await _rails_and_lang(ctx)
    await purchases.show_catalog(ctx.tx, ctx.cfg, ctx.user, lang, rails)


@router.command(*catalog.QUICK_BUY)
async def quick_buy(ctx: Context, command: Command) -> None:
    """``/buy25``: straight to paying on the primary rail (or the one that sells it)."""
    rails, lang = await _rails_and_lang(ctx)
    product = await catalog.by_code(ctx.tx.conn, catalog.QUICK_BUY[command.name])
    await purchases.pay(ctx.tx, ctx.user, lang, product, purchases.quick_rail(product, rails), rails)


@router.command("billing")
async def billing_command(ctx: Context, command: Command) -> None:
    rails, lang = await _rails_and_lang(ctx)
    await purchases.billing_portal(ctx.tx, ctx.user, lang, rails)


@router.command("history")
async def history_command(ctx: Context, command: Command) -> None:
    _, lang = await _rails_and_lang(ctx)
    if command.payload.lower() == "csv":
        await purchases.export(ctx.tx, ctx.user, lang)
    else:
        await purchases.show_history(ctx.tx, ctx.user, lang, 0)


@router.command("autorecharge")
async def auto_recharge_command(ctx: Context, command: Command) -> None:
    rails, lang = await _rails_and_lang(ctx)
    await purchases.auto_recharge_command(ctx.tx, ctx.user, lang, command.payload, rails)


@router.command("terms")
async def terms(ctx: Context, command: Command) -> None:
    rails, lang = await _rails_and_lang(ctx)
    await purchases.say(ctx.tx, ctx.user, texts.terms(rails.terms_text, lang=lang))


@router.command("paysupport")
async def paysupport(ctx: Context, command: Command) -> None:
    rails, lang = await _rails_and_lang(ctx)
    await purchases.say(ctx.tx, ctx.user, texts.paysupport(rails.paysupport_text, lang=lang))


@router.callback(OpenCatalog)
async def on_open_catalog(ctx: Context, data: OpenCatalog) -> str | None:
    rails, lang = await _rails_and_lang(ctx)
    await purchases.show_catalog(ctx.tx, ctx.cfg, ctx.user, lang, rails)
    return None


@router.callback(OpenHistory)
async def on_open_history(ctx: Context, data: OpenHistory) -> str | None:
    _, lang = await _rails_and_lang(ctx)
    await purchases.show_history(ctx.tx, ctx.user, lang, 0)
    return None


@router.callback(OpenBillingPortal)
async def on_open_portal(ctx: Context, data: OpenBillingPortal) -> str | None:
    rails, lang = await _rails_and_lang(ctx)
    await purchases.billing_portal(ctx.tx, ctx.user, lang, rails)
    return None


@router.callback(Buy)
async def on_buy(ctx: Context, data: Buy) -> str | None:
    rails, lang = await _rails_and_lang(ctx)
    await purchases.buy(ctx.tx, ctx.user, lang, await catalog.by_code(ctx.tx.conn, data.code), rails)
    return None


@router.callback(Pay)
async def on_pay(ctx: Context, data: Pay) -> str | None:
    rails, lang = await _rails_and_lang(ctx)
    product = await catalog.by_code(ctx.tx.conn, data.code)
    await purchases.pay(ctx.tx, ctx.user, lang, product, data.rail, rails)
    return None


@router.callback(PayPackage)
async def on_pay_package(ctx: Context, data: PayPackage) -> str | None:
    """A custom package's rail: its limits are checked again and a use held (core.billing.packages)."""
    rails, lang = await _rails_and_lang(ctx)
    await package_sales.pay(ctx.tx, ctx.user, lang, data.code, data.rail, rails)
    return None


@router.callback(HistoryPage)
async def on_history_page(ctx: Context, data: HistoryPage) -> str | None:
    _, lang = await _rails_and_lang(ctx)
    if data.page < 0:
        return None
    await purchases.show_history(ctx.tx, ctx.user, lang, data.page, edit_message_id=ctx.message_id)
    return None


@router.callback(HistoryCsv)
async def on_history_csv(ctx: Context, data: HistoryCsv) -> str | None:
    _, lang = await _rails_and_lang(ctx)
    await history.request_export(ctx.tx, ctx.user.id, ctx.user.telegram_id)
    return texts.history_export_started(lang=lang)


@router.callback(AutoRechargeOff)
async def on_auto_recharge_off(ctx: Context, data: AutoRechargeOff) -> str | None:
    _, lang = await _rails_and_lang(ctx)
    await purchases.auto_recharge_off(ctx.tx, ctx.user, lang)
    return None


@router.callback(AutoRechargePack)
async def on_auto_recharge_pack(ctx: Context, data: AutoRechargePack) -> str | None:
    _, lang = await _rails_and_lang(ctx)
    product = await catalog.by_code(ctx.tx.conn, data.code)
    if product is not None and auto_recharge.rechargeable(product):
        await purchases.say(ctx.tx, ctx.user, texts.auto_recharge_threshold(product, lang=lang),
                            reply_markup=keyboards.auto_recharge_threshold_keyboard(
                                product, auto_recharge.THRESHOLDS, lang=lang))
    return None


@router.callback(AutoRechargeOn)
async def on_auto_recharge_on(ctx: Context, data: AutoRechargeOn) -> str | None:
    rails, lang = await _rails_and_lang(ctx)
    if 0 < data.threshold <= auto_recharge.MAX_THRESHOLD:
        await purchases.auto_recharge_on(ctx.tx, ctx.user, lang, data.code, data.threshold, rails)
    return None
