"""A Pyrogram client whose calls the fake Telegram answers instead of the network.

Pyrogram's own high-level methods build every request; :meth:`FakeClient.invoke`
serializes it to bytes and parses it back, as Telegram's server would, before
the model answers; answers go through bytes too and reach Pyrogram as parsed
objects. A request Pyrogram builds wrongly, or an answer the fake builds
wrongly, fails here and not in production.
"""

from __future__ import annotations

import asyncio
import re
from io import BytesIO
from typing import Any

from pyrogram import Client, errors, types
from pyrogram.errors.exceptions.all import exceptions
from pyrogram.errors.rpc_error import RPCError
from pyrogram.raw.core import TLObject
from pyrogram.session import Session

from core.sandbox.telegram import convert
from core.sandbox.telegram.dispatch import HANDLERS, Call, target_chat
from core.sandbox.telegram.model import TelegramModel
from core.sandbox.telegram.rows import Refused
from core.telegram.pyrogram import BOT_CLIENT_OPTIONS

# The HTTP-like code Telegram sends each error with; anything else is a 400.
_CODES = {
    "FLOOD_WAIT_X": 420,
    "SLOWMODE_WAIT_X": 420,
    "FLOOD_PREMIUM_WAIT_X": 420,
    "USER_IS_BLOCKED": 403,
    "CHAT_WRITE_FORBIDDEN": 403,
    "CHAT_ADMIN_REQUIRED": 403,
    "USER_DEACTIVATED": 401,
    "USER_DEACTIVATED_BAN": 401,
    "AUTH_KEY_UNREGISTERED": 401,
    "INTERNAL": 500,
    "TIMEOUT": 500,
}


_KEEP_CALLS = 10_000


class UnsupportedCall(NotImplementedError):
    """The fake Telegram does not answer this function (yet)."""


def rpc_error(refused: Refused, rpc_name: str) -> RPCError:
    """The exception Pyrogram raises when Telegram answers with this error."""
    error_id = re.sub(r"_\d+", "_X", refused.message)
    code = _CODES.get(error_id, 400)
    table = exceptions[code]
    if error_id in table:
        cls = getattr(errors, table[error_id])
        error: RPCError = cls(value=refused.value, rpc_name=rpc_name)
        return error
    # An id Pyrogram does not know becomes its category, as Pyrogram does it, but
    # without is_unknown, which would append to unknown_errors.txt in the cwd.
    category = getattr(errors, table["_"])
    unknown: RPCError = category(value=f"[{code} {refused.message}]", rpc_name=rpc_name)
    return unknown


def _wire(obj: Any) -> Any:
    """``obj`` after a trip through TL bytes, as the client reads Telegram's answers."""
    if isinstance(obj, list):
        return [_wire(item) for item in obj]
    if isinstance(obj, TLObject):
        return TLObject.read(BytesIO(obj.write()))
    return obj


def _check_request(query: TLObject[Any]) -> None:
    """Serialize a request as it would go to Telegram, and parse it back.

    The fake then answers the request object itself: Pyrogram's reader guesses
    the size of vector items, which is right for everything Telegram sends but
    not for some requests (a vector of InputMessageID reads back as longs).
    """
    data = query.write()
    echo = TLObject.read(BytesIO(data))
    if type(echo) is not type(query):
        raise TypeError(f"{query.QUALNAME} does not read back from its own bytes")


class _FakeSession(Session):
    """Stands in for Pyrogram's network session; uploads call it directly."""

    def __init__(self, client: FakeClient) -> None:
        super().__init__(client, 2, "fake-telegram", 0, bytes(256), False)
        self._fake = client

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def invoke(
        self,
        query: TLObject[Any],
        retries: int = 0,
        timeout: float = 0,
        sleep_threshold: float = 0,
        retry_delay: float = 0,
    ) -> Any:
        return await self._fake.answer(query)


class FakeClient(Client):
    """A bot client connected to the fake Telegram; never ``start()`` it."""

    def __init__(self, model: TelegramModel, *, name: str = "fake-telegram", latency: float = 0.0) -> None:
        super().__init__(name, **BOT_CLIENT_OPTIONS)
        self.model = model
        #: Seconds each call takes on the way, as a round trip to Telegram does.
        self.latency = latency
        #: The raw functions invoked, in order ("messages.SendMessage"), for tests to
        #: count calls; only the latest are kept, as a sandbox worker runs for days.
        self.calls: list[str] = []
        self._call = Call(model=model, uploads={})
        self._session = _FakeSession(self)
        self.session = self._session

    async def invoke(
        self,
        query: Any,
        retries: int = 0,
        timeout: float = 0,
        sleep_threshold: float | None = None,
        retry_delay: float = 0,
        recaptcha_token: str | None = None,
        business_connection_id: str | None = None,
    ) -> Any:
        if not self.is_connected:
            raise ConnectionError("Client has not been started yet")
        if self.latency:
            await asyncio.sleep(self.latency)
        result = await self.answer(query)
        # As Client.invoke does: remember the peers that came with the answer.
        await self.fetch_peers(getattr(result, "users", []))
        await self.fetch_peers(getattr(result, "chats", []))
        return result

    async def get_session(
        self,
        dc_id: int | None = None,
        is_media: bool = False,
        is_cdn: bool = False,
        business_connection_id: str | None = None,
        export_authorization: bool = True,
        server_address: str | None = None,
        port: int | None = None,
        temporary: bool = False,
    ) -> Session:
        # Uploads ask for a media session to a data center; there is only the fake.
        return self._session

    async def answer(self, query: Any) -> Any:
        """Answer one raw function as Telegram would, raising Pyrogram's errors."""
        _check_request(query)
        name = query.QUALNAME.removeprefix("functions.")
        self.calls.append(name)
        if len(self.calls) > _KEEP_CALLS:
            del self.calls[: len(self.calls) - _KEEP_CALLS // 2]
        handler = HANDLERS.get(type(query))
        if handler is None:
            raise UnsupportedCall(f"the fake Telegram does not answer {name}")
        try:
            chat = target_chat(query, self.model.bot_id)
            fault = await self.model.take_fault(chat, name)
            if fault is not None:
                raise fault
            flaky = await self.model.take_flaky(chat, name)
            if flaky is not None:
                refused, hold = flaky
                await asyncio.sleep(hold)
                if refused.message == "TIMEOUT":
                    # As Pyrogram reports a request that got no answer in time.
                    raise TimeoutError(f"{name}: no answer (flaky fake Telegram)")
                raise refused
            result = await handler(self._call, query)
        except Refused as refused:
            raise rpc_error(refused, name) from None
        return _wire(result)

    async def close(self) -> None:
        """Release the in-memory session database."""
        if self.is_connected:
            await self.storage.close()  # type: ignore[no-untyped-call]
            self.is_connected = False

    async def stop(self, block: bool = True, clear_handlers: bool = True) -> FakeClient:
        """What stopping a real client releases: here, the session database alone."""
        await self.close()
        return self


async def create_fake_client(
    model: TelegramModel, *, name: str = "fake-telegram", latency: float = 0.0
) -> FakeClient:
    """A FakeClient ready for use, logged in as the sandbox bot (without ``start()``)."""
    client = FakeClient(model, name=name, latency=latency)
    await client.storage.open()  # type: ignore[no-untyped-call]
    await client.storage.user_id(model.bot_id)
    await client.storage.is_bot(True)
    # The bot itself is a peer Pyrogram may resolve ("me"); known without a call.
    await client.fetch_peers([convert.bot_user(model.bot_id)])
    client.me = types.User(
        id=model.bot_id, is_self=True, is_bot=True, first_name=convert.BOT_NAME,
        username=convert.BOT_USERNAME, client=client,
    )
    client.is_connected = True
    return client
