from __future__ import annotations

import pytest
from pyrogram import errors as pe
from pyrogram import raw
from pyrogram.errors.rpc_error import RPCError

from core.platform.errors import (
    ChatMigrated,
    FloodWait,
    PermanentError,
    QueryGone,
    RecipientUnavailable,
    RetryableError,
    TelegramError,
    TelegramRejected,
    TelegramUnavailable,
    TopicGone,
)
from core.telegram.errors import TRANSLATED, is_basic_group, may_be_migrated, migrated, translate


def rpc(cls: type[RPCError], value: object = None) -> RPCError:
    """An exception as Pyrogram raises it for Telegram's answer."""
    return cls(value=value, rpc_name="messages.SendMessage")


def test_flood_wait_carries_the_seconds() -> None:
    error = translate(rpc(pe.FloodWait, "42"))
    assert isinstance(error, FloodWait)
    assert isinstance(error, RetryableError)
    assert error.retry_after == 42


def test_slow_mode_is_a_flood_wait_too() -> None:
    error = translate(rpc(pe.SlowmodeWait, "7"))
    assert isinstance(error, FloodWait)
    assert error.retry_after == 7


@pytest.mark.parametrize(
    "cls",
    [
        pe.UserIsBlocked,
        pe.exceptions.forbidden_403.UserIsBlocked403,
        pe.InputUserDeactivated,
        pe.PeerIdInvalid,
        pe.exceptions.not_acceptable_406.PeerIdInvalid406,
        pe.ChatWriteForbidden,
        pe.exceptions.forbidden_403.ChatWriteForbidden403,
        pe.ChannelPrivate,
        pe.UserBannedInChannel,
        pe.Forbidden,  # any other 403
    ],
)
def test_recipient_gone(cls: type[RPCError]) -> None:
    error = translate(rpc(cls))
    assert isinstance(error, RecipientUnavailable)
    assert isinstance(error, PermanentError)


@pytest.mark.parametrize("cls", [pe.TopicDeleted, pe.TopicClosed, pe.TopicIdInvalid])
def test_topic_gone(cls: type[RPCError]) -> None:
    assert isinstance(translate(rpc(cls)), TopicGone)


def test_an_answered_or_expired_query_is_a_rejection_of_its_own() -> None:
    # The delivery tells it apart: on a try after another, the first may have answered it.
    error = translate(rpc(pe.QueryIdInvalid))
    assert isinstance(error, QueryGone)
    assert isinstance(error, TelegramRejected)


def test_message_not_modified_is_a_harmless_rejection() -> None:
    error = translate(rpc(pe.MessageNotModified))
    assert isinstance(error, TelegramRejected)
    assert "MessageNotModified" in str(error)


@pytest.mark.parametrize(
    "exc",
    [
        rpc(pe.InternalServerError, "[500 INTERNAL]"),
        rpc(pe.ServiceUnavailable),
        rpc(pe.exceptions.service_unavailable_503.Timeout503),
        rpc(pe.NetworkMigrate, "4"),  # a data center, never a chat id
        OSError("connection reset"),
        ConnectionError("Client has not been started yet"),
        TimeoutError("Failed to invoke messages.SendMessage after 10 retries"),
    ],
)
def test_transient_failures_are_retryable(exc: Exception) -> None:
    error = translate(exc)
    assert isinstance(error, TelegramUnavailable)
    assert isinstance(error, RetryableError)


@pytest.mark.parametrize("cls", [pe.UserDeactivated, pe.UserDeactivatedBan, pe.AuthKeyUnregistered])
def test_the_bots_own_account_failing_does_not_blame_the_recipient(cls: type[RPCError]) -> None:
    error = translate(rpc(cls))
    assert isinstance(error, TelegramUnavailable)
    assert "BOT_TOKEN" in str(error)


@pytest.mark.parametrize(
    "exc",
    [
        rpc(pe.MessageIdInvalid),
        rpc(pe.ButtonDataInvalid),
        rpc(pe.BadRequest, "[400 SOMETHING_NEW]"),
        ValueError("File size equals to 0 B"),
    ],
)
def test_other_bad_requests_are_rejections(exc: Exception) -> None:
    assert isinstance(translate(exc), TelegramRejected)


def test_unknown_server_codes_are_retryable() -> None:
    assert isinstance(translate(pe.UnknownError(value="[520 WHAT]")), TelegramUnavailable)


def test_everything_translated_is_a_telegram_error() -> None:
    for exc in (rpc(pe.FloodWait, "1"), OSError(), ValueError(), rpc(pe.TopicDeleted)):
        assert isinstance(exc, TRANSLATED)
        assert isinstance(translate(exc), TelegramError)


def test_bugs_are_not_translated() -> None:
    # The gateway lets these through: a bug must not look like Telegram refusing.
    assert not isinstance(AttributeError("x"), TRANSLATED)
    assert not isinstance(KeyError("x"), TRANSLATED)


# --- a basic group Telegram upgraded to a supergroup ---

BASIC_GROUP = -4_000_000_001
SUPERGROUP = -1_001_500_000_001


@pytest.mark.parametrize(
    "exc",
    [
        rpc(pe.ChatIdInvalid),
        rpc(pe.PeerIdInvalid),
        rpc(pe.ChatWriteForbidden),
        rpc(pe.exceptions.forbidden_403.ChatWriteForbidden403),
        rpc(pe.ChatForbidden),
    ],
)
def test_a_refused_send_to_a_basic_group_may_mean_it_migrated(exc: RPCError) -> None:
    assert may_be_migrated(BASIC_GROUP, exc)
    # On its own it is what it always was; the gateway looks the chat up to know more.
    assert not isinstance(translate(exc), ChatMigrated)


@pytest.mark.parametrize(
    ("chat_id", "exc"),
    [
        (SUPERGROUP, rpc(pe.ChatIdInvalid)),  # supergroups never migrate
        (123456789, rpc(pe.PeerIdInvalid)),  # nor do private chats
        (BASIC_GROUP, rpc(pe.FloodWait, "3")),
        (BASIC_GROUP, rpc(pe.InternalServerError, "[500 INTERNAL]")),
        (BASIC_GROUP, rpc(pe.MessageTooLong)),
        (BASIC_GROUP, OSError("reset")),
    ],
)
def test_other_failures_are_not_looked_into(chat_id: int, exc: Exception) -> None:
    assert not may_be_migrated(chat_id, exc)


def test_is_basic_group() -> None:
    assert is_basic_group(-1)
    assert is_basic_group(-999_999_999_999)
    for chat_id in (SUPERGROUP, 0, 42):
        assert not is_basic_group(chat_id)


def test_an_upgraded_group_names_its_supergroup_by_bot_api_id() -> None:
    chat = raw.types.Chat(
        id=4_000_000_001, title="Desk", photo=raw.types.ChatPhotoEmpty(), participants_count=3,
        date=0, version=2, deactivated=True,
        migrated_to=raw.types.InputChannel(channel_id=1_500_000_001, access_hash=77),
    )
    error = migrated(chat)
    assert isinstance(error, ChatMigrated)
    assert isinstance(error, PermanentError)
    assert error.new_chat_id == SUPERGROUP
    assert str(SUPERGROUP) in str(error)


def test_a_group_still_in_use_is_not_migrated() -> None:
    chat = raw.types.Chat(id=4_000_000_001, title="Desk", photo=raw.types.ChatPhotoEmpty(),
                          participants_count=3, date=0, version=1)
    assert migrated(chat) is None
    assert migrated(raw.types.ChatForbidden(id=4_000_000_001, title="Desk")) is None
