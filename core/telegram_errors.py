"""Pyrogram's exceptions translated into the product's Telegram errors, in one place.

Callers decide on the *kind* of failure (wait, retry, give up on the
recipient, give up on the topic) and never see Pyrogram. Order matters in
:func:`translate`: specific errors first, then whole HTTP-like categories.
"""

from __future__ import annotations

from pyrogram import errors as pe
from pyrogram.errors.rpc_error import RPCError

from core.errors import (
    FloodWait,
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

    - ``MESSAGE_NOT_MODIFIED`` and ``TOPIC_NOT_MODIFIED`` become TelegramRejected,
      a permanent error that is harmless to drop; the gateway already treats
      them as success where the desired state is reached (edits, topic changes).
    - 401 errors (``USER_DEACTIVATED``, ``USER_DEACTIVATED_BAN``, ``AUTH_KEY_*``,
      ``SESSION_REVOKED``) are about the bot's *own* account, not the
      recipient: marking users unreachable because our token was revoked would
      corrupt data, so they are TelegramUnavailable and the outbox keeps the work.
    - MTProto has no "chat migrated" error (the Bot API derives
      ``migrate_to_chat_id`` itself), so nothing here produces ChatMigrated;
      the admin group is a forum supergroup, which cannot migrate again.
    """
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
