"""Refunding a Stars payment through the production gateway and the fake Telegram.

Telegram refunds a Stars charge whole, to the user who paid it, once: the
second call is ``CHARGE_ALREADY_REFUNDED``, which the gateway reports as
"refunded before" (a retried job after the first call went through).
"""

from __future__ import annotations

import asyncpg
import pytest
from pyrogram import raw

from core.platform.errors import TelegramRejected
from core.sandbox.telegram import TelegramModel
from core.sandbox.telegram.client import FakeClient
from core.telegram.pyrogram import PyrogramGateway

USER = 123456789
OTHER_USER = 987654321


@pytest.fixture
async def model(db_pool: asyncpg.Pool) -> TelegramModel:
    model = TelegramModel(db_pool)
    await model.ensure_chat(USER, first_name="Maria")
    await model.ensure_chat(OTHER_USER, first_name="Ivo")
    await model.record_star_charge("stxPaid1", USER, 250, "tx:1")
    return model


async def test_a_stars_charge_is_refunded_once(gateway: PyrogramGateway, model: TelegramModel) -> None:
    assert await gateway.refund_star_payment(USER, "stxPaid1") is True
    [charge] = await model.star_charges()
    assert charge.refunded_at is not None
    assert await gateway.refund_star_payment(USER, "stxPaid1") is False  # Telegram: already refunded


async def test_only_the_payer_and_a_known_charge(gateway: PyrogramGateway, model: TelegramModel) -> None:
    with pytest.raises(TelegramRejected, match="USER_ID_INVALID"):
        await gateway.refund_star_payment(OTHER_USER, "stxPaid1")
    with pytest.raises(TelegramRejected, match="CHARGE_ID_INVALID"):
        await gateway.refund_star_payment(USER, "stxNever")
    [charge] = await model.star_charges()
    assert charge.refunded_at is None


async def test_the_function_takes_an_input_user(client: FakeClient, model: TelegramModel) -> None:
    # What Pyrogram's own refund_star_payment sends (an InputPeerUser): Telegram's parser refuses it.
    peer = await client.resolve_peer(USER)
    with pytest.raises(Exception, match="USER_ID_INVALID"):
        await client.invoke(raw.functions.payments.RefundStarsCharge(user_id=peer, charge_id="stxPaid1"))
    assert (await model.star_charges())[0].refunded_at is None
