"""Texts and keyboards of buying, billing and history. HTML parse mode; user data escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from core.catalog import Badge, Kind, Product
from core.history import Entry, Summary
from core.rails import Rail

PARSE_MODE = "HTML"

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
#: Currencies Stripe counts in whole units (no cents).
_ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                           "vnd", "vuv", "xaf", "xof", "xpf"})
_BADGES = {Badge.POPULAR: "🔥 Most popular", Badge.BEST_VALUE: "💎 Best value"}
_BADGE_ICONS = {Badge.POPULAR: "🔥 ", Badge.BEST_VALUE: "💎 "}

Keyboard = dict[str, object]


def credits_word(n: int) -> str:
    return f"{n} credit" if n == 1 else f"{n} credits"


def money(amount: int, currency: str) -> str:
    """An amount in minor units as people read it: ``$9.99``, ``⭐ 500``, ``1200 JPY``."""
    c = currency.lower()
    if c == "xtr":
        return f"⭐ {amount}"
    value = str(amount) if c in _ZERO_DECIMAL else f"{amount // 100}.{amount % 100:02d}"
    symbol = _SYMBOLS.get(c)
    return f"{symbol}{value}" if symbol else f"{value} {c.upper()}"


def when(moment: datetime) -> str:
    return moment.strftime("%d %b %Y, %H:%M UTC")


def _keyboard(rows: Sequence[Sequence[dict[str, str]]]) -> Keyboard:
    return {"inline_keyboard": [list(row) for row in rows]}


def _what(p: Product) -> str:
    if p.kind is Kind.PASS:
        days = p.pass_days or 0
        period = "day" if days == 1 else f"{days} days"
        return f"unlimited messages for {period}" + (", renews automatically" if p.recurring else "")
    return f"{credits_word(p.credits)} for messages"


def _stripe_price(p: Product) -> str:
    assert p.stripe_amount is not None
    assert p.stripe_currency is not None
    price = money(p.stripe_amount, p.stripe_currency)
    interval = p.subscription_interval
    return f"{price}/{interval}" if interval else price


# --- the catalog ---

def catalog(products: Sequence[Product], rails: Sequence[Rail], *, balance: int, cost: int) -> str:
    lines = ["<b>Top up</b>", f"Balance: <b>{credits_word(balance)}</b> · one message costs "
             f"{credits_word(cost)}.", ""]
    for p in products:
        prices = []
        if Rail.STRIPE in rails and p.sold_on(Rail.STRIPE):
            prices.append(_stripe_price(p))
        if Rail.STARS in rails and p.sold_on(Rail.STARS):
            assert p.stars_amount is not None
            prices.append(money(p.stars_amount, "XTR"))
        if not prices:
            continue
        badge = f" · {_BADGES[p.badge]}" if p.badge else ""
        lines.append(f"• <b>{escape(p.name)}</b> — {' · '.join(prices)}{badge}\n  <i>{_what(p)}</i>")
    lines += ["", "/terms · /paysupport"]
    return "\n".join(lines)


def catalog_keyboard(products: Sequence[Product], rails: Sequence[Rail]) -> Keyboard:
    """One row per product: the card price and the Stars price, each straight to payment."""
    rows = []
    for p in products:
        icon = _BADGE_ICONS.get(p.badge, "") if p.badge else ""
        row = []
        if Rail.STRIPE in rails and p.sold_on(Rail.STRIPE):
            label = f"{icon}{p.name} · {_stripe_price(p)}"
            row.append({"text": label, "callback_data": f"pay:stripe:{p.code}"})
        if Rail.STARS in rails and p.sold_on(Rail.STARS):
            assert p.stars_amount is not None
            label = money(p.stars_amount, "XTR")
            row.append({"text": label if row else f"{icon}{p.name} · {label}",
                        "callback_data": f"pay:stars:{p.code}"})
        if row:
            rows.append(row)
    return _keyboard(rows)


def choose_rail(p: Product) -> str:
    return f"How would you like to pay for <b>{escape(p.name)}</b>?"


def choose_rail_keyboard(p: Product, rails: Sequence[Rail]) -> Keyboard:
    row = []
    if Rail.STRIPE in rails and p.sold_on(Rail.STRIPE):
        row.append({"text": f"💳 Card · {_stripe_price(p)}", "callback_data": f"pay:stripe:{p.code}"})
    if Rail.STARS in rails and p.sold_on(Rail.STARS):
        assert p.stars_amount is not None
        row.append({"text": f"Telegram Stars · {money(p.stars_amount, 'XTR')}",
                    "callback_data": f"pay:stars:{p.code}"})
    return _keyboard([row])


def not_for_sale() -> str:
    return "This product is not available right now. See /buy for what is."


def no_rail() -> str:
    return "Payments are not available right now. Please try again later."


def cannot_buy() -> str:
    return "Purchases are not available for your account."


# --- Stripe checkout ---

def checkout_link(name: str, amount: int, currency: str, *, subscription: bool) -> str:
    what = "Subscribe to" if subscription else "Pay for"
    return (f"💳 {what} <b>{escape(name)}</b>: {money(amount, currency)}\n"
            "Tap the button to pay securely with Stripe. Your credits appear here as soon as "
            "the payment is confirmed.")


def link_keyboard(label: str, url: str) -> Keyboard:
    return _keyboard([[{"text": label, "url": url}]])


def retry_keyboard(product_code: str) -> Keyboard:
    return _keyboard([[{"text": "Try again", "callback_data": f"buy:{product_code}"}]])


def payment_failed(reason: str | None) -> str:
    why = f": {escape(reason)}" if reason else "."
    return f"❌ Your payment did not go through{why}\nNothing was charged. You can try again."


def checkout_unavailable() -> str:
    return "We could not start the payment right now. Nothing was charged; please try again later."


# --- Stars ---

def invoice_description(p: Product) -> str:
    return f"{p.name}: {_what(p)}."[:255]


def precheckout_refused_price() -> str:
    return "The price has changed since this invoice was sent. Please choose again from /buy."


def precheckout_refused_product() -> str:
    return "This product is no longer available. See /buy for what is."


def precheckout_refused_invoice() -> str:
    return "This invoice was paid already or has expired. Please choose again from /buy."


def precheckout_refused_user() -> str:
    return "Purchases are not available for your account."


# --- grants and refunds ---

def credits_granted(credits: int, balance: int) -> str:
    return f"✅ Payment received: <b>+{credits_word(credits)}</b>. Balance: <b>{credits_word(balance)}</b>."


def pass_granted(name: str, until: datetime) -> str:
    return f"✅ Payment received: <b>{escape(name)}</b> active until {when(until)}."


def auto_recharged(credits: int, amount: int, currency: str, balance: int) -> str:
    return (f"🔄 Auto-recharge: <b>+{credits_word(credits)}</b> for {money(amount, currency)} on your "
            f"saved card. Balance: <b>{credits_word(balance)}</b>.")


def refunded_credits(amount: int, currency: str, removed: int, balance: int) -> str:
    return (f"↩️ A refund of {money(amount, currency)} was made: {credits_word(removed)} removed. "
            f"Balance: <b>{credits_word(balance)}</b>.")


def refunded_pass(amount: int, currency: str, until: datetime | None) -> str:
    rest = f"Your pass now ends {when(until)}." if until else "Your pass has ended."
    return f"↩️ A refund of {money(amount, currency)} was made. {rest}"


def payment_processing() -> str:
    return "⏳ Your payment is being processed. Your credits appear here as soon as it is confirmed."


# --- subscriptions ---

def subscription_renewed(name: str, until: datetime) -> str:
    return f"🔁 <b>{escape(name)}</b> renewed: active until {when(until)}."


def subscription_canceled(until: datetime | None) -> str:
    rest = f" Your pass stays active until {when(until)}." if until else ""
    return f"Your subscription was canceled.{rest}"


def subscription_past_due() -> str:
    return ("⚠️ We could not renew your subscription: the payment failed. Update your card with "
            "/billing to keep your pass.")


def subscription_ends(until: datetime | None) -> str:
    rest = f" on {when(until)}" if until else ""
    return f"Your subscription will not renew; your pass ends{rest}."


# --- /billing ---

def billing_portal() -> str:
    return "Manage your cards, receipts and subscription in the billing portal:"


def billing_unavailable() -> str:
    return "The billing portal is not available right now. Please try again later."


# --- auto-recharge ---

def auto_recharge_status(enabled: bool, threshold: int | None, product: Product | None) -> str:
    if enabled and threshold is not None and product is not None:
        head = (f"🔄 Auto-recharge is <b>on</b>: when your balance drops below "
                f"{credits_word(threshold)}, we buy <b>{escape(product.name)}</b> with your saved card.")
    else:
        head = "🔄 Auto-recharge is <b>off</b>."
    return (f"{head}\n\nChoose a pack to turn it on, or turn it off. It uses the card of your last "
            "card payment; you can also write /autorecharge pack25 5 (pack, threshold) or "
            "/autorecharge off.")


def auto_recharge_keyboard(products: Sequence[Product], enabled: bool) -> Keyboard:
    packs = [{"text": p.name, "callback_data": f"ar:p:{p.code}"} for p in products]
    rows = [packs[i : i + 2] for i in range(0, len(packs), 2)]
    if enabled:
        rows.append([{"text": "Turn off", "callback_data": "ar:off"}])
    return _keyboard(rows)


def auto_recharge_threshold(product: Product) -> str:
    return f"Buy <b>{escape(product.name)}</b> when the balance drops below:"


def auto_recharge_threshold_keyboard(product: Product, thresholds: Sequence[int]) -> Keyboard:
    return _keyboard([[{"text": credits_word(t), "callback_data": f"ar:on:{product.code}:{t}"}
                       for t in thresholds]])


def auto_recharge_needs_card() -> str:
    return ("Auto-recharge charges the card you paid with. Buy a pack by card first (/buy), "
            "then turn it on.")


def auto_recharge_failed(reason: str) -> str:
    return (f"⚠️ Auto-recharge failed: {escape(reason)}\nIt is now turned off. Top up with /buy, "
            "and turn it on again with /autorecharge.")


# --- policies ---

def terms(custom: str) -> str:
    if custom:
        return escape(custom)
    return ("<b>Terms</b>\nCredits and passes pay for messages to our team through this bot. "
            "Credits do not expire and are not money; a pass gives unlimited messages until it ends. "
            "Payments by card go through Stripe, payments in Stars through Telegram. "
            "Refunded payments take back what they bought. Questions about a payment: /paysupport.")


def paysupport(custom: str) -> str:
    if custom:
        return escape(custom)
    return ("<b>Payment support</b>\nA problem with a payment? Write your question here, starting "
            "with \"Payment:\", and include the date and amount; our team answers in this chat. "
            "Your purchases are listed in /history.")


# --- operators ---

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


# --- /history ---

_REASONS = {
    "purchase": "bought", "auto_recharge": "auto-recharge", "message": "message sent",
    "refund": "refunded", "signup_bonus": "welcome bonus", "relay_failed_refund": "undelivered, returned",
    "renewal": "subscription renewed", "subscription_canceled": "subscription canceled",
}


def _duration(seconds: int) -> str:
    sign = "+" if seconds > 0 else "−"
    days, rest = divmod(abs(seconds), 86400)
    if days:
        return f"{sign}{days} day{'s' if days != 1 else ''}" + (f" {rest // 3600} h" if rest >= 3600 else "")
    return f"{sign}{max(rest // 3600, 1)} h" if rest >= 3600 else f"{sign}{max(rest // 60, 1)} min"


def history_line(e: Entry) -> str:
    what = _REASONS.get(e.reason, e.reason.replace("_", " "))
    if e.amount is not None and e.currency and e.reason in ("purchase", "auto_recharge", "renewal", "refund"):
        what += f" ({money(e.amount, e.currency)})"
    stamp = e.at.strftime("%d %b %H:%M")
    if e.kind == "pass":
        return f"{stamp} · pass {_duration(e.change)} · {escape(what)}"
    sign = "+" if e.change > 0 else "−"
    return f"{stamp} · {sign}{credits_word(abs(e.change))} · {escape(what)} · balance {e.balance_after}"


def history(s: Summary, entries: Sequence[Entry], number: int) -> str:
    paid = " · ".join(money(amount, currency) for currency, amount in s.paid if amount) or "nothing yet"
    lines = [
        "<b>Your history</b>",
        f"Balance: <b>{credits_word(s.balance)}</b>"
        + (f" · pass until {when(s.pass_until)}" if s.pass_until else ""),
        f"Credits bought: {s.credits_bought} · spent: {s.credits_spent}",
        f"Paid: {paid}",
        f"Messages sent: {s.messages_sent} · {s.messages_per_day:.1f} a day since "
        f"{s.since.strftime('%d %b %Y')}",
        "",
        f"<b>Entries</b> (page {number + 1}, newest first)" if entries else "No entries yet.",
    ]
    lines += [history_line(e) for e in entries]
    return "\n".join(lines)


def history_keyboard(number: int, has_more: bool) -> Keyboard:
    nav = []
    if number > 0:
        nav.append({"text": "◀ Newer", "callback_data": f"hist:{number - 1}"})
    if has_more:
        nav.append({"text": "Older ▶", "callback_data": f"hist:{number + 1}"})
    rows = [nav] if nav else []
    rows.append([{"text": "📄 Export CSV", "callback_data": "hist:csv"}])
    return _keyboard(rows)


def history_export_caption() -> str:
    return "Your full history (amounts in cents; Stars as they are)."


def history_export_started() -> str:
    return "Preparing your CSV export…"
