"""Fixtures shared by the integration tests of the fake Telegram.

A module that uses them defines ``model``: the TelegramModel with the chats it needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.sandbox.telegram.client import FakeClient, create_fake_client
from core.sandbox.telegram.model import TelegramModel
from core.telegram.pyrogram import PyrogramGateway


@pytest.fixture
async def client(model: TelegramModel) -> AsyncIterator[FakeClient]:
    client = await create_fake_client(model)
    yield client
    await client.close()


@pytest.fixture
def gateway(client: FakeClient) -> PyrogramGateway:
    return PyrogramGateway(client)
