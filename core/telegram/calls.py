"""Bot API-style calls (method name + parameters) performed through the gateway.

The outbox stores calls in this form; this module is the one place that maps
them onto :class:`core.telegram.gateway.TelegramGateway`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.platform.errors import TelegramRejected
from core.telegram.gateway import LabeledPrice, Sent, TelegramGateway


def _sent(sent: Sent | list[Sent] | int | None) -> dict[str, Any]:
    if isinstance(sent, Sent):
        return {"message_id": sent.message_id}
    if isinstance(sent, list):
        return {"message_ids": [s.message_id for s in sent]}
    if isinstance(sent, int):
        return {"message_thread_id": sent}
    return {}


async def _send_message(g: TelegramGateway, p: Mapping[str, Any]) -> Sent:
    return await g.send_message(
        p["chat_id"],
        p["text"],
        thread_id=p.get("message_thread_id"),
        reply_markup=p.get("reply_markup"),
        parse_mode=p.get("parse_mode"),
        reply_to_message_id=p.get("reply_to_message_id"),
        paid_broadcast=bool(p.get("allow_paid_broadcast")),
    )


async def _copy_messages(g: TelegramGateway, p: Mapping[str, Any]) -> list[Sent]:
    return await g.copy_messages(
        p["chat_id"], p["from_chat_id"], p["message_ids"], thread_id=p.get("message_thread_id")
    )


async def _forward_messages(g: TelegramGateway, p: Mapping[str, Any]) -> list[Sent]:
    return await g.forward_messages(
        p["chat_id"], p["from_chat_id"], p["message_ids"], thread_id=p.get("message_thread_id")
    )


async def _edit_message_text(g: TelegramGateway, p: Mapping[str, Any]) -> None:
    await g.edit_message_text(
        p["chat_id"],
        p["message_id"],
        p["text"],
        reply_markup=p.get("reply_markup"),
        parse_mode=p.get("parse_mode"),
    )


async def _send_document(g: TelegramGateway, p: Mapping[str, Any]) -> Sent:
    # Outbox parameters are JSON: a document is kept as its text (a CSV export), sent as UTF-8.
    return await g.send_document(
        p["chat_id"],
        p["document_text"].encode("utf-8"),
        file_name=p["file_name"],
        caption=p.get("caption"),
        thread_id=p.get("message_thread_id"),
        parse_mode=p.get("parse_mode"),
    )


async def _answer_callback_query(g: TelegramGateway, p: Mapping[str, Any]) -> None:
    await g.answer_callback_query(
        p["callback_query_id"], text=p.get("text"), show_alert=bool(p.get("show_alert"))
    )


async def _send_invoice(g: TelegramGateway, p: Mapping[str, Any]) -> Sent:
    return await g.send_invoice(
        p["chat_id"],
        title=p["title"],
        description=p["description"],
        payload=p["payload"],
        currency=p["currency"],
        prices=[LabeledPrice(x["label"], x["amount"]) for x in p["prices"]],
        provider_token=p.get("provider_token", ""),
    )


async def _answer_pre_checkout_query(g: TelegramGateway, p: Mapping[str, Any]) -> None:
    await g.answer_pre_checkout_query(
        p["pre_checkout_query_id"], ok=bool(p["ok"]), error_message=p.get("error_message")
    )


async def _create_forum_topic(g: TelegramGateway, p: Mapping[str, Any]) -> int:
    return await g.create_forum_topic(p["chat_id"], p["name"])


async def _edit_forum_topic(g: TelegramGateway, p: Mapping[str, Any]) -> None:
    await g.edit_forum_topic(p["chat_id"], p["message_thread_id"], name=p["name"])


async def _close_forum_topic(g: TelegramGateway, p: Mapping[str, Any]) -> None:
    await g.close_forum_topic(p["chat_id"], p["message_thread_id"])


async def _reopen_forum_topic(g: TelegramGateway, p: Mapping[str, Any]) -> None:
    await g.reopen_forum_topic(p["chat_id"], p["message_thread_id"])


async def _set_my_commands(g: TelegramGateway, p: Mapping[str, Any]) -> None:
    await g.set_my_commands(
        [(c["command"], c["description"]) for c in p["commands"]],
        scope=p["scope"], language_code=p.get("language_code", ""),
    )


METHODS: dict[str, Any] = {
    "setMyCommands": _set_my_commands,
    "sendMessage": _send_message,
    "sendDocument": _send_document,
    "copyMessages": _copy_messages,
    "forwardMessages": _forward_messages,
    "editMessageText": _edit_message_text,
    "answerCallbackQuery": _answer_callback_query,
    "sendInvoice": _send_invoice,
    "answerPreCheckoutQuery": _answer_pre_checkout_query,
    "createForumTopic": _create_forum_topic,
    "editForumTopic": _edit_forum_topic,
    "closeForumTopic": _close_forum_topic,
    "reopenForumTopic": _reopen_forum_topic,
}


async def execute(gateway: TelegramGateway, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Perform one Bot API-style call through the gateway; return what to remember of it."""
    handler = METHODS.get(method)
    if handler is None:
        raise TelegramRejected(f"unknown method {method}")
    try:
        return _sent(await handler(gateway, params))
    except (KeyError, TypeError) as exc:
        raise TelegramRejected(f"malformed {method} parameters: {exc}") from exc
