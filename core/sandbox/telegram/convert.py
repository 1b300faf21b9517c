"""The fake's rows as MTProto objects: peers, users, channels, messages, updates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.sandbox.telegram import entities, markup, media
from core.sandbox.telegram.rows import Chat, ChatType, Message, Refused, stable_id
from core.sandbox.telegram.tl import raw

#: Bot API supergroup ids are this minus the MTProto channel id.
ZERO_CHANNEL_ID = -1_000_000_000_000
#: Bot API basic group ids are minus the MTProto chat id, which stays below this.
MAX_BASIC_GROUP_ID = 999_999_999_999
BOT_NAME = "Paid Desk Sandbox"
BOT_USERNAME = "paid_desk_sandbox_bot"


def channel_id(chat_id: int) -> int:
    return ZERO_CHANNEL_ID - chat_id


def is_basic_group(chat_id: int) -> bool:
    """Whether a Bot API id names a basic group (``-42``) rather than a supergroup (``-100...``)."""
    return -MAX_BASIC_GROUP_ID <= chat_id < 0


def chat_id_of(peer: Any, bot_id: int) -> int:
    """The Bot API chat id an MTProto peer (input or not) stands for."""
    if isinstance(peer, raw.types.InputPeerSelf | raw.types.InputUserSelf):
        return bot_id
    if isinstance(peer, raw.types.InputPeerUser | raw.types.InputUser | raw.types.PeerUser):
        return int(peer.user_id)
    if isinstance(peer, raw.types.InputPeerChannel | raw.types.InputChannel | raw.types.PeerChannel):
        return ZERO_CHANNEL_ID - int(peer.channel_id)
    if isinstance(peer, raw.types.InputPeerChat | raw.types.PeerChat):
        return -int(peer.chat_id)
    # Channels from messages and the rest are not modelled.
    raise Refused("PEER_ID_INVALID")


def peer(chat_id: int) -> Any:
    if chat_id > 0:
        return raw.types.PeerUser(user_id=chat_id)
    if is_basic_group(chat_id):
        return raw.types.PeerChat(chat_id=-chat_id)
    return raw.types.PeerChannel(channel_id=channel_id(chat_id))


def bot_user(bot_id: int) -> Any:
    return raw.types.User(
        id=bot_id, is_self=True, bot=True, access_hash=stable_id("user", bot_id),
        first_name=BOT_NAME, username=BOT_USERNAME, bot_info_version=1,
    )


def user(chat: Chat) -> Any:
    return raw.types.User(
        id=chat.id, access_hash=stable_id("user", chat.id), first_name=chat.first_name or "",
        last_name=chat.last_name, username=chat.username, deleted=chat.deactivated or None,
    )


def channel(chat: Chat) -> Any:
    return raw.types.Channel(
        id=channel_id(chat.id), access_hash=stable_id("channel", chat.id),
        title=chat.title or "", photo=raw.types.ChatPhotoEmpty(), date=0, megagroup=True,
        forum=chat.is_forum or None,
    )


def basic_group(chat: Chat) -> Any:
    """A basic group; once upgraded it is deactivated and names its supergroup."""
    moved = chat.migrated_to
    return raw.types.Chat(
        id=-chat.id, title=chat.title or "", photo=raw.types.ChatPhotoEmpty(),
        participants_count=1, date=0, version=1, deactivated=moved is not None or None,
        migrated_to=None if moved is None else raw.types.InputChannel(
            channel_id=channel_id(moved), access_hash=stable_id("channel", moved)),
    )


def users_and_channels(chats: Iterable[Chat], bot_id: int) -> tuple[list[Any], list[Any]]:
    """What Telegram sends along with messages so the client knows every peer in them:
    users, and the groups (supergroups as channels, as MTProto has them)."""
    users, channels = [bot_user(bot_id)], []
    for chat in chats:
        if chat.type is ChatType.PRIVATE:
            users.append(user(chat))
        elif chat.type is ChatType.GROUP:
            channels.append(basic_group(chat))
        else:
            channels.append(channel(chat))
    return users, channels


def _date(message: Message) -> int:
    return int(message.created_at.timestamp())


def _reply_header(message: Message) -> Any:
    thread, reply_to = message.thread_id, message.reply_to_message_id
    if thread is not None and thread != message.message_id:
        return raw.types.MessageReplyHeader(
            forum_topic=True,
            reply_to_msg_id=reply_to or thread,
            reply_to_top_id=thread if reply_to and reply_to != thread else None,
        )
    if reply_to is not None:
        return raw.types.MessageReplyHeader(reply_to_msg_id=reply_to)
    return None


def _action(extra: Mapping[str, Any]) -> Any:
    if "forum_topic_created" in extra:
        created = extra["forum_topic_created"]
        return raw.types.MessageActionTopicCreate(
            title=created["name"], icon_color=created.get("icon_color", 0)
        )
    edited = extra.get("forum_topic_edited") or {}
    closed = True if "forum_topic_closed" in extra else False if "forum_topic_reopened" in extra else None
    if edited or closed is not None:
        return raw.types.MessageActionTopicEdit(title=edited.get("name"), closed=closed)
    if "migrate_to_chat_id" in extra:
        return raw.types.MessageActionChatMigrateTo(channel_id=channel_id(extra["migrate_to_chat_id"]))
    if "migrate_from_chat_id" in extra:
        return raw.types.MessageActionChannelMigrateFrom(
            title="", chat_id=-int(extra["migrate_from_chat_id"]))
    return raw.types.MessageActionEmpty()


def _forward_header(extra: Mapping[str, Any]) -> Any:
    origin = extra.get("forward_origin")
    if not origin:
        return None
    sender = origin.get("sender_user_id")
    return raw.types.MessageFwdHeader(
        date=origin["date"], from_id=peer(sender if sender is not None else origin["chat_id"])
    )


def _group(media_group_id: str | None) -> int | None:
    if media_group_id is None:
        return None
    return int(media_group_id) if media_group_id.isdecimal() else stable_id(media_group_id)


def message(m: Message, bot_id: int) -> Any:
    """The MTProto message Telegram would send for a stored one."""
    from_id = raw.types.PeerUser(user_id=m.sender_id) if m.sender_id is not None else None
    out = m.from_bot or None
    if m.kind == "service":
        return raw.types.MessageService(
            id=m.message_id, peer_id=peer(m.chat_id), date=_date(m), action=_action(m.extra),
            out=out, from_id=from_id, reply_to=_reply_header(m),
        )
    return raw.types.Message(
        id=m.message_id,
        peer_id=peer(m.chat_id),
        date=_date(m),
        message=m.text or "",
        out=out,
        from_id=from_id,
        fwd_from=_forward_header(m.extra),
        reply_to=_reply_header(m),
        media=media.to_raw(m.kind, m.extra, _date(m)),
        reply_markup=markup.to_raw(m.reply_markup),
        entities=entities.to_raw(m.entities),
        edit_date=int(m.edited_at.timestamp()) if m.edited_at else None,
        grouped_id=_group(m.media_group_id),
    )


def updates(
    sent: Sequence[Message],
    chats: Iterable[Chat],
    bot_id: int,
    *,
    random_ids: Sequence[int] = (),
    edited: bool = False,
) -> Any:
    """The ``Updates`` Telegram answers a send with: each new id paired with its random id."""
    items: list[Any] = [
        raw.types.UpdateMessageID(id=m.message_id, random_id=r)
        for m, r in zip(sent, random_ids, strict=False)
    ]
    for m in sent:
        body = message(m, bot_id)
        if m.chat_id > 0 or is_basic_group(m.chat_id):
            kind = raw.types.UpdateEditMessage if edited else raw.types.UpdateNewMessage
        else:
            kind = raw.types.UpdateEditChannelMessage if edited else raw.types.UpdateNewChannelMessage
        items.append(kind(message=body, pts=m.message_id, pts_count=1))
    users, channels = users_and_channels(chats, bot_id)
    date = max((_date(m) for m in sent), default=0)
    return raw.types.Updates(updates=items, users=users, chats=channels, date=date, seq=0)
