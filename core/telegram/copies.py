"""Copying a message with buttons, as the Bot API's ``copyMessage`` does with a ``reply_markup``.

MTProto's ``messages.forwardMessages`` (``drop_author``) copies messages in one
call but carries no keyboard. A copy with buttons is sent anew instead: the
source message is fetched once (``messages.getMessages``, or
``channels.getMessages`` in a supergroup), and its text and entities, or its
photo or document by id, go out with the keyboard in one ``messages.sendMessage``
or ``messages.sendMedia`` per recipient. A broadcast copies one message to
everyone, so the sources fetched are kept per process (:class:`Sources`).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from pyrogram import Client

# Imported from their own modules: pyrogram.raw's packages do not re-export them.
from pyrogram.raw.functions.channels.get_messages import GetMessages as GetChannelMessages
from pyrogram.raw.functions.messages.get_messages import GetMessages
from pyrogram.raw.functions.messages.send_media import SendMedia
from pyrogram.raw.functions.messages.send_message import SendMessage
from pyrogram.raw.types.input_channel import InputChannel
from pyrogram.raw.types.input_document import InputDocument
from pyrogram.raw.types.input_media_document import InputMediaDocument
from pyrogram.raw.types.input_media_photo import InputMediaPhoto
from pyrogram.raw.types.input_message_id import InputMessageID
from pyrogram.raw.types.input_peer_channel import InputPeerChannel
from pyrogram.raw.types.input_photo import InputPhoto
from pyrogram.raw.types.input_reply_to_message import InputReplyToMessage
from pyrogram.raw.types.message import Message
from pyrogram.raw.types.message_media_document import MessageMediaDocument
from pyrogram.raw.types.message_media_photo import MessageMediaPhoto
from pyrogram.raw.types.message_media_web_page import MessageMediaWebPage

from core.platform.errors import TelegramRejected

#: Sources kept per process: a few campaigns' messages.
KEPT_SOURCES = 64


class Sources:
    """Messages fetched to be copied, by (chat, message id); the oldest are forgotten."""

    def __init__(self, size: int = KEPT_SOURCES) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[int, int], Any] = OrderedDict()

    def get(self, chat_id: int, message_id: int) -> Any | None:
        found = self._kept.get((chat_id, message_id))
        if found is not None:
            self._kept.move_to_end((chat_id, message_id))
        return found

    def keep(self, chat_id: int, message_id: int, message: Any) -> None:
        self._kept[(chat_id, message_id)] = message
        self._kept.move_to_end((chat_id, message_id))
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def forget(self, chat_id: int, message_id: int) -> None:
        """A file reference in it expired: the next copy fetches it again."""
        self._kept.pop((chat_id, message_id), None)


async def fetch(client: Client, peer: Any, message_id: int) -> Any:
    """The raw message ``message_id`` of the chat ``peer`` (an input peer)."""
    wanted = [InputMessageID(id=message_id)]
    if isinstance(peer, InputPeerChannel):
        channel = InputChannel(channel_id=peer.channel_id, access_hash=peer.access_hash)
        answer = await client.invoke(GetChannelMessages(channel=channel, id=wanted))
    else:
        # A bot's private chats and basic groups share one numbering: no chat is named.
        answer = await client.invoke(GetMessages(id=wanted))
    for message in getattr(answer, "messages", []):
        if isinstance(message, Message) and message.id == message_id:
            return message
    raise TelegramRejected(f"message {message_id} to copy is gone (deleted, or never seen by the bot)")


def _media(media: Any) -> Any | None:
    """The input media that sends ``media`` again by id; None for a text message
    (with or without its link's preview, which Telegram makes again)."""
    if media is None or isinstance(media, MessageMediaWebPage):
        return None
    if isinstance(media, MessageMediaPhoto) and media.photo is not None:
        photo = media.photo
        return InputMediaPhoto(id=InputPhoto(id=photo.id, access_hash=photo.access_hash,
                                             file_reference=photo.file_reference))
    if isinstance(media, MessageMediaDocument) and media.document is not None:
        doc = media.document
        return InputMediaDocument(id=InputDocument(id=doc.id, access_hash=doc.access_hash,
                                                   file_reference=doc.file_reference))
    # Locations, contacts, polls...: Telegram lets bots copy them, but not with buttons
    # through this path; the campaign refuses them before it gets here.
    raise TelegramRejected(f"cannot add buttons to a copy of {type(media).__name__}")


def resend(
    source: Any, to_peer: Any, markup: Any, random_id: int, *, paid: bool, top_msg_id: int | None = None,
) -> Any:
    """The request that sends ``source`` anew to ``to_peer`` with the raw keyboard ``markup``."""
    media = _media(source.media)
    reply_to = None
    if top_msg_id is not None:
        reply_to = InputReplyToMessage(reply_to_msg_id=top_msg_id, top_msg_id=top_msg_id)
    if media is None:
        return SendMessage(peer=to_peer, message=source.message, random_id=random_id,
                           entities=source.entities or None, reply_markup=markup, reply_to=reply_to,
                           allow_paid_floodskip=paid or None)
    return SendMedia(peer=to_peer, media=media, message=source.message or "", random_id=random_id,
                     entities=source.entities or None, reply_markup=markup, reply_to=reply_to,
                     allow_paid_floodskip=paid or None)
