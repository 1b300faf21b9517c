"""How payments read on the 💰 Billing screens: list lines, a payment's card and its timeline.

Pure functions over the rows the screens read (core.admin.payment_screens).
The provider's ids link to the Stripe Dashboard, in test mode for test keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from core.admin import fmt

STATUS_ICONS = {"succeeded": "✅", "pending": "⏳", "failed": "❌", "refunded": "↩️",
                "partially_refunded": "↪️", "disputed": "⚠️", "canceled": "✖️"}
RAIL_ICONS = {"stripe": "💳", "stars": "⭐", "manual": "✍️"}
#: A payment as the screens' queries return it (a record, or a mapping in tests).
Row = Mapping[str, Any] | asyncpg.Record


def dashboard_base(api_key: str | None) -> str:
    """Stripe's Dashboard, in test mode for test keys (``sk_test_``, ``rk_test_``)."""
    test = api_key is None or api_key.startswith(("sk_test_", "rk_test_"))
    return "https://dashboard.stripe.com/test" if test else "https://dashboard.stripe.com"


def _link(base: str, path: str, object_id: str) -> str:
    return f'<a href="{base}/{path}/{fmt.esc(object_id)}">{fmt.esc(object_id)}</a>'


def who(row: Row) -> str:
    if row["telegram_id"] is None:
        return "unknown user"
    return (f"{fmt.name_of(row['first_name'], row['last_name'], row['username'], row['telegram_id'])}"
            f" · <code>/user {row['telegram_id']}</code>")


def what(row: Row) -> str:
    if row["product_name"] is not None:
        return f"{fmt.esc(row['product_name'])} <code>{fmt.esc(row['product_code'])}</code>"
    return "no product"


def amount(row: Row) -> str:
    text = f"{RAIL_ICONS.get(row['rail'], '')} {fmt.money(row['amount'], row['currency'])}"
    if row["amount_refunded"]:
        text += f" (refunded {fmt.money(row['amount_refunded'], row['currency'])})"
    return text


def line(row: Row) -> str:
    status = row["status"]
    name = fmt.name_of(row["first_name"], row["last_name"], row["username"], row["telegram_id"] or 0)
    return (f"<b>#{row['id']}</b> {STATUS_ICONS.get(status, '')} {status.replace('_', ' ')} · "
            f"{amount(row)} · "
            f"{fmt.esc(row['product_name'] or '—')} · {name} · {fmt.ago(row['created_at'])}")


def failed_line(row: Row) -> str:
    reason = f" — {fmt.esc(str(row['failure'])[:80])}" if row["failure"] else ""
    return f"{line(row)}{reason}\n   👤 {who(row)}"


def provider_ids(row: Row, base: str) -> list[str]:
    if row["rail"] == "stars":
        return [f"Telegram charge: <code>{fmt.esc(row['external_id'] or '—')}</code>"]
    if row["rail"] != "stripe":
        return []
    ids = []
    if row["stripe_payment_intent"]:
        ids.append("payment " + _link(base, "payments", row["stripe_payment_intent"]))
    if row["stripe_charge"]:
        ids.append(f"charge <code>{fmt.esc(row['stripe_charge'])}</code>")
    if row["stripe_invoice"]:
        ids.append("invoice " + _link(base, "invoices", row["stripe_invoice"]))
    if row["stripe_subscription"]:
        ids.append("subscription " + _link(base, "subscriptions", row["stripe_subscription"]))
    if row["external_id"] and row["external_id"].startswith("cs_"):
        ids.append(f"checkout <code>{fmt.esc(row['external_id'])}</code>")
    if row["stripe_customer_id"]:
        ids.append("customer " + _link(base, "customers", row["stripe_customer_id"]))
    return [f"Stripe: {' · '.join(ids) if ids else 'no id yet'}"]


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    amount: int | None
    note: str | None


def event_line(e: Event, currency: str) -> str:
    money = fmt.money(e.amount, currency) if e.amount is not None else ""
    texts = {
        "opened": f"opened ({fmt.esc(e.note or '')})",
        "paid": "paid",
        "failed": f"failed: {fmt.esc(e.note or '')}",
        "event": f"Stripe {fmt.esc(e.note or '')}",
        "credits": f"{'+' if (e.amount or 0) > 0 else ''}{e.amount or 0:,} credits ({fmt.esc(e.note or '')})",
        "pass": f"pass {'+' if (e.amount or 0) > 0 else '−'}"
                f"{fmt.duration(timedelta(seconds=abs(e.amount or 0)))}"
                f" ({fmt.esc(e.note or '')})",
        "refund_asked": f"refund of {money} asked by {fmt.esc(e.note or '')}",
        "refund_answer": f"refund of {money}: {fmt.esc(e.note or '')}",
        "refunded": f"refunded {money}",
    }
    return f"• {e.at:%Y-%m-%d %H:%M} {texts.get(e.kind, fmt.esc(e.kind))}"


def card_text(row: Row, events: Sequence[Event], base: str, left: int | None) -> str:
    status = row["status"]
    cur = row["currency"]
    grants = (f"{row['pass_days']} days of pass" if row["pass_days"] and not row["credits"]
              else f"{row['credits']:,} credits")
    lines = [
        f"<b>Payment #{row['id']}</b> · {RAIL_ICONS.get(row['rail'], '')} {row['rail']} · "
        f"{STATUS_ICONS.get(status, '')} {status.replace('_', ' ')} · {row['kind'].replace('_', ' ')}",
        f"User: {who(row)}",
        f"Product: {what(row)} · grants {grants}",
        f"Amount: {fmt.money(row['amount'], cur)} · refunded {fmt.money(row['amount_refunded'], cur)} · "
        f"net {fmt.money(row['amount'] - row['amount_refunded'], cur)}",
    ]
    if row["credits_revoked"] or row["refund_shortfall"]:
        lines.append(f"Taken back: {row['credits_revoked']:,} credits · "
                     f"shortfall {row['refund_shortfall']:,} "
                     "(spent before the refund)")
    if left is not None and left < row["amount"] - row["amount_refunded"]:
        lines.append(f"Refunds under way: {fmt.money(row['amount'] - row['amount_refunded'] - left, cur)}")
    lines.append(f"Opened {fmt.date(row['created_at'])} · paid {fmt.date(row['paid_at'])}")
    lines += provider_ids(row, base)
    if row["failure"]:
        lines.append(f"Last failure: {fmt.esc(str(row['failure'])[:200])}")
    if events:
        lines += ["", "<b>Timeline</b>"] + [event_line(e, cur) for e in events]
    return "\n".join(lines)
