"""POST /sandbox/pay-invoice: pay a Stars invoice in sandbox mode, as Telegram would.

Telegram, when a user pays an invoice, asks the bot with a pre-checkout query,
waits up to 10 seconds for its answer, and only after an OK sends the
successful payment. This endpoint plays that part: it records the query as an
update, waits for the bot's answer in the fake Telegram, then records the
payment. Body: ``{"chat_id": <user>, "message_id": <the invoice>}``.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from aiohttp import web

from core.jobs.routing import route_update
from core.platform.errors import DatabaseUnavailable
from core.sandbox.telegram.model import TelegramModel
from webhooks.deps import DEPS
from webhooks.responses import ok, refuse

#: Telegram cancels a payment whose pre-checkout query is not answered in time.
ANSWER_DEADLINE_SECONDS = 10.0


def _update_id() -> int:
    # Injected updates must not collide with Telegram's own numbering.
    return 2**40 + secrets.randbelow(2**40)


async def _record(request: web.Request, update: dict[str, Any]) -> None:
    deps = request.app[DEPS]
    job = route_update(update, deps.settings.admin_group_ids)
    assert job is not None
    await deps.recorder.record(job)


async def _answer(model: TelegramModel, query_id: str) -> Any:
    deadline = time.monotonic() + ANSWER_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        for answer in await model.query_answers():
            if answer.kind == "pre_checkout_query" and answer.query_id == query_id:
                return answer
        await asyncio.sleep(0.1)
    return None


async def pay_invoice(request: web.Request) -> web.Response:
    model = request.app[DEPS].sandbox
    if not isinstance(model, TelegramModel):
        return refuse(404, "sandbox mode is off (BOT_TOKEN is set)")
    try:
        body = await request.json()
        chat_id, message_id = int(body["chat_id"]), int(body["message_id"])
    except (ValueError, KeyError, TypeError):
        return refuse(400, 'expected {"chat_id": <int>, "message_id": <int>}')
    invoice = await model.message(chat_id, message_id)
    if invoice is None or invoice.kind != "invoice" or not invoice.from_bot:
        return refuse(404, "no invoice from the bot with that chat_id and message_id")
    chat = await model.chat(chat_id)
    assert chat is not None
    payer = {"id": chat_id, "is_bot": False, "first_name": chat.first_name or "User"}
    if chat.username:
        payer["username"] = chat.username
    details = invoice.extra["invoice"]
    query_id = str(secrets.randbelow(2**62))
    try:
        await _record(request, {"update_id": _update_id(), "pre_checkout_query": {
            "id": query_id, "from": payer, "currency": details["currency"],
            "total_amount": details["total_amount"], "invoice_payload": invoice.extra["invoice_payload"],
        }})
        answer = await _answer(model, query_id)
        if answer is None:
            return refuse(504, "the bot did not answer the pre-checkout query within 10 seconds")
        if not answer.ok:
            return ok(paid=False, error_message=answer.text)
        charge = f"stx{secrets.token_hex(8)}"
        await _record(request, {"update_id": _update_id(), "message": {
            "message_id": invoice.message_id + 1, "date": int(time.time()), "from": payer,
            "chat": {"id": chat_id, "type": "private", "first_name": payer["first_name"]},
            "successful_payment": {
                "currency": details["currency"], "total_amount": details["total_amount"],
                "invoice_payload": invoice.extra["invoice_payload"],
                "telegram_payment_charge_id": charge, "provider_payment_charge_id": "",
            },
        }})
    except DatabaseUnavailable:
        return refuse(503, "database unavailable, retry later")
    return ok(paid=True, telegram_payment_charge_id=charge)
