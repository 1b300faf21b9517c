"""A text message sent with a random id of the caller's choosing.

Pyrogram's ``send_message`` picks a random id of its own on every call, so
Telegram cannot tell a retry from a new message. A send that may be retried
after a crash (a campaign's gift notice) keeps one random id for all its
tries: this builds the raw ``messages.SendMessage`` with it, the text and
its entities parsed as ``send_message`` parses them.
"""

from __future__ import annotations

from typing import Any, cast

from pyrogram import Client, enums, utils
from pyrogram.raw.functions.messages.send_message import SendMessage
from pyrogram.raw.types.input_reply_to_message import InputReplyToMessage


async def request(
    client: Client, peer: Any, text: str, mode: enums.ParseMode | None, markup: Any, random_id: int, *,
    thread_id: int | None, reply_to_message_id: int | None, paid: bool,
) -> SendMessage:
    parsed = await utils.parse_text_entities(client, text, mode, None)
    replied = reply_to_message_id or thread_id
    return SendMessage(
        peer=peer, message=cast(str, parsed["message"]), random_id=random_id,
        entities=cast(list[Any], parsed["entities"]) or None,
        reply_to=InputReplyToMessage(reply_to_msg_id=replied, top_msg_id=thread_id) if replied else None,
        reply_markup=markup, allow_paid_floodskip=paid or None,
    )
