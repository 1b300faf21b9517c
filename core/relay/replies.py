"""The paid relay, operator side: replies in a user's topic go to the user.

Messages from bots (the bot's own copies included) and service messages are
ignored; a message starting with the note prefix stays in the topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from core.accounts import users
from core.delivery.effects import Effects
from core.platform.bot_settings import BotSettings
from core.relay import conversations, messages, texts
from core.relay.conversations import Status
from core.relay.messages import Direction
from core.telegram.html import to_html
from core.telegram.updates import message_kind, sender_of, text_of


async def _service(tx: Effects, conv: conversations.Conversation, message: Mapping[str, Any]) -> None:
    if "forum_topic_closed" in message:
        await conversations.set_status(tx.conn, conv.id, Status.CLOSED)
    elif "forum_topic_reopened" in message:
        await conversations.set_status(tx.conn, conv.id, Status.WAITING_OPERATOR)


async def on_topic_message(
    tx: Effects, cfg: BotSettings, message: Mapping[str, Any], update_id: int
) -> None:
    sender = sender_of(message)
    if sender is None or sender.get("is_bot"):
        return
    admin_chat_id = message["chat"]["id"]
    topic_id = message["message_thread_id"]
    conv = await conversations.by_topic(tx.conn, admin_chat_id, topic_id)
    if conv is None:
        return  # a topic the bot did not create for a user
    kind = message_kind(message)
    if kind is None:
        await _service(tx, conv, message)
        return
    user = await users.get(tx.conn, conv.user_id)
    assert user is not None
    text = text_of(message)
    common = dict(
        user_id=user.id, conversation_id=conv.id, update_id=update_id, admin_chat_id=admin_chat_id,
        admin_message_id=message["message_id"], kind=kind, text=text, operator_id=sender["id"],
    )
    if text is not None and cfg.note_prefix and text.startswith(cfg.note_prefix):
        await messages.add_from_operator(tx.conn, direction=Direction.NOTE,
                                         status=messages.Status.RELAYED, **common)
        return
    if user.is_banned or user.blocked_bot_at is not None:
        stored = await messages.add_from_operator(tx.conn, direction=Direction.OUT,
                                                  status=messages.Status.REFUSED, **common)
        if stored is not None:
            reason = "this user is banned" if user.is_banned else "the user blocked the bot"
            await tx.send("sendMessage", admin_chat_id, text=texts.not_delivered_notice(reason),
                          message_thread_id=topic_id, reply_to_message_id=message["message_id"],
                          parse_mode=texts.PARSE_MODE)
        return
    stored = await messages.add_from_operator(tx.conn, direction=Direction.OUT,
                                              status=messages.Status.QUEUED, **common)
    if stored is None:
        return
    await conversations.operator_wrote(tx.conn, conv.id)
    params: dict[str, Any] = {}
    target = await messages.user_copy_of(tx.conn, admin_chat_id, message.get("reply_to_message"))
    if target is not None:
        params["reply_to_message_id"] = target
    if cfg.reply_signature and kind == "text" and text:
        # Signed: the bot says the text again with the operator's name under it (a
        # copy cannot be changed); media stay copies, as the business.
        signature = await messages.operator_signature(tx.conn, sender["id"]) or sender.get("first_name")
        if signature:
            params["signed_html"] = (f"{to_html(text, message.get('entities') or ())}\n\n"
                                     f"— {escape(str(signature), quote=False)}")
    await tx.send("relayToUser", user.telegram_id, admin_chat_id=admin_chat_id, topic_id=topic_id,
                  admin_message_ids=[message["message_id"]], message_row_ids=[stored], **params)
