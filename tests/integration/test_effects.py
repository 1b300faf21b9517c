"""A call is checked when a job records it, not when the delivery finds it broken."""

from __future__ import annotations

import asyncpg
import pytest

from core.delivery.effects import Effects
from core.platform.errors import BadCall
from workers import wiring

MARIA = 42


async def test_a_misspelt_method_fails_the_job_that_records_it(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        tx = Effects(conn, cause="test:1", methods=wiring.delivery_methods())
        with pytest.raises(BadCall, match="unknown outbox method 'sendMesage'"):
            await tx.send("sendMesage", MARIA, text="hi")
        with pytest.raises(BadCall, match="sendMessage needs text"):
            await tx.send("sendMessage", MARIA, txt="hi")
        assert tx.outbox_ids == []
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_well_formed_call_is_queued_with_its_chat(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        tx = Effects(conn, cause="test:2", methods=wiring.delivery_methods())
        # chat_id is the send's own argument: the check sees it among the parameters.
        row_id = await tx.send("sendMessage", MARIA, text="hi")
        assert tx.outbox_ids == [row_id]
        row = await conn.fetchrow("SELECT chat_id, method, params, cause FROM outbox WHERE id = $1", row_id)
        assert row is not None
        assert (row["chat_id"], row["method"], row["params"], row["cause"]) == (
            MARIA, "sendMessage", {"chat_id": MARIA, "text": "hi"}, "test:2")
