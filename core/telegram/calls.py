"""Bot API-style calls (method name + parameters) performed through the gateway.

The outbox stores calls in this form; this module is the one place that maps
them onto :class:`core.telegram.gateway.TelegramGateway`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
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
        random_id=p.get("random_id"),
    )


async def _copy_messages(g: TelegramGateway, p: Mapping[str, Any]) -> list[Sent]:
    return await g.copy_messages(
        p["chat_id"], p["from_chat_id"], p["message_ids"], thread_id=p.get("message_thread_id"),
        reply_to_message_id=p.get("reply_to_message_id"),
        reply_markup=p.get("reply_markup"), paid_broadcast=bool(p.get("allow_paid_broadcast")),
        random_ids=p.get("random_ids"),
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


async def _answer_inline_query(g: TelegramGateway, p: Mapping[str, Any]) -> None:
    await g.answer_inline_query(
        p["inline_query_id"], p["results"], cache_time=int(p.get("cache_time", 0)),
        is_personal=bool(p.get("is_personal", True)),
    )


async def _send_cached_media(g: TelegramGateway, p: Mapping[str, Any]) -> Sent:
    return await g.send_cached_media(
        p["chat_id"], p["file_id"], caption=p.get("caption"), parse_mode=p.get("parse_mode"),
        thread_id=p.get("message_thread_id"), reply_to_message_id=p.get("reply_to_message_id"),
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


@dataclass(frozen=True)
class Call:
    """How one Bot API method is made through the gateway."""

    perform: Callable[[TelegramGateway, Mapping[str, Any]], Awaitable[Any]]
    #: Parameters it cannot be made without.
    required: frozenset[str]
    #: The parameter listing the messages it copies or forwards, one new message
    #: each (Telegram counts them all); other calls create one at most.
    message_ids: str | None = None

    def messages_in(self, params: Mapping[str, Any]) -> int:
        return len(params[self.message_ids]) if self.message_ids is not None else 1


def _needs(*names: str) -> frozenset[str]:
    return frozenset(names)


METHODS: Mapping[str, Call] = {
    "setMyCommands": Call(_set_my_commands, _needs("commands", "scope")),
    "sendMessage": Call(_send_message, _needs("chat_id", "text")),
    "sendDocument": Call(_send_document, _needs("chat_id", "document_text", "file_name")),
    "copyMessages": Call(_copy_messages, _needs("chat_id", "from_chat_id", "message_ids"), "message_ids"),
    "forwardMessages": Call(_forward_messages, _needs("chat_id", "from_chat_id", "message_ids"),
                            "message_ids"),
    "editMessageText": Call(_edit_message_text, _needs("chat_id", "message_id", "text")),
    "answerCallbackQuery": Call(_answer_callback_query, _needs("callback_query_id")),
    "sendInvoice": Call(_send_invoice, _needs("chat_id", "title", "description", "payload", "currency",
                                              "prices")),
    "answerPreCheckoutQuery": Call(_answer_pre_checkout_query, _needs("pre_checkout_query_id", "ok")),
    "sendCachedMedia": Call(_send_cached_media, _needs("chat_id", "file_id")),
    "answerInlineQuery": Call(_answer_inline_query, _needs("inline_query_id", "results")),
    "createForumTopic": Call(_create_forum_topic, _needs("chat_id", "name")),
    "editForumTopic": Call(_edit_forum_topic, _needs("chat_id", "message_thread_id", "name")),
    "closeForumTopic": Call(_close_forum_topic, _needs("chat_id", "message_thread_id")),
    "reopenForumTopic": Call(_reopen_forum_topic, _needs("chat_id", "message_thread_id")),
}


async def execute(gateway: TelegramGateway, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Perform one Bot API-style call through the gateway; return what to remember of it."""
    call = METHODS.get(method)
    if call is None:
        raise TelegramRejected(f"unknown method {method}")
    try:
        return _sent(await call.perform(gateway, params))
    except (KeyError, TypeError) as exc:
        raise TelegramRejected(f"malformed {method} parameters: {exc}") from exc
