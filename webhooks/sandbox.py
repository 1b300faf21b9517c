"""The sandbox's routes, mounted by the wiring (``webhooks.__main__``) in sandbox mode only.

With a real BOT_TOKEN this module is never imported, nor are the stand-ins it
serves (``core.sandbox``), and its paths do not exist: aiohttp answers them
404 like any unknown path.

- ``GET /sandbox/messages?chat_id=ID``: what the bot sent to a chat. This is
  the contract a person or a script uses to drive the bot without Telegram;
  its fields are stable: chat_id, message_id, thread_id, text, reply_markup, kind.
- ``POST /sandbox/pay-invoice`` ``{"chat_id": <user>, "message_id": <the invoice>}``:
  pay a Stars invoice as Telegram would. Telegram, when a user pays, asks the
  bot with a pre-checkout query, waits up to 10 seconds for its answer, and
  only after an OK sends the successful payment; this endpoint plays that
  part with the stand-in Telegram.
- ``/fake-stripe``: the fake Stripe, when the workers are pointed at it
  (the sandbox's own Stripe key, never a real one).
- ``/`` and ``/console``: the console, a Telegram-like page to try the whole
  product in a browser, with its own ``/sandbox/...`` routes (``webhooks.console``).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from core.jobs.routing import route_update
from core.platform.config import FAKE_STRIPE_PATH
from core.platform.errors import DatabaseUnavailable
from core.sandbox.stripe import FAKE_STRIPE, FakeStripe, build_fake_stripe_app
from core.sandbox.telegram.model import TelegramModel
from core.sandbox.telegram.rows import QueryAnswer
from webhooks import console
from webhooks.deps import DEPS, IngressDeps
from webhooks.responses import ok, refuse

#: Telegram cancels a payment whose pre-checkout query is not answered in time.
ANSWER_DEADLINE_SECONDS = 10.0


@dataclass(frozen=True)
class Sandbox:
    """The stand-ins behind the sandbox's routes."""

    telegram: TelegramModel
    #: None when sandbox mode talks to a real Stripe (a test key).
    stripe: FakeStripe | None


SANDBOX = web.AppKey("sandbox", Sandbox)


def mount(app: web.Application, deps: IngressDeps) -> Sandbox:
    """Add the sandbox's routes (and the fake Stripe) to the ingress ``app``."""
    settings = deps.settings
    if not settings.sandbox:
        raise ValueError("the sandbox routes exist only in sandbox mode, and BOT_TOKEN is set")
    stripe = None
    # Only with the sandbox's own key, never a real one: its Pay button takes payment unchecked.
    if settings.fake_stripe:
        fake_stripe = build_fake_stripe_app(
            deps.pool, webhook_secret=settings.stripe_webhook_secret,
            webhook_url=f"http://127.0.0.1:{settings.port}/webhooks/stripe",
            # After paying, the way back into the bot leads to the console here.
            open_link=console.telegram_opener(settings.bot_username),
        )
        app.add_subapp(FAKE_STRIPE_PATH, fake_stripe)
        stripe = fake_stripe[FAKE_STRIPE]
    sandbox = Sandbox(telegram=TelegramModel(deps.pool), stripe=stripe)
    app[SANDBOX] = sandbox
    app.router.add_get("/sandbox/messages", sent_messages)
    app.router.add_post("/sandbox/pay-invoice", pay_invoice)
    console.mount(app, settings, deps.pool, sandbox.telegram)
    return sandbox


async def sent_messages(request: web.Request) -> web.Response:
    raw = request.query.get("chat_id", "")
    try:
        chat_id = int(raw)
    except ValueError:
        return refuse(400, "chat_id must be an integer")
    # The chat also holds what users wrote; the contract is what the bot sent.
    messages = await request.app[SANDBOX].telegram.messages(chat_id)
    return web.json_response([m for m in messages if m.get("from_bot", True)])


async def _record(request: web.Request, update: dict[str, Any]) -> None:
    deps = request.app[DEPS]
    job = route_update(update, deps.settings.admin_group_ids, deps.operator_commands)
    assert job is not None
    await deps.recorder.record(job)


async def _answer(model: TelegramModel, query_id: str) -> QueryAnswer | None:
    deadline = time.monotonic() + ANSWER_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        for answer in await model.query_answers():
            if answer.kind == "pre_checkout_query" and answer.query_id == query_id:
                return answer
        await asyncio.sleep(0.1)
    return None


async def pay_invoice(request: web.Request) -> web.Response:
    model = request.app[SANDBOX].telegram
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
    language = await model.language_of(chat_id)
    if language:
        payer["language_code"] = language
    details = invoice.extra["invoice"]
    query_id = str(secrets.randbelow(2**62))
    try:
        await _record(request, {"update_id": await model.next_update_id(), "pre_checkout_query": {
            "id": query_id, "from": payer, "currency": details["currency"],
            "total_amount": details["total_amount"], "invoice_payload": invoice.extra["invoice_payload"],
        }})
        answer = await _answer(model, query_id)
        if answer is None:
            return refuse(504, "the bot did not answer the pre-checkout query within 10 seconds")
        if not answer.ok:
            return ok(paid=False, error_message=answer.text)
        charge = f"stx{secrets.token_hex(8)}"
        # Telegram remembers the charge, to refund it (and only once) on the bot's request.
        await model.record_star_charge(charge, chat_id, int(details["total_amount"]),
                                       str(invoice.extra["invoice_payload"]))
        update_id = await model.next_update_id()
        # The service message takes the chat's next id, as Telegram numbers it.
        paid = await model.write({
            "date": int(time.time()), "from": payer,
            "chat": {"id": chat_id, "type": "private", "first_name": payer["first_name"]},
            "successful_payment": {
                "currency": details["currency"], "total_amount": details["total_amount"],
                "invoice_payload": invoice.extra["invoice_payload"],
                "telegram_payment_charge_id": charge, "provider_payment_charge_id": "",
            },
        }, update_id)
        await _record(request, {"update_id": update_id, "message": paid})
    except DatabaseUnavailable:
        return refuse(503, "database unavailable, retry later")
    return ok(paid=True, telegram_payment_charge_id=charge)
