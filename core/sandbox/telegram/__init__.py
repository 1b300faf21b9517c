"""An in-process Telegram for the sandbox and the tests.

:class:`TelegramModel` is the state (chats, topics, messages, injected faults)
kept in Postgres, holding the bot to Telegram's sending limits (:class:`Limits`);
:class:`FakeClient` is a real ``pyrogram.Client`` whose raw
calls that state answers, so the production gateway runs unchanged against it.
"""

from __future__ import annotations

from core.sandbox.telegram.bot_api import SandboxBotApi
from core.sandbox.telegram.client import FakeClient, UnsupportedCall, create_fake_client
from core.sandbox.telegram.limits import FloodWaitRecord, Limits
from core.sandbox.telegram.model import TelegramModel
from core.sandbox.telegram.rows import Chat, ChatType, Message, QueryAnswer, Refused, Topic

__all__ = [
    "Chat",
    "ChatType",
    "FakeClient",
    "FloodWaitRecord",
    "Limits",
    "Message",
    "QueryAnswer",
    "Refused",
    "SandboxBotApi",
    "TelegramModel",
    "Topic",
    "UnsupportedCall",
    "create_fake_client",
]
