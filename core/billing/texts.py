"""Texts and keyboards of buying, billing and history, from the message catalogs (:mod:`core.i18n`).

Every user-facing function takes ``lang`` (a catalog language, English by
default), like :mod:`core.relay.texts`. The result is HTML (``PARSE_MODE``), with
names and reasons escaped. Some texts are read as plain text and hold no
markup: button labels, the Stars invoice description and pre-checkout refusals
(Telegram never parses them), and the notices some callers send without a parse
mode (checkout unavailable, payment processing, the billing portal, the CSV
export). Product names are the operator's data and shown as written.

Prices read the same in every language (:func:`money`: ``$9.99``, ``⭐ 500``);
dates name the month in the user's language (:func:`when`).

The alerts for operators in the admin group (disputes, refund shortfalls,
unmatched payments; at the end of this module) stay English, as in
:mod:`core.relay.texts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from html import escape

from core.billing.catalog import Badge, Kind, Product
from core.billing.history import Entry, Summary
from core.billing.rails import Rail
from core.i18n import DEFAULT, Html, catalogs, credits_word, label, t
from core.telegram.markup import PARSE_MODE

__all__ = ["PARSE_MODE", "credits_word"]  # and the texts below


_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
#: Currencies Stripe counts in whole units (no cents).
_ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                           "vnd", "vuv", "xaf", "xof", "xpf"})
_BADGES = {Badge.POPULAR: "badge_popular", Badge.BEST_VALUE: "badge_best_value"}
_BADGE_ICONS = {Badge.POPULAR: "🔥 ", Badge.BEST_VALUE: "💎 "}
#: Ledger and pass reasons /history names in words (``history_reason_<reason>``); others
#: show as stored, underscores as spaces.
_HISTORY_REASONS = frozenset({
    "purchase", "auto_recharge", "message", "refund", "signup_bonus", "relay_failed_refund", "renewal",
    "subscription_canceled", "tutorial_bonus", "reset", "operator_grant", "operator_take", "operator",
})

Keyboard = dict[str, object]


class Reason(StrEnum):
    """Why a payment failed, in the bot's own words.

    The English value is what the transaction records for operators; the user
    reads it in their language (``reason_<name>``). A reason Stripe gives (a
    decline message) is shown as Stripe wrote it.
    """

    BANK_UNCONFIRMED = "the bank did not confirm the payment"
    CARD_DECLINED = "the card was declined"
    NO_SAVED_CARD = "there is no saved card to charge."
    NOT_MADE = "the payment could not be made."
    NEEDS_CONFIRMATION = "the bank asked for a confirmation that cannot be given automatically."


def money(amount: int, currency: str) -> str:
    """An amount in minor units as people read it: ``$9.99``, ``⭐ 500``, ``1200 JPY``."""
    c = currency.lower()
    if c == "xtr":
        return f"⭐ {amount}"
    value = str(amount) if c in _ZERO_DECIMAL else f"{amount // 100}.{amount % 100:02d}"
    symbol = _SYMBOLS.get(c)
    return f"{symbol}{value}" if symbol else f"{value} {c.upper()}"


def _date(key: str, moment: datetime, lang: str) -> Html:
    months = catalogs().get(lang, "months_short").split()
    return t(lang, key, day=f"{moment.day:02d}", month=months[moment.month - 1], year=moment.year,
             time=f"{moment.hour:02d}:{moment.minute:02d}")


def when(moment: datetime, *, lang: str = DEFAULT) -> Html:
    """``24 Nov 2026, 10:00 UTC``, the month in ``lang``."""
    return _date("date_time", moment, lang)


def reason_text(reason: str, *, lang: str = DEFAULT) -> str:
    """A failure reason to show: the bot's own in ``lang``, Stripe's as it is (plain text)."""
    try:
        known = Reason(reason)
    except ValueError:
        return reason
    return label(lang, f"reason_{known.name.lower()}")


def _what(p: Product, lang: str) -> Html:
    if p.kind is Kind.PASS:
        return t(lang, "product_pass_recurring" if p.recurring else "product_pass", count=p.pass_days or 0)
    return t(lang, "product_credits", credits=credits_word(p.credits, lang=lang))


def _stripe_price(p: Product, lang: str) -> str:
    assert p.stripe_amount is not None
    assert p.stripe_currency is not None
    price = money(p.stripe_amount, p.stripe_currency)
    interval = p.subscription_interval
    return label(lang, f"price_per_{interval}", price=price) if interval else price


# --- the catalog ---

def catalog(
    products: Sequence[Product], rails: Sequence[Rail], *, balance: int, cost: int, lang: str = DEFAULT,
) -> str:
    lines = [t(lang, "buy_title"), t(lang, "buy_balance", balance=credits_word(balance, lang=lang),
                                    cost=credits_word(cost, lang=lang)), ""]
    for p in products:
        prices = []
        if Rail.STRIPE in rails and p.sold_on(Rail.STRIPE):
            prices.append(_stripe_price(p, lang))
        if Rail.STARS in rails and p.sold_on(Rail.STARS):
            assert p.stars_amount is not None
            prices.append(money(p.stars_amount, "XTR"))
        if not prices:
            continue
        badge = Html(f" · {t(lang, _BADGES[p.badge])}") if p.badge else ""
        lines.append(t(lang, "buy_product", name=p.name, prices=" · ".join(prices), badge=badge,
                       what=_what(p, lang)))
    lines += ["", "/terms · /paysupport"]
    return "\n".join(lines)


def choose_rail(p: Product, *, lang: str = DEFAULT) -> str:
    return t(lang, "choose_rail", name=p.name)


def package_offer(p: Product, *, lang: str = DEFAULT) -> str:
    return t(lang, "package_offer", name=p.name, what=_what(p, lang))


def not_for_sale(*, lang: str = DEFAULT) -> str:
    return t(lang, "not_for_sale")


def no_rail(*, lang: str = DEFAULT) -> str:
    return t(lang, "payments_unavailable")


def cannot_buy(*, lang: str = DEFAULT) -> str:
    return t(lang, "cannot_buy")


# --- Stripe checkout ---

def checkout_link(name: str, amount: int, currency: str, *, subscription: bool, lang: str = DEFAULT) -> str:
    return t(lang, "checkout_subscribe" if subscription else "checkout_pay", name=name,
             price=money(amount, currency))


def payment_failed(reason: str | None, *, lang: str = DEFAULT) -> str:
    if not reason:
        return t(lang, "card_payment_failed")
    return t(lang, "card_payment_failed_reason", reason=reason_text(reason, lang=lang))


def checkout_unavailable(*, lang: str = DEFAULT) -> str:
    """Plain text."""
    return t(lang, "checkout_unavailable")


# --- Stars (plain text: Telegram does not parse these) ---

def invoice_description(p: Product, *, lang: str = DEFAULT) -> str:
    return label(lang, "invoice_description", name=p.name, what=_what(p, lang))[:255]


def precheckout_refused_price(*, lang: str = DEFAULT) -> str:
    return label(lang, "precheckout_price_changed")


def precheckout_refused_product(*, lang: str = DEFAULT) -> str:
    return label(lang, "precheckout_product_gone")


def precheckout_refused_invoice(*, lang: str = DEFAULT) -> str:
    return label(lang, "precheckout_invoice_closed")


def precheckout_refused_user(*, lang: str = DEFAULT) -> str:
    return label(lang, "cannot_buy")


# --- grants and refunds ---

def unnamed_purchase(*, lang: str = DEFAULT) -> str:
    """What a grant is called when its product is gone."""
    return label(lang, "purchase_unnamed")


def credits_granted(credits: int, balance: int, *, lang: str = DEFAULT) -> str:
    return t(lang, "credits_granted", credits=credits_word(credits, lang=lang),
             balance=credits_word(balance, lang=lang))


def pass_granted(name: str, until: datetime, *, lang: str = DEFAULT) -> str:
    return t(lang, "pass_granted", name=name, until=when(until, lang=lang))


def auto_recharged(credits: int, amount: int, currency: str, balance: int, *, lang: str = DEFAULT) -> str:
    return t(lang, "auto_recharged", credits=credits_word(credits, lang=lang), price=money(amount, currency),
             balance=credits_word(balance, lang=lang))


def refunded_credits(amount: int, currency: str, removed: int, balance: int, *, lang: str = DEFAULT) -> str:
    return t(lang, "refunded_credits", amount=money(amount, currency),
             removed=credits_word(removed, lang=lang), balance=credits_word(balance, lang=lang))


def refunded_pass(amount: int, currency: str, until: datetime | None, *, lang: str = DEFAULT) -> str:
    if until is None:
        return t(lang, "refunded_pass_ended", amount=money(amount, currency))
    return t(lang, "refunded_pass", amount=money(amount, currency), until=when(until, lang=lang))


def payment_processing(*, lang: str = DEFAULT) -> str:
    """Plain text."""
    return t(lang, "payment_processing")


# --- subscriptions ---

def subscription_renewed(name: str, until: datetime, *, lang: str = DEFAULT) -> str:
    return t(lang, "subscription_renewed", name=name, until=when(until, lang=lang))


def subscription_canceled(until: datetime | None, *, lang: str = DEFAULT) -> str:
    if until is None:
        return t(lang, "subscription_canceled")
    return t(lang, "subscription_canceled_until", until=when(until, lang=lang))


def subscription_past_due(*, lang: str = DEFAULT) -> str:
    return t(lang, "subscription_past_due")


def subscription_ends(until: datetime | None, *, lang: str = DEFAULT) -> str:
    if until is None:
        return t(lang, "subscription_ends")
    return t(lang, "subscription_ends_on", until=when(until, lang=lang))


# --- /billing ---

def billing_portal(*, lang: str = DEFAULT) -> str:
    """Plain text."""
    return t(lang, "billing_portal")


def billing_unavailable(*, lang: str = DEFAULT) -> str:
    """Plain text."""
    return t(lang, "billing_unavailable")


# --- auto-recharge ---

def auto_recharge_status(
    enabled: bool, threshold: int | None, product: Product | None, *, lang: str = DEFAULT,
) -> str:
    if enabled and threshold is not None and product is not None:
        head = t(lang, "auto_recharge_on", threshold=credits_word(threshold, lang=lang), name=product.name)
    else:
        head = t(lang, "auto_recharge_off")
    return f"{head}\n\n{t(lang, 'auto_recharge_help')}"


def auto_recharge_threshold(product: Product, *, lang: str = DEFAULT) -> str:
    return t(lang, "auto_recharge_threshold", name=product.name)


def auto_recharge_needs_card(*, lang: str = DEFAULT) -> str:
    return t(lang, "auto_recharge_needs_card")


def auto_recharge_failed(reason: str, *, lang: str = DEFAULT) -> str:
    return t(lang, "auto_recharge_stopped", reason=reason_text(reason, lang=lang))


# --- policies ---

def terms(custom: str, *, lang: str = DEFAULT) -> str:
    """The operator's terms as written (escaped), else the default in ``lang``."""
    return escape(custom) if custom else t(lang, "terms")


def paysupport(custom: str, *, lang: str = DEFAULT) -> str:
    return escape(custom) if custom else t(lang, "paysupport")


# --- /history ---

def _reason(reason: str, lang: str) -> str:
    if reason in _HISTORY_REASONS:
        return label(lang, f"history_reason_{reason}")
    return reason.replace("_", " ")


def _duration(seconds: int, lang: str) -> Html:
    sign = "+" if seconds > 0 else "−"
    days, rest = divmod(abs(seconds), 86400)
    if days:
        hours = f" {t(lang, 'history_hours', count=rest // 3600)}" if rest >= 3600 else ""
        return Html(f"{sign}{t(lang, 'history_days', count=days)}{hours}")
    if rest >= 3600:
        return Html(f"{sign}{t(lang, 'history_hours', count=max(rest // 3600, 1))}")
    return Html(f"{sign}{t(lang, 'history_minutes', count=max(rest // 60, 1))}")


def history_line(e: Entry, *, lang: str = DEFAULT) -> str:
    what = _reason(e.reason, lang)
    if e.amount is not None and e.currency and e.reason in ("purchase", "auto_recharge", "renewal", "refund"):
        what += f" ({money(e.amount, e.currency)})"
    stamp = _date("date_short_time", e.at, lang)
    if e.kind == "pass":
        return t(lang, "history_line_pass", stamp=stamp, change=_duration(e.change, lang), what=what)
    sign = "+" if e.change > 0 else "−"
    change = Html(f"{sign}{credits_word(abs(e.change), lang=lang)}")
    return t(lang, "history_line_credits", stamp=stamp, change=change, what=what, balance=e.balance_after)


def history(s: Summary, entries: Sequence[Entry], number: int, *, lang: str = DEFAULT) -> str:
    paid = " · ".join(money(amount, currency) for currency, amount in s.paid if amount)
    balance = credits_word(s.balance, lang=lang)
    per_day = f"{s.messages_per_day:.1f}".replace(".", catalogs().get(lang, "decimal_mark"))
    lines = [
        t(lang, "history_title"),
        t(lang, "history_balance_pass", balance=balance, until=when(s.pass_until, lang=lang)) if s.pass_until
        else t(lang, "history_balance", balance=balance),
        t(lang, "history_credits", bought=s.credits_bought, spent=s.credits_spent),
        t(lang, "history_paid", paid=paid or t(lang, "history_paid_nothing")),
        t(lang, "history_messages", sent=s.messages_sent, per_day=per_day,
          since=_date("date", s.since, lang)),
        "",
        t(lang, "history_entries", page=number + 1) if entries else t(lang, "history_empty"),
    ]
    lines += [history_line(e, lang=lang) for e in entries]
    return "\n".join(lines)


def history_export_caption(*, lang: str = DEFAULT) -> str:
    """Plain text (a document's caption)."""
    return label(lang, "history_export_caption")


def history_export_started(*, lang: str = DEFAULT) -> str:
    """Plain text as a button's answer, the same as HTML."""
    return label(lang, "history_export_started")


# --- for operators, in the admin group (English) ---

def dispute_alert(
    name: str, telegram_id: int, amount: int, currency: str, reason: str, tx_id: int | None,
) -> str:
    ref = f" · payment #{tx_id}" if tx_id is not None else ""
    return (f"⚠️ <b>Dispute opened</b> by {escape(name)} (id <code>{telegram_id}</code>): "
            f"{money(amount, currency)}, reason {escape(reason)}{ref}. The user is flagged.")


def shortfall_alert(name: str, telegram_id: int, shortfall: int, tx_id: int) -> str:
    return (f"⚠️ <b>Refund shortfall</b>: {escape(name)} (id <code>{telegram_id}</code>) had spent "
            f"{credits_word(shortfall)} of refunded payment #{tx_id}; the balance stays at 0.")


def unmatched_alert(event_id: str, event_type: str, why: str) -> str:
    return (f"⚠️ <b>Unmatched payment event</b> {escape(event_type)} <code>{escape(event_id)}</code>: "
            f"{escape(why)}. Nothing was granted or taken; check it in the Stripe Dashboard.")


def unmatched_stars_alert(telegram_id: int, amount: int, charge_id: str) -> str:
    return (f"⚠️ <b>Unmatched Stars payment</b> of {money(amount, 'XTR')} from id <code>{telegram_id}"
            f"</code> (charge <code>{escape(charge_id)}</code>): no open invoice matches. Grant or refund "
            "it by hand.")


def unmatched_stars_refund_alert(telegram_id: int, charge_id: str) -> str:
    return (f"⚠️ <b>Unmatched Stars refund</b> for id <code>{telegram_id}</code> (charge <code>"
            f"{escape(charge_id)}</code>): no payment of ours has that charge. Nothing was taken.")


def not_enough_credits(balance: int, cost: int, *, lang: str = DEFAULT) -> str:
    return t(lang, "not_enough_credits", balance=credits_word(balance, lang=lang),
             cost=credits_word(cost, lang=lang))
