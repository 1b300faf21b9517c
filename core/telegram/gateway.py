"""The narrow interface for everything the product sends to Telegram.

Arguments use the Bot API's vocabulary (chat ids, ``message_thread_id``,
inline keyboards as Bot API JSON) because that is what updates arrive in and
what the outbox stores; implementations translate to MTProto. Every method
raises only :mod:`core.platform.errors` ``TelegramError`` subclasses; a call that
creates messages in a basic group Telegram upgraded to a supergroup raises
``ChatMigrated`` with the supergroup's id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

#: An inline keyboard in Bot API JSON: ``{"inline_keyboard": [[{"text": ..., "callback_data": ...}]]}``
ReplyMarkup = Mapping[str, Any]


@dataclass(frozen=True)
class LabeledPrice:
    label: str
    amount: int


@dataclass(frozen=True)
class Sent:
    """What Telegram answered for a sent message."""

    chat_id: int
    message_id: int


class TelegramGateway(Protocol):
    async def prepare(self, chat_ids: Sequence[int]) -> None:
        """Learn what sending to these chats needs (their peers) ahead of the sends.

        Delivery calls it before it waits for reserved send moments, so a
        send goes out at its moment rather than a lookup's round trip later.
        Never raises: the send itself reports what is wrong with a chat.
        """
        ...

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = None,
        reply_to_message_id: int | None = None,
        paid_broadcast: bool = False,
        random_id: int | None = None,
    ) -> Sent:
        """Send a text. ``random_id``, as ``copy_messages``'s ``random_ids``: the same on
        every try of the send, so a try after one that went through is refused
        (:class:`core.platform.errors.AlreadySent`); without it each call is a new send."""
        ...

    async def copy_messages(
        self,
        chat_id: int,
        from_chat_id: int,
        message_ids: Sequence[int],
        *,
        thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        reply_markup: ReplyMarkup | None = None,
        random_ids: Sequence[int] | None = None,
        paid_broadcast: bool = False,
    ) -> list[Sent]:
        """Copy (forward without author) up to 100 messages of one chat in one call.

        With ``reply_to_message_id`` the copies are replies to that message of
        ``chat_id``. ``reply_markup`` (URL buttons) goes on a copy of one message
        only, as the Bot API's ``copyMessage`` allows. ``random_ids``, one per
        message, are the send's own: the same on every try of it, so that
        Telegram, which remembers them, refuses a try after one that went through
        (:class:`core.platform.errors.AlreadySent`) instead of sending twice.
        Without them each call is a new send.
        """
        ...

    async def send_cached_media(
        self,
        chat_id: int,
        file_id: str,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> Sent:
        """Send a photo, document or other file Telegram has already, by its Bot API file id."""
        ...

    async def download(self, file_id: str, *, max_bytes: int) -> bytes:
        """A file's content by its Bot API file id; refused (TelegramRejected) above ``max_bytes``."""
        ...

    async def answer_inline_query(
        self,
        inline_query_id: str,
        results: Sequence[Mapping[str, Any]],
        *,
        cache_time: int = 0,
        is_personal: bool = True,
    ) -> None:
        """Answer an inline query with Bot API ``InlineQueryResultArticle`` objects (JSON)."""
        ...

    async def forward_messages(
        self,
        chat_id: int,
        from_chat_id: int,
        message_ids: Sequence[int],
        *,
        thread_id: int | None = None,
    ) -> list[Sent]: ...

    async def edit_message_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = None,
    ) -> None: ...

    async def answer_callback_query(
        self, callback_query_id: str, *, text: str | None = None, show_alert: bool = False
    ) -> None: ...

    async def create_forum_topic(self, chat_id: int, name: str) -> int:
        """Create a topic and return its id (the ``message_thread_id`` of its messages)."""
        ...

    async def edit_forum_topic(self, chat_id: int, thread_id: int, *, name: str) -> None: ...

    async def close_forum_topic(self, chat_id: int, thread_id: int) -> None: ...

    async def reopen_forum_topic(self, chat_id: int, thread_id: int) -> None: ...

    async def send_invoice(
        self,
        chat_id: int,
        *,
        title: str,
        description: str,
        payload: str,
        currency: str,
        prices: Sequence[LabeledPrice],
        provider_token: str = "",
    ) -> Sent: ...

    async def answer_pre_checkout_query(
        self, pre_checkout_query_id: str, *, ok: bool, error_message: str | None = None
    ) -> None: ...

    async def refund_star_payment(self, user_id: int, charge_id: str) -> bool:
        """Refund a Stars payment in full (Bot API ``refundStarPayment``).

        True when refunded now, False when Telegram says it was refunded
        before (a retried call after the first one went through).
        """
        ...

    async def set_my_commands(
        self, commands: Sequence[tuple[str, str]], *, scope: Mapping[str, Any], language_code: str = ""
    ) -> None:
        """The bot's command list for a Bot API ``BotCommandScope`` and language."""
        ...

    async def send_document(
        self,
        chat_id: int,
        document: bytes | BinaryIO,
        *,
        file_name: str,
        caption: str | None = None,
        thread_id: int | None = None,
        parse_mode: str | None = None,
    ) -> Sent:
        """Upload and send a file: its bytes, or an open binary file read in parts
        (an export of any size is sent without being held in memory)."""
        ...

    async def send_photo(
        self,
        chat_id: int,
        photo: bytes | BinaryIO,
        *,
        caption: str | None = None,
        thread_id: int | None = None,
        parse_mode: str | None = None,
    ) -> Sent: ...
