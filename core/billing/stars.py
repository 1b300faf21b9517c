"""Telegram Stars: an invoice in XTR, the pre-checkout check, and the grant on payment.

The invoice's payload names the pending transaction (``tx:<id>``), which fixed
the price when the invoice was sent. The pre-checkout query is answered from
the database alone, so the answer leaves right after the job's commit, well
within Telegram's 10 seconds: the product must still be on sale at the same
price, the invoice still open, the user not banned. A refusal is plain text
(Telegram does not parse it) in the user's language. ``successful_payment``
grants with the key ``stars:<telegram_payment_charge_id>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from core import i18n
from core.accounts import users
from core.accounts.users import User
from core.billing import catalog, event_log, packages, texts, transactions
from core.billing.catalog import Product
from core.billing.grants import grant
from core.billing.rails import Rail
from core.billing.refunds import settle
from core.billing.transactions import Kind, Status, Transaction
from core.delivery.effects import Effects
from core.platform.sql import q

CURRENCY = "XTR"
_PAYLOAD_PREFIX = "tx:"


def invoice_payload(transaction_id: int) -> str:
    return f"{_PAYLOAD_PREFIX}{transaction_id}"


def parse_payload(payload: object) -> int | None:
    if not isinstance(payload, str) or not payload.startswith(_PAYLOAD_PREFIX):
        return None
    rest = payload[len(_PAYLOAD_PREFIX):]
    return int(rest) if rest.isdigit() else None


async def send_invoice(
    tx: Effects, user: User, product: Product, *, lang: str = i18n.DEFAULT,
) -> Transaction | None:
    t = await transactions.open_pending(tx.conn, user_id=user.id, product=product, rail=Rail.STARS,
                                        kind=Kind.PURCHASE, key=f"invoice:{tx.cause}")
    if t is None:
        return None
    await tx.send(
        "sendInvoice", user.telegram_id,
        title=product.name[:32], description=texts.invoice_description(product, lang=lang),
        payload=invoice_payload(t.id), currency=CURRENCY,
        prices=[{"label": product.name[:32], "amount": t.amount}],
    )
    return t


async def refusal(conn: asyncpg.Connection, query: Mapping[str, Any]) -> str | None:
    """Why this pre-checkout query must be refused, or None to accept it."""
    sender = query.get("from") or {}
    owner = await conn.fetchrow(q("stars_user_ban_state"), sender.get("id"))
    # A payer we do not know still reads the refusal in their Telegram language.
    lang = i18n.negotiate(owner["language"] if owner else None,
                          owner["language_code"] if owner else sender.get("language_code"))
    transaction_id = parse_payload(query.get("invoice_payload"))
    t = await transactions.get(conn, transaction_id) if transaction_id is not None else None
    if t is None or t.rail != Rail.STARS.value or owner is None or t.user_id != owner["id"]:
        return texts.precheckout_refused_invoice(lang=lang)
    if owner["is_banned"]:
        return texts.precheckout_refused_user(lang=lang)
    if t.status is not Status.PENDING:
        return texts.precheckout_refused_invoice(lang=lang)
    product = await catalog.by_id(conn, t.product_id) if t.product_id is not None else None
    if product is None or not product.active or not product.sold_on(Rail.STARS):
        return texts.precheckout_refused_product(lang=lang)
    if (product.stars_amount != t.amount or query.get("total_amount") != t.amount
            or query.get("currency") != CURRENCY):
        return texts.precheckout_refused_price(lang=lang)
    # A custom package's last use goes to one payer: its limits are checked again, under its lock.
    return await packages.precheckout_refusal(conn, t, int(sender["id"]), lang=lang)


async def on_pre_checkout(tx: Effects, query: Mapping[str, Any]) -> None:
    error = await refusal(tx.conn, query)
    await tx.send("answerPreCheckoutQuery", int(query["from"]["id"]), pre_checkout_query_id=str(query["id"]),
                  ok=error is None, error_message=error)


async def on_successful_payment(tx: Effects, message: Mapping[str, Any], *, admin_chat_id: int) -> None:
    paid = message["successful_payment"]
    charge_id = str(paid["telegram_payment_charge_id"])
    total = int(paid.get("total_amount") or 0)
    user, _ = await users.upsert_from(tx.conn, message["from"])
    transaction_id = parse_payload(paid.get("invoice_payload"))
    found = await transactions.get(tx.conn, transaction_id) if transaction_id is not None else None
    if found is None or found.rail != Rail.STARS.value or found.user_id != user.id:
        # Paid, but for no invoice we know: recorded, and operators decide.
        await transactions.open_paid(
            tx.conn, user_id=user.id, product_id=None, rail=Rail.STARS, kind=Kind.PURCHASE, amount=total,
            currency=CURRENCY, credits=0, pass_days=None, external_id=charge_id, key=f"stars:{charge_id}",
            details={"unmatched": True, "invoice_payload": str(paid.get("invoice_payload"))[:128]},
        )
        await event_log.alert(tx, admin_chat_id, texts.unmatched_stars_alert(user.telegram_id, total,
                                                                                     charge_id))
        return
    t = await transactions.lock_with_user(tx.conn, found)
    if t.external_id is not None and t.external_id != charge_id:
        # The same invoice paid a second time (two payments raced past the check): its own purchase.
        again = await transactions.open_paid(
            tx.conn, user_id=user.id, product_id=t.product_id, rail=Rail.STARS, kind=Kind.PURCHASE,
            amount=total, currency=CURRENCY, credits=t.credits, pass_days=t.pass_days, external_id=charge_id,
            key=f"stars:{charge_id}", details={"repeat_of": t.id},
        )
        t = again or await transactions.by_external(tx.conn, Rail.STARS, charge_id) or t
    else:
        t = await transactions.link(tx.conn, t.id, external_id=charge_id)
    await grant(tx, t, key=f"stars:{charge_id}", admin_chat_id=admin_chat_id)


async def on_refunded_payment(tx: Effects, message: Mapping[str, Any], *, admin_chat_id: int) -> None:
    """Telegram's word that a Stars payment was refunded (by this bot, or by Telegram).

    Stars are refunded whole. A refund the control center asked for and
    recorded already changes nothing here; one Telegram made on its own takes
    back what the payment bought, like a card refund.
    """
    refunded = message["refunded_payment"]
    charge_id = str(refunded.get("telegram_payment_charge_id") or "")
    found = await transactions.by_external(tx.conn, Rail.STARS, charge_id) if charge_id else None
    if found is None:
        await event_log.alert(tx, admin_chat_id, texts.unmatched_stars_refund_alert(
            int((message.get("from") or {}).get("id") or 0), charge_id))
        return
    t = await transactions.lock_with_user(tx.conn, found)
    if t.amount_refunded >= t.amount:
        return  # recorded already (the refund asked from the control center)
    t = await transactions.record_refund(tx.conn, t.id, t.amount)
    await settle(tx, t, admin_chat_id=admin_chat_id)
