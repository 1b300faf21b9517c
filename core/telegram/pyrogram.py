"""The Telegram gateway over Pyrogram: Bot API vocabulary in, MTProto calls out.

The same class drives the real Telegram (a client from :func:`build_bot_client`)
and the fake one (:class:`core.sandbox.telegram.FakeClient`), so tests exercise the
code that runs in production. Every Pyrogram failure leaves as a
:mod:`core.platform.errors` Telegram error through :func:`core.telegram.errors.translate`.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, BinaryIO, Final

import asyncpg
from pyrogram import Client, enums, types
from pyrogram import errors as pe

# Imported from their own modules: pyrogram.raw's packages do not re-export them.
from pyrogram.raw.functions.messages.forward_messages import ForwardMessages
from pyrogram.raw.functions.messages.get_chats import GetChats
from pyrogram.raw.functions.payments.refund_stars_charge import RefundStarsCharge
from pyrogram.raw.types.input_peer_user import InputPeerUser
from pyrogram.raw.types.input_reply_to_message import InputReplyToMessage
from pyrogram.raw.types.input_user import InputUser

from core.platform.errors import ChatMigrated, TelegramRejected
from core.telegram import copies, keyed_text
from core.telegram import pyrogram_shapes as shapes
from core.telegram.errors import TRANSLATED, may_be_migrated, migrated, translate
from core.telegram.gateway import LabeledPrice, ReplyMarkup, Sent
from core.telegram.session import postgres_client

#: How every bot client is configured, real or fake, so tests see what production does.
BOT_CLIENT_OPTIONS: Final[Mapping[str, Any]] = {
    "in_memory": True,
    "no_updates": True,  # updates arrive over the webhook, never over MTProto
    # The Bot API sends text as is unless parse_mode says otherwise; Pyrogram's
    # default would read Markdown and HTML in every user-supplied text.
    "parse_mode": enums.ParseMode.DISABLED,
    # Never sleep through a flood wait inside a worker: the outbox reschedules.
    "sleep_threshold": 0,
    # Each of these costs an extra call per parsed message, for data we never read.
    "fetch_replies": False,
    "fetch_topics": False,
    "fetch_stories": False,
    "fetch_stickers": False,
}

#: Telegram's limit on message ids in one messages.forwardMessages call.
MAX_FORWARD: Final = 100

def build_bot_client(
    pool: asyncpg.Pool, api_id: int, api_hash: str, bot_token: str, *, name: str = "paid-desk"
) -> Client:
    """The Pyrogram client for real Telegram, its session kept in Postgres so every
    process and restart reuses one authorization (repeated logins draw flood waits)."""
    return postgres_client(
        pool, name, api_id=api_id, api_hash=api_hash, bot_token=bot_token, **BOT_CLIENT_OPTIONS
    )


#: How long stopping the client may take (Telegram unreachable must not hold up a restart).
CLOSE_SECONDS = 10.0


class PyrogramGateway:
    """:class:`core.telegram.gateway.TelegramGateway` over a Pyrogram client (real or fake)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        #: Messages fetched to be copied with buttons (core.telegram.copies).
        self._sources = copies.Sources()

    async def close(self) -> None:
        """Stop the client (its connection to Telegram, its session storage): a worker
        that starts again within its process (workers.wiring) makes a new one."""
        if self._client.is_connected:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._client.stop(), CLOSE_SECONDS)

    async def prepare(self, chat_ids: Sequence[int]) -> None:
        # A chat the client has not met costs a lookup round trip (a bot's
        # updates come by webhook, so Pyrogram's peer cache learns nothing from them).
        async def resolve(chat_id: int) -> None:
            with contextlib.suppress(Exception):
                await self._client.resolve_peer(chat_id)

        await asyncio.gather(*(resolve(c) for c in set(chat_ids)))

    async def _peer(self, chat_id: int) -> Any:
        peer = await self._client.resolve_peer(chat_id)
        assert peer is not None  # resolve_peer answers None only for a None id
        return peer

    @asynccontextmanager
    async def _sending_to(self, chat_id: int) -> AsyncIterator[None]:
        """Translate errors as :func:`_translated`, and a send refused because the
        basic group ``chat_id`` became a supergroup into ChatMigrated (its new id)."""
        try:
            yield
        except TRANSLATED as exc:
            error = translate(exc)  # type: ignore[arg-type]
            if may_be_migrated(chat_id, exc):
                moved = await self._migration_of(chat_id)
                if moved is not None:
                    raise moved from exc
            raise error from exc

    async def _migration_of(self, chat_id: int) -> ChatMigrated | None:
        """ChatMigrated if Telegram says the basic group was upgraded, else None."""
        try:
            answer = await self._client.invoke(GetChats(id=[-chat_id]))
        except TRANSLATED:
            return None  # the original refusal says more than this one
        for chat in getattr(answer, "chats", []):
            if getattr(chat, "id", None) == -chat_id:
                return migrated(chat)
        return None

    def _sent(self, chat_id: int, message: Any) -> Sent:
        if message is None:
            # Telegram answered without the message; sending again could duplicate it.
            raise TelegramRejected("Telegram's answer did not contain the sent message")
        return Sent(chat_id=chat_id, message_id=int(message.id))

    def _one_sent(self, chat_id: int, updates: Any, random_id: int) -> Sent:
        """The message a raw send with ``random_id`` made, from Telegram's answer."""
        ids = shapes.new_message_ids(updates, [random_id])
        if not ids:
            raise TelegramRejected("Telegram's answer did not contain the sent message")
        return Sent(chat_id, ids[0])

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
        keyboard, mode = shapes.inline_keyboard(reply_markup), shapes.parse_mode(parse_mode)
        if random_id is not None:
            async with self._sending_to(chat_id):
                updates = await self._client.invoke(await keyed_text.request(
                    self._client, await self._peer(chat_id), text, mode,
                    await keyboard.write(self._client) if keyboard else None, random_id,
                    thread_id=thread_id, reply_to_message_id=reply_to_message_id, paid=paid_broadcast))
            return self._one_sent(chat_id, updates, random_id)
        reply = types.ReplyParameters(message_id=reply_to_message_id) if reply_to_message_id else None
        async with self._sending_to(chat_id):
            message = await self._client.send_message(
                chat_id, text, parse_mode=mode, message_thread_id=thread_id,
                reply_parameters=reply, reply_markup=keyboard,
                # Telegram's paid allowance (up to 1000/s), charged in Stars per message.
                allow_paid_broadcast=paid_broadcast or None,
            )
        return self._sent(chat_id, message)

    async def _forward(
        self, chat_id: int, from_chat_id: int, message_ids: Sequence[int], thread_id: int | None,
        *, copy: bool, reply_to_message_id: int | None = None, random_ids: Sequence[int] | None = None,
        paid: bool = False,
    ) -> list[Sent]:
        if not message_ids:
            return []
        if len(message_ids) > MAX_FORWARD:
            raise TelegramRejected(f"at most {MAX_FORWARD} messages per call, got {len(message_ids)}")
        if random_ids is not None and len(random_ids) != len(message_ids):
            raise TelegramRejected("one random id per message to copy")
        chosen = list(random_ids) if random_ids is not None else [self._client.rnd_id() for _ in message_ids]
        reply_to = (InputReplyToMessage(reply_to_msg_id=reply_to_message_id, top_msg_id=thread_id)
                    if reply_to_message_id else None)
        async with self._sending_to(chat_id):
            # One raw call for the whole burst: Pyrogram's copy_message would be two per message.
            updates = await self._client.invoke(
                ForwardMessages(
                    from_peer=await self._peer(from_chat_id),
                    id=list(message_ids),
                    random_id=chosen,
                    to_peer=await self._peer(chat_id),
                    top_msg_id=thread_id,
                    reply_to=reply_to,
                    drop_author=copy or None,
                    # Telegram's paid allowance (up to 1000/s), charged in Stars per message.
                    allow_paid_floodskip=paid or None,
                )
            )
        return [Sent(chat_id, i) for i in shapes.new_message_ids(updates, chosen)]

    async def copy_messages(
        self, chat_id: int, from_chat_id: int, message_ids: Sequence[int], *,
        thread_id: int | None = None, reply_to_message_id: int | None = None,
        reply_markup: ReplyMarkup | None = None, random_ids: Sequence[int] | None = None,
        paid_broadcast: bool = False,
    ) -> list[Sent]:
        if reply_markup is None:
            return await self._forward(chat_id, from_chat_id, message_ids, thread_id, copy=True,
                                       reply_to_message_id=reply_to_message_id, random_ids=random_ids,
                                       paid=paid_broadcast)
        if reply_to_message_id is not None:
            raise TelegramRejected("a copy with buttons is never a reply")
        if len(message_ids) != 1:
            raise TelegramRejected("buttons go on a copy of one message, not of an album or a burst")
        keyboard = shapes.inline_keyboard(reply_markup)
        random_id = random_ids[0] if random_ids else self._client.rnd_id()
        [message_id] = message_ids
        for attempt in (1, 2):
            try:
                async with self._sending_to(chat_id):
                    source = await self._source(from_chat_id, message_id)
                    request = copies.resend(source, await self._peer(chat_id),
                                            await keyboard.write(self._client), random_id,
                                            paid=paid_broadcast, top_msg_id=thread_id)
                    updates = await self._client.invoke(request)
            except TelegramRejected as exc:
                if attempt == 1 and isinstance(exc.__cause__, pe.FileReferenceExpired):
                    # Telegram's file references expire: fetch the source again, once.
                    self._sources.forget(from_chat_id, message_id)
                    continue
                raise
            return [self._one_sent(chat_id, updates, random_id)]
        raise AssertionError("unreachable")  # pragma: no cover

    async def _source(self, chat_id: int, message_id: int) -> Any:
        """The raw message to copy with buttons: fetched once per process."""
        found = self._sources.get(chat_id, message_id)
        if found is None:
            found = await copies.fetch(self._client, await self._peer(chat_id), message_id)
            self._sources.keep(chat_id, message_id, found)
        return found

    async def send_cached_media(
        self, chat_id: int, file_id: str, *, caption: str | None = None, parse_mode: str | None = None,
        thread_id: int | None = None, reply_to_message_id: int | None = None,
    ) -> Sent:
        mode = shapes.parse_mode(parse_mode)
        reply = types.ReplyParameters(message_id=reply_to_message_id) if reply_to_message_id else None
        async with self._sending_to(chat_id):
            try:
                message = await self._client.send_cached_media(
                    chat_id, file_id, caption=caption or "", parse_mode=mode, message_thread_id=thread_id,
                    reply_parameters=reply,
                )
            except ValueError as exc:  # a file id Pyrogram cannot read
                raise TelegramRejected(f"not a Telegram file id: {exc}") from exc
        return self._sent(chat_id, message)

    async def download(self, file_id: str, *, max_bytes: int) -> bytes:
        with shapes.translated():
            try:
                found = await self._client.download_media(file_id, in_memory=True)
            except ValueError as exc:
                raise TelegramRejected(f"not a Telegram file id: {exc}") from exc
        if not isinstance(found, io.BytesIO):
            raise TelegramRejected("Telegram sent no content for this file")
        data = found.getvalue()
        if len(data) > max_bytes:
            raise TelegramRejected(f"the file is larger than {max_bytes} bytes")
        return data

    async def answer_inline_query(
        self, inline_query_id: str, results: Sequence[Mapping[str, Any]], *, cache_time: int = 0,
        is_personal: bool = True,
    ) -> None:
        shapes.query_id(inline_query_id)
        articles = [shapes.article(r) for r in results]
        with shapes.translated():
            await self._client.answer_inline_query(
                inline_query_id, articles, cache_time=cache_time, is_personal=is_personal)

    async def forward_messages(
        self, chat_id: int, from_chat_id: int, message_ids: Sequence[int], *,
        thread_id: int | None = None,
    ) -> list[Sent]:
        return await self._forward(chat_id, from_chat_id, message_ids, thread_id, copy=False)

    async def edit_message_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = None,
    ) -> None:
        keyboard, mode = shapes.inline_keyboard(reply_markup), shapes.parse_mode(parse_mode)
        try:
            with shapes.translated():
                await self._client.edit_message_text(
                    chat_id, message_id, text, parse_mode=mode, reply_markup=keyboard
                )
        except TelegramRejected as exc:
            # Already saying exactly this: the edit's goal is reached, e.g. on a retry.
            if not isinstance(exc.__cause__, pe.MessageNotModified):
                raise

    async def answer_callback_query(
        self, callback_query_id: str, *, text: str | None = None, show_alert: bool = False
    ) -> None:
        shapes.query_id(callback_query_id)
        with shapes.translated():
            await self._client.answer_callback_query(
                callback_query_id, text=text, show_alert=show_alert
            )

    async def create_forum_topic(self, chat_id: int, name: str) -> int:
        async with self._sending_to(chat_id):
            created = await self._client.create_forum_topic(chat_id, name)
        return int(created.id)

    async def _edit_topic(self, chat_id: int, thread_id: int, **changes: Any) -> None:
        try:
            with shapes.translated():
                await self._client.edit_forum_topic(chat_id, thread_id, **changes)
        except TelegramRejected as exc:
            # Closing a closed topic (or renaming to its name) already holds: not a failure.
            if not isinstance(exc.__cause__, pe.TopicNotModified):
                raise

    async def edit_forum_topic(self, chat_id: int, thread_id: int, *, name: str) -> None:
        await self._edit_topic(chat_id, thread_id, title=name)

    async def close_forum_topic(self, chat_id: int, thread_id: int) -> None:
        await self._edit_topic(chat_id, thread_id, closed=True)

    async def reopen_forum_topic(self, chat_id: int, thread_id: int) -> None:
        await self._edit_topic(chat_id, thread_id, closed=False)

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
    ) -> Sent:
        async with self._sending_to(chat_id):
            message = await self._client.send_invoice(
                chat_id,
                title=title,
                description=description,
                payload=payload,
                currency=currency,
                prices=[types.LabeledPrice(label=p.label, amount=p.amount) for p in prices],
                # Stars (XTR) take no provider: the Bot API's empty token is "none" in MTProto.
                provider_token=provider_token or None,
            )
        return self._sent(chat_id, message)

    async def answer_pre_checkout_query(
        self, pre_checkout_query_id: str, *, ok: bool, error_message: str | None = None
    ) -> None:
        shapes.query_id(pre_checkout_query_id)
        with shapes.translated():
            await self._client.answer_pre_checkout_query(
                pre_checkout_query_id, ok=ok, error_message=error_message
            )

    async def refund_star_payment(self, user_id: int, charge_id: str) -> bool:
        # Raw, because Pyrogram's refund_star_payment passes an InputPeerUser where the
        # function takes an InputUser, which Telegram's TL parser refuses.
        with shapes.translated():
            peer = await self._peer(user_id)
            if not isinstance(peer, InputPeerUser):
                raise TelegramRejected(f"{user_id} is not a user: only users' Stars payments are refunded")
            try:
                user = InputUser(user_id=peer.user_id, access_hash=peer.access_hash)
                await self._client.invoke(RefundStarsCharge(user_id=user, charge_id=charge_id))
            except pe.ChargeAlreadyRefunded:
                return False
        return True

    async def set_my_commands(
        self, commands: Sequence[tuple[str, str]], *, scope: Mapping[str, Any], language_code: str = ""
    ) -> None:
        listed = [types.BotCommand(name, description) for name, description in commands]
        with shapes.translated():
            await self._client.set_bot_commands(listed, shapes.command_scope(scope), language_code)

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
        mode = shapes.parse_mode(parse_mode)
        stream: Any = document
        if isinstance(document, bytes):
            stream = io.BytesIO(document)
            stream.name = file_name  # an open file keeps its own
        async with self._sending_to(chat_id):
            message = await self._client.send_document(
                chat_id, stream, file_name=file_name, caption=caption or "",
                parse_mode=mode, message_thread_id=thread_id,
            )
        return self._sent(chat_id, message)

    async def send_photo(
        self,
        chat_id: int,
        photo: bytes | BinaryIO,
        *,
        caption: str | None = None,
        thread_id: int | None = None,
        parse_mode: str | None = None,
    ) -> Sent:
        stream: Any = photo
        if isinstance(photo, bytes):
            stream = io.BytesIO(photo)
            stream.name = "photo.png"
        async with self._sending_to(chat_id):
            message = await self._client.send_photo(
                chat_id, stream, caption=caption or "", parse_mode=shapes.parse_mode(parse_mode),
                message_thread_id=thread_id,
            )
        return self._sent(chat_id, message)
