"""Billing's keyboards: the catalog, rails, checkout links, auto-recharge, history pages."""

from __future__ import annotations

from collections.abc import Sequence

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
from core.billing.catalog import Product
from core.billing.rails import Rail
from core.billing.texts import _BADGE_ICONS, _stripe_price, money
from core.i18n import DEFAULT, credits_word, label
from core.telegram.markup import Keyboard, button, in_rows, keyboard, url_button


def catalog_keyboard(products: Sequence[Product], rails: Sequence[Rail], *, lang: str = DEFAULT) -> Keyboard:
    """One row per product: the card price and the Stars price, each straight to payment."""
    rows = []
    for p in products:
        icon = _BADGE_ICONS.get(p.badge, "") if p.badge else ""
        row = []
        if Rail.STRIPE in rails and p.sold_on(Rail.STRIPE):
            row.append(button(f"{icon}{p.name} · {_stripe_price(p, lang)}", Pay(Rail.STRIPE, p.code).pack()))
        if Rail.STARS in rails and p.sold_on(Rail.STARS):
            assert p.stars_amount is not None
            text = money(p.stars_amount, "XTR")
            row.append(button(text if row else f"{icon}{p.name} · {text}", Pay(Rail.STARS, p.code).pack()))
        rows.append(row)
    return keyboard(*rows)


def packs_keyboard(packs: Sequence[tuple[str, str]]) -> Keyboard:
    """The offer under "not enough credits": (code, name) of each pack, two per row."""
    return in_rows([button(name, Buy(code).pack()) for code, name in packs], 2)


def choose_rail_keyboard(p: Product, rails: Sequence[Rail], *, lang: str = DEFAULT,
                         package: bool = False) -> Keyboard:
    """A button per rail; ``package``: a custom package's, checked against its limits when pressed."""
    pay = PayPackage if package else Pay
    row = []
    if Rail.STRIPE in rails and p.sold_on(Rail.STRIPE):
        row.append(button(label(lang, "btn_pay_card", price=_stripe_price(p, lang)),
                          pay(Rail.STRIPE, p.code).pack()))
    if Rail.STARS in rails and p.sold_on(Rail.STARS):
        assert p.stars_amount is not None
        row.append(button(label(lang, "btn_pay_stars", price=money(p.stars_amount, "XTR")),
                          pay(Rail.STARS, p.code).pack()))
    return keyboard(row)


def checkout_keyboard(amount: int, currency: str, url: str, *, lang: str = DEFAULT) -> Keyboard:
    return link_keyboard(label(lang, "btn_pay", price=money(amount, currency)), url)


def link_keyboard(text: str, url: str) -> Keyboard:
    return keyboard([url_button(text, url)])


def retry_keyboard(product_code: str, *, lang: str = DEFAULT, package: bool = False) -> Keyboard:
    """Try again: a package's card payment through its own button (its limits are checked again)."""
    data = PayPackage(Rail.STRIPE, product_code).pack() if package else Buy(product_code).pack()
    return keyboard([button(label(lang, "btn_try_again"), data)])


def portal_keyboard(url: str, *, lang: str = DEFAULT) -> Keyboard:
    return link_keyboard(label(lang, "btn_billing_portal"), url)


def auto_recharge_keyboard(products: Sequence[Product], enabled: bool, *, lang: str = DEFAULT) -> Keyboard:
    packs = [button(p.name, AutoRechargePack(p.code).pack()) for p in products]
    off = [button(label(lang, "btn_auto_recharge_off"), AutoRechargeOff().pack())] if enabled else []
    return keyboard(*(packs[i:i + 2] for i in range(0, len(packs), 2)), off)


def auto_recharge_threshold_keyboard(
    product: Product, thresholds: Sequence[int], *, lang: str = DEFAULT,
) -> Keyboard:
    return keyboard([button(str(credits_word(n, lang=lang)), AutoRechargeOn(product.code, n).pack())
                     for n in thresholds])


def history_keyboard(number: int, has_more: bool, *, lang: str = DEFAULT) -> Keyboard:
    nav = []
    if number > 0:
        nav.append(button(label(lang, "btn_history_newer"), HistoryPage(number - 1).pack()))
    if has_more:
        nav.append(button(label(lang, "btn_history_older"), HistoryPage(number + 1).pack()))
    return keyboard(nav, [button(label(lang, "btn_history_csv"), HistoryCsv().pack())])
