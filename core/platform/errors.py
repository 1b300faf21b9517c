"""One error tree for the whole product.

Adapters (asyncpg, Stripe, Pyrogram) translate their own exceptions into these
at the boundary with ``raise ... from``, so callers decide on *kind* (retry or
give up) without knowing which library failed.
"""

from __future__ import annotations


class BotError(Exception):
    """Something went wrong in the bot."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.__doc__ or type(self).__name__)


class RetryableError(BotError):
    """A transient failure: the same work may succeed if tried again later."""

    #: Seconds the caller should wait before trying again, when the cause says so.
    retry_after: float | None = None


class PermanentError(BotError):
    """A failure that trying again will not fix."""


class ConfigError(PermanentError):
    """The configuration is missing or malformed."""


class DatabaseUnavailable(RetryableError):
    """The database could not be reached."""


class BadInput(PermanentError):
    """The input is malformed and was refused."""


class BadCall(PermanentError):
    """A call queued for Telegram names no known outbox method or lacks a parameter it needs."""


class TelegramError(BotError):
    """Telegram refused or failed a request."""


class TelegramUnavailable(TelegramError, RetryableError):
    """Telegram could not be reached or answered with a server error."""


class FloodWait(TelegramError, RetryableError):
    """Telegram asked us to slow down."""

    def __init__(self, seconds: float, message: str | None = None) -> None:
        super().__init__(message or f"Telegram asked to wait {seconds:g} s")
        self.retry_after = seconds


class RecipientUnavailable(TelegramError, PermanentError):
    """The recipient blocked the bot, was deleted, or cannot be written to."""


class TopicGone(TelegramError, PermanentError):
    """The forum topic was deleted or is closed."""


class TopicRecreating(TelegramError, RetryableError):
    """The user's topic was deleted: the send is tried again, into a new topic.

    Not at once: creating the topic and its summary are two more messages in
    the group, and the retry reserves their slots like any other send.
    """


class ChatMigrated(TelegramError, PermanentError):
    """The group became a supergroup with a new id."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat migrated to {new_chat_id}")
        self.new_chat_id = new_chat_id


class TelegramRejected(TelegramError, PermanentError):
    """Telegram rejected the request as invalid."""


class QueryGone(TelegramRejected):
    """QUERY_ID_INVALID: the callback, pre-checkout or inline query was answered
    already (Telegram takes one answer per query) or is too old to answer."""


class AlreadySent(TelegramError, PermanentError):
    """Telegram has this send already: its random id was used by a try that went through."""


class PaymentError(BotError):
    """A payment provider failed."""


class StripeUnavailable(PaymentError, RetryableError):
    """Stripe could not be reached, failed, or asked us to slow down."""


class StripeRejected(PaymentError, PermanentError):
    """Stripe refused the request as invalid or unauthorized."""

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class PaymentDeclined(PaymentError, PermanentError):
    """The card was declined."""

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 decline_code: str | None = None, payment_intent_id: str | None = None) -> None:
        super().__init__(message)
        #: Stripe's error code (card_declined, expired_card, authentication_required, ...).
        self.code = code
        #: The issuer's reason (insufficient_funds, generic_decline, ...), when given.
        self.decline_code = decline_code
        self.payment_intent_id = payment_intent_id


class NoSavedCard(PaymentError, PermanentError):
    """The customer has no saved card to charge."""
