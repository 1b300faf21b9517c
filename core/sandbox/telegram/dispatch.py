"""The fake Telegram's answers to raw MTProto functions, one handler per function."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from core.sandbox.telegram import commands, convert, entities, markup, media
from core.sandbox.telegram.model import TelegramModel
from core.sandbox.telegram.rows import DEFAULT_ICON_COLOR, ChatType, Content, Message, Refused
from core.sandbox.telegram.tl import raw


@dataclass
class Call:
    """What a handler may use: the shared model, and this client's uploaded files."""

    model: TelegramModel
    #: Uploaded file id -> bytes received; uploads stay with the client that made them.
    uploads: MutableMapping[int, int]
    #: Photo or document id -> (kind, extra) of the messages fetched by this client:
    #: what a later messages.sendMedia naming that media by id sends again.
    fetched: MutableMapping[int, tuple[str, Any]] = field(default_factory=dict)


Handler = Callable[[Call, Any], Awaitable[Any]]
HANDLERS: dict[type, Handler] = {}

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def handles(function: type) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[function] = handler
        return handler

    return register


def target_chat(query: Any, bot_id: int) -> int | None:
    """The chat a call is about, to match injected faults; None for chat-less calls."""
    for name in ("to_peer", "peer", "channel"):
        peer = getattr(query, name, None)
        if peer is not None:
            try:
                return convert.chat_id_of(peer, bot_id)
            except Refused:
                return None
    return None


def _reply(reply_to: Any) -> tuple[int | None, int | None]:
    """(replied message id, topic id) of an InputReplyTo."""
    if isinstance(reply_to, raw.types.InputReplyToMessage):
        return reply_to.reply_to_msg_id, reply_to.top_msg_id
    return None, None


async def _answer_sent(call: Call, sent: list[Message], random_ids: list[int]) -> Any:
    chats = await call.model.chats({m.chat_id for m in sent})
    return convert.updates(sent, chats.values(), call.model.bot_id, random_ids=random_ids)


@handles(raw.functions.messages.SendMessage)
async def send_message(call: Call, q: Any) -> Any:
    chat_id = convert.chat_id_of(q.peer, call.model.bot_id)
    reply_to, top = _reply(q.reply_to)
    content = Content(
        kind="text", text=q.message, entities=entities.to_bot_api(q.entities),
        reply_markup=markup.to_bot_api(q.reply_markup),
    )
    m = await call.model.send(
        chat_id, content, reply_to=reply_to, top_msg_id=top, paid=bool(q.allow_paid_floodskip),
        random_ids=[q.random_id],
    )
    if chat_id > 0:
        # What Telegram answers a private send with: the id, not the message.
        return raw.types.UpdateShortSentMessage(
            id=m.message_id, pts=m.message_id, pts_count=1, date=int(m.created_at.timestamp()),
            out=True, entities=q.entities or None,
        )
    return await _answer_sent(call, [m], [q.random_id])


async def _cached(call: Call, input_media: Any) -> tuple[str, dict[str, Any]]:
    """A file sent again by its id: the file the id's reference names."""
    found = await call.model.cached_media(media.unique_id_of(input_media.id.file_reference))
    if found is None:
        raise Refused("MEDIA_EMPTY")
    return found


@handles(raw.functions.messages.SendMedia)
async def send_media(call: Call, q: Any) -> Any:
    chat_id = convert.chat_id_of(q.peer, call.model.bot_id)
    reply_to, top = _reply(q.reply_to)
    if isinstance(q.media, raw.types.InputMediaInvoice):
        kind, extra = media.invoice_content(q.media)
    elif isinstance(q.media, raw.types.InputMediaUploadedPhoto | raw.types.InputMediaUploadedDocument):
        kind, extra = media.uploaded_content(q.media, call.uploads)
    elif isinstance(q.media, raw.types.InputMediaPhoto | raw.types.InputMediaDocument):
        # Sent again by id: a copy with buttons names a file of a message this client
        # fetched; a quick reply's file is found by its reference.
        known = call.fetched.get(q.media.id.id)
        kind, extra = known if known is not None else await _cached(call, q.media)
    else:
        raise NotImplementedError(f"the fake Telegram does not model {q.media.QUALNAME}")
    content = Content(
        kind=kind, text=q.message or None, entities=entities.to_bot_api(q.entities),
        reply_markup=markup.to_bot_api(q.reply_markup), extra=extra,
    )
    m = await call.model.send(
        chat_id, content, reply_to=reply_to, top_msg_id=top, paid=bool(q.allow_paid_floodskip),
        random_ids=[q.random_id],
    )
    if isinstance(q.media, raw.types.InputMediaUploadedPhoto | raw.types.InputMediaUploadedDocument):
        call.uploads.pop(q.media.file.id, None)  # sent: its parts are no longer needed
    return await _answer_sent(call, [m], [q.random_id])


@handles(raw.functions.messages.EditMessage)
async def edit_message(call: Call, q: Any) -> Any:
    if q.media is not None:
        raise NotImplementedError("the fake Telegram does not model editing media")
    chat_id = convert.chat_id_of(q.peer, call.model.bot_id)
    m = await call.model.edit(
        chat_id, q.id, text=q.message, entities=entities.to_bot_api(q.entities),
        reply_markup=markup.to_bot_api(q.reply_markup),
    )
    chats = await call.model.chats([chat_id])
    return convert.updates([m], chats.values(), call.model.bot_id, edited=True)


@handles(raw.functions.messages.ForwardMessages)
async def forward_messages(call: Call, q: Any) -> Any:
    bot_id = call.model.bot_id
    replied, _ = _reply(q.reply_to)
    pairs = await call.model.forward(
        convert.chat_id_of(q.from_peer, bot_id), q.id, convert.chat_id_of(q.to_peer, bot_id),
        top_msg_id=q.top_msg_id, copy=bool(q.drop_author), paid=bool(q.allow_paid_floodskip),
        reply_to=replied, random_ids=q.random_id,
    )
    # Telegram pairs each new message with the random id sent for its source.
    random_by_source = dict(zip(q.id, q.random_id, strict=True))
    return await _answer_sent(call, [m for _, m in pairs], [random_by_source[s] for s, _ in pairs])


@handles(raw.functions.messages.SetBotCallbackAnswer)
async def set_bot_callback_answer(call: Call, q: Any) -> bool:
    await call.model.answer_query(
        "callback_query", str(q.query_id), ok=True, text=q.message, show_alert=bool(q.alert)
    )
    return True


def _inline_result(result: Any) -> dict[str, Any]:
    """An inline result as the Bot API's InlineQueryResultArticle."""
    message = result.send_message
    if not isinstance(result, raw.types.InputBotInlineResult) or not isinstance(
            message, raw.types.InputBotInlineMessageText):
        raise NotImplementedError("the fake Telegram models text articles only")
    return {"type": "article", "id": result.id, "title": result.title,
            "description": result.description,
            "input_message_content": {"message_text": message.message,
                                      "entities": entities.to_bot_api(message.entities)}}


@handles(raw.functions.messages.SetInlineBotResults)
async def set_inline_bot_results(call: Call, q: Any) -> bool:
    if len(q.results) > 50:
        raise Refused("RESULTS_TOO_MUCH")
    if len({r.id for r in q.results}) != len(q.results):
        raise Refused("RESULT_ID_DUPLICATE")
    await call.model.answer_query("inline_query", str(q.query_id), ok=True,
                                  results=[_inline_result(r) for r in q.results])
    return True


@handles(raw.functions.upload.GetFile)
async def get_file(call: Call, q: Any) -> Any:
    location = q.location
    if not isinstance(location, raw.types.InputDocumentFileLocation | raw.types.InputPhotoFileLocation):
        raise NotImplementedError(f"the fake Telegram does not model {location.QUALNAME}")
    part = await call.model.file_part(media.unique_id_of(location.file_reference), q.offset, q.limit)
    if part is None:
        raise Refused("FILE_ID_INVALID")
    return raw.types.upload.File(type=raw.types.storage.FileUnknown(), mtime=int(time.time()), bytes=part)


@handles(raw.functions.messages.SetBotPrecheckoutResults)
async def set_bot_precheckout_results(call: Call, q: Any) -> bool:
    if not q.success and not q.error:
        raise Refused("ERROR_TEXT_EMPTY")
    await call.model.answer_query(
        "pre_checkout_query", str(q.query_id), ok=bool(q.success), text=q.error or None
    )
    return True


@handles(raw.functions.messages.CreateForumTopic)
async def create_forum_topic(call: Call, q: Any) -> Any:
    chat_id = convert.chat_id_of(q.peer, call.model.bot_id)
    m = await call.model.create_topic(chat_id, q.title, q.icon_color or DEFAULT_ICON_COLOR)
    return await _answer_sent(call, [m], [q.random_id])


@handles(raw.functions.messages.EditForumTopic)
async def edit_forum_topic(call: Call, q: Any) -> Any:
    chat_id = convert.chat_id_of(q.peer, call.model.bot_id)
    # title and closed are optional on the wire: None leaves that part of the topic alone.
    m = await call.model.edit_topic(chat_id, q.topic_id, name=q.title, closed=q.closed)
    return await _answer_sent(call, [m], [])


@handles(raw.functions.messages.DeleteTopicHistory)
async def delete_topic_history(call: Call, q: Any) -> Any:
    chat_id = convert.chat_id_of(q.peer, call.model.bot_id)
    await call.model.delete_topic(chat_id, q.top_msg_id)
    return raw.types.messages.AffectedHistory(pts=0, pts_count=0, offset=0)


@handles(raw.functions.users.GetUsers)
async def get_users(call: Call, q: Any) -> list[Any]:
    bot_id = call.model.bot_id
    ids = [convert.chat_id_of(i, bot_id) for i in q.id]
    chats = await call.model.chats([i for i in ids if i != bot_id])
    found = []
    for i in ids:
        if i == bot_id:
            found.append(convert.bot_user(bot_id))
        elif i in chats and chats[i].type is ChatType.PRIVATE:
            found.append(convert.user(chats[i]))
    return found


@handles(raw.functions.channels.GetChannels)
async def get_channels(call: Call, q: Any) -> Any:
    chats = await call.model.chats([convert.chat_id_of(i, call.model.bot_id) for i in q.id])
    channels = [convert.channel(c) for c in chats.values() if c.type is ChatType.SUPERGROUP]
    return raw.types.messages.Chats(chats=channels)


@handles(raw.functions.messages.GetChats)
async def get_chats(call: Call, q: Any) -> Any:
    # Basic groups by their MTProto id; an upgraded one says which supergroup it became.
    chats = await call.model.chats([-int(i) for i in q.id])
    groups = [convert.basic_group(c) for c in chats.values() if c.type is ChatType.GROUP]
    return raw.types.messages.Chats(chats=groups)


def _wanted(ids: list[Any]) -> list[int]:
    # Only plain ids are modelled; "the message this one replies to" and the like find nothing.
    return [i.id if isinstance(i, raw.types.InputMessageID) else 0 for i in ids]


def _found(call: Call, wanted: list[int], found: list[Message | None], bot_id: int) -> list[Any]:
    for m in found:
        known = media.media_id(m.kind, m.extra) if m is not None else None
        if m is not None and known is not None:
            call.fetched[known] = (m.kind, m.extra)
    return [
        convert.message(m, bot_id) if m else raw.types.MessageEmpty(id=i)
        for i, m in zip(wanted, found, strict=True)
    ]


@handles(raw.functions.channels.GetMessages)
async def get_channel_messages(call: Call, q: Any) -> Any:
    bot_id = call.model.bot_id
    chat_id = convert.chat_id_of(q.channel, bot_id)
    wanted = _wanted(q.id)
    found = await call.model.get_messages(chat_id, wanted)
    users, channels = convert.users_and_channels(
        (await call.model.chats([chat_id])).values(), bot_id
    )
    return raw.types.messages.ChannelMessages(
        pts=0, count=sum(m is not None for m in found), messages=_found(call, wanted, found, bot_id),
        topics=[], chats=channels, users=users,
    )


@handles(raw.functions.messages.GetMessages)
async def get_messages(call: Call, q: Any) -> Any:
    # messages.getMessages names no chat: Telegram numbers a bot's private messages
    # once across all its chats, the fake per chat. The newest private message with
    # the id stands in; ambiguous only if tests reuse ids across users.
    bot_id = call.model.bot_id
    wanted = _wanted(q.id)
    found = await call.model.get_private_messages(wanted)
    out = _found(call, wanted, found, bot_id)
    chats = await call.model.chats({m.chat_id for m in found if m is not None})
    users, _ = convert.users_and_channels(chats.values(), bot_id)
    return raw.types.messages.Messages(messages=out, topics=[], chats=[], users=users)


@handles(raw.functions.payments.RefundStarsCharge)
async def refund_stars_charge(call: Call, q: Any) -> Any:
    if not isinstance(q.user_id, raw.types.InputUser):
        # The function takes an InputUser; Telegram's parser refuses any other constructor.
        raise Refused("USER_ID_INVALID")
    await call.model.refund_star_charge(q.charge_id, q.user_id.user_id)
    return raw.types.Updates(updates=[], users=[], chats=[], date=int(time.time()), seq=0)


@handles(raw.functions.bots.SetBotCommands)
async def set_bot_commands(call: Call, q: Any) -> bool:
    for command in q.commands:
        if not _COMMAND.fullmatch(command.command):
            raise Refused("BOT_COMMAND_INVALID")
        if not 1 <= len(command.description) <= 256:
            raise Refused("BOT_COMMAND_DESCRIPTION_INVALID")
    await call.model.set_commands(
        commands.scope_of(q.scope, call.model.bot_id), q.lang_code,
        [(c.command, c.description) for c in q.commands],
    )
    return True


@handles(raw.functions.upload.SaveFilePart)
@handles(raw.functions.upload.SaveBigFilePart)
async def save_file_part(call: Call, q: Any) -> bool:
    if not q.bytes:
        raise Refused("FILE_PART_EMPTY")
    call.uploads[q.file_id] = call.uploads.get(q.file_id, 0) + len(q.bytes)
    return True
