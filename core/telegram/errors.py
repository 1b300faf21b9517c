"""Pyrogram's exceptions translated into the product's Telegram errors, in one place.

Callers decide on the *kind* of failure (wait, retry, give up on the
recipient, give up on the topic) and never see Pyrogram. Order matters in
:func:`translate`: specific errors first, then whole HTTP-like categories.
"""

from __future__ import annotations

from typing import Any, Final

from pyrogram import errors as pe
from pyrogram.errors.rpc_error import RPCError

from core.platform.errors import (
    AlreadySent,
    ChatMigrated,
    FloodWait,
    QueryGone,
    RecipientUnavailable,
    TelegramError,
    TelegramRejected,
    TelegramUnavailable,
    TopicGone,
)

#: What the gateway translates. Anything else (AttributeError, KeyError...) is a
#: bug in our code and must surface as itself, not as a refusal from Telegram.
#: ValueError is here because Pyrogram raises it for requests it will not build
#: (an empty file, an invalid button style): the request is refused before sending.
TRANSLATED: tuple[type[BaseException], ...] = (
    RPCError,
    pe.BadMsgNotification,
    pe.SecurityError,
    OSError,  # includes ConnectionError("Client has not been started yet")
    TimeoutError,  # Pyrogram's "Failed to invoke ... after N retries", and request timeouts
    ValueError,
)

# The recipient is gone for us: blocked the bot, deleted the account, or the
# bot cannot write to (or no longer sees) the chat.
_RECIPIENT: tuple[type[BaseException], ...] = (
    pe.UserIsBlocked,
    pe.InputUserDeactivated,
    pe.PeerIdInvalid,
    pe.ChatWriteForbidden,
    pe.ChannelPrivate,
    pe.ChannelInvalid,
    pe.UserKicked,
    pe.UserBannedInChannel,
    pe.ChatRestricted,
    pe.ChatGuestSendForbidden,
)

_TOPIC: tuple[type[BaseException], ...] = (pe.TopicDeleted, pe.TopicClosed, pe.TopicIdInvalid)

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    pe.InternalServerError,
    pe.ServiceUnavailable,
    # 303: Pyrogram is pointed at another data center. Its value is a DC id, not a
    # chat id, so it is a connection problem and never a ChatMigrated.
    pe.SeeOther,
    pe.BadMsgNotification,
    pe.SecurityError,
    OSError,
    TimeoutError,
)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def translate(exc: Exception) -> TelegramError:
    """The product's error for a Pyrogram (or transport) exception; raise it ``from exc``.

    Notes on choices that are not obvious:

    - ``RANDOM_ID_DUPLICATE`` (a 400, and a 500 in some of Telegram's answers) is
      AlreadySent, whatever its code: the send it repeats went through.
    - ``MESSAGE_NOT_MODIFIED`` and ``TOPIC_NOT_MODIFIED`` become TelegramRejected,
      a permanent error that is harmless to drop; the gateway already treats
      them as success where the desired state is reached (edits, topic changes).
    - 401 errors (``USER_DEACTIVATED``, ``USER_DEACTIVATED_BAN``, ``AUTH_KEY_*``,
      ``SESSION_REVOKED``) are about the bot's *own* account, not the
      recipient: marking users unreachable because our token was revoked would
      corrupt data, so they are TelegramUnavailable and the outbox keeps the work.
    - MTProto has no "chat migrated" error (the Bot API derives
      ``migrate_to_chat_id`` itself): a send to a basic group that became a
      supergroup fails like a send to any chat the bot cannot write to. The
      gateway tells the two apart (:func:`may_be_migrated`, then
      :func:`migrated` on the looked-up chat) and raises ChatMigrated.
    """
    if isinstance(exc, pe.RandomIdDuplicate):
        # A send tried again with the random id of a try that reached Telegram (a
        # worker died before recording it): the message went out, once.
        return AlreadySent(_describe(exc))
    if isinstance(exc, pe.QueryIdInvalid):
        return QueryGone(_describe(exc))
    if isinstance(exc, pe.Flood):
        # FLOOD_WAIT_X, SLOWMODE_WAIT_X, FLOOD_PREMIUM_WAIT_X: the value is seconds.
        if isinstance(exc.value, int):
            return FloodWait(exc.value, f"Telegram asked to wait {exc.value} s ({exc.ID})")
        return TelegramUnavailable(_describe(exc))
    if isinstance(exc, _TOPIC):
        return TopicGone(_describe(exc))
    if isinstance(exc, pe.MessageNotModified | pe.TopicNotModified):
        return TelegramRejected(_describe(exc))
    if isinstance(exc, _RECIPIENT):
        return RecipientUnavailable(_describe(exc))
    if isinstance(exc, pe.Unauthorized):
        return TelegramUnavailable(f"the bot's own authorization failed, check BOT_TOKEN: {exc}")
    if isinstance(exc, _UNAVAILABLE):
        return TelegramUnavailable(_describe(exc))
    if isinstance(exc, pe.Forbidden):
        # Every other 403 means the same to us: this chat cannot be written to.
        return RecipientUnavailable(_describe(exc))
    if isinstance(exc, RPCError) and isinstance(exc.CODE, int) and exc.CODE >= 500:
        # Codes Pyrogram does not know (UnknownError is 520) are server trouble too.
        return TelegramUnavailable(_describe(exc))
    # Other 400s and 406s, and requests Pyrogram refused to build (ValueError).
    return TelegramRejected(_describe(exc))


#: Bot API supergroup ids are this minus the MTProto channel id.
_ZERO_CHANNEL_ID: Final = -1_000_000_000_000
#: Bot API basic group ids are minus the MTProto chat id, which stays below this.
_MAX_BASIC_GROUP_ID: Final = 999_999_999_999

# How Telegram refuses a send to a deactivated (upgraded) basic group. Its exact
# answer is not documented, so every "cannot write to this chat" is looked into.
_MIGRATION_HINTS: tuple[type[BaseException], ...] = (
    pe.ChatIdInvalid,
    pe.PeerIdInvalid,
    pe.ChatWriteForbidden,
    pe.Forbidden,  # CHAT_FORBIDDEN, CHAT_WRITE_FORBIDDEN (403) and the rest
)


def is_basic_group(chat_id: int) -> bool:
    """Whether a Bot API id names a basic group (``-42``), the only kind of chat that migrates."""
    return -_MAX_BASIC_GROUP_ID <= chat_id < 0


def may_be_migrated(chat_id: int, exc: BaseException) -> bool:
    """Whether a failed send to ``chat_id`` is worth asking Telegram if the group was upgraded."""
    return is_basic_group(chat_id) and isinstance(exc, _MIGRATION_HINTS)


def migrated(chat: Any) -> ChatMigrated | None:
    """ChatMigrated for an MTProto basic group (``messages.getChats``) that became a
    supergroup (its ``migrated_to``), None for any other chat."""
    channel = getattr(chat, "migrated_to", None)
    channel_id = getattr(channel, "channel_id", None)
    if not isinstance(channel_id, int) or isinstance(channel_id, bool):
        return None
    return ChatMigrated(_ZERO_CHANNEL_ID - channel_id)
