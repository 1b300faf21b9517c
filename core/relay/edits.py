"""Edits follow the message across the relay: the copy is edited where
Telegram allows (text), otherwise a note quoting the new text is added."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.accounts import language
from core.accounts.users import User
from core.delivery.effects import Effects
from core.platform.sql import q
from core.relay import conversations, messages, texts
from core.telegram.updates import text_of


async def on_user_edit(tx: Effects, user: User, message: Mapping[str, Any]) -> None:
    row = await tx.conn.fetchrow(q("edits_message_in_by_user_message"), user.id, message["message_id"])
    if row is None:
        return
    text = text_of(message)
    await messages.set_text(tx.conn, row["id"], text)
    if row["admin_message_id"] is None:
        return  # not relayed yet: the copy will carry the edited content
    if row["kind"] == "text" and text:
        await tx.send("editMessageText", row["admin_chat_id"], message_id=row["admin_message_id"],
                      text=text)
        return
    conv = await conversations.of_user(tx.conn, user.id)
    await tx.send("sendMessage", row["admin_chat_id"], text=texts.user_edited(text),
                  parse_mode=texts.PARSE_MODE, reply_to_message_id=row["admin_message_id"],
                  message_thread_id=conv.topic_id if conv else None)


async def on_operator_edit(tx: Effects, message: Mapping[str, Any]) -> None:
    row = await tx.conn.fetchrow(q("edits_message_out_by_admin_message"), message["chat"]["id"],
                                 message["message_id"])
    if row is None or row["user_message_id"] is None:
        return
    text = text_of(message)
    await messages.set_text(tx.conn, row["id"], text)
    if row["kind"] == "text" and text:
        await tx.send("editMessageText", row["telegram_id"], message_id=row["user_message_id"], text=text)
        return
    lang = await language.of_telegram_id(tx.conn, row["telegram_id"])
    await tx.send("sendMessage", row["telegram_id"], text=texts.operator_edited(text, lang=lang),
                  parse_mode=texts.PARSE_MODE, reply_to_message_id=row["user_message_id"])
