"""A worker that starts again within its process (workers.wiring, after losing the
database) closes its Telegram client first: the old one would keep its connection
and its background tasks, on a pool that is closed."""

from __future__ import annotations

import asyncpg
import pytest

from core.sandbox.telegram import TelegramModel
from core.sandbox.telegram.client import FakeClient
from core.telegram.pyrogram import PyrogramGateway


@pytest.fixture
async def model(db_pool: asyncpg.Pool) -> TelegramModel:
    return TelegramModel(db_pool)


async def test_a_closed_gateway_has_let_go_of_its_client(
    gateway: PyrogramGateway, client: FakeClient
) -> None:
    assert client.is_connected
    await gateway.close()
    assert not client.is_connected
    await gateway.close()  # twice is harmless
    assert not client.is_connected
