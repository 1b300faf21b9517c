"""A delivery that fails in a way that is not Telegram's (a database error, a bug)
while its worker lives on: what went out is recorded, the rest is put back at
once with a delivery scheduled, rather than left 'sending' for the stale-claim
sweep minutes later (the stall recovery only comes for a worker that died)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import pytest

from core.delivery import bot_api, engine, outbox
from core.delivery.budgets import Limiter, SendLimits
from core.delivery.courier import Courier
from core.delivery.hooks import Hooks
from core.delivery.methods import Means, Methods, Outcome, Reservation
from core.delivery.outbox import OutboxRow
from core.platform import database
from core.platform.errors import DatabaseUnavailable, RetryableError
from core.sandbox.telegram import Limits, TelegramModel
from core.telegram.pyrogram import PyrogramGateway
from tests.db_proxy import DroppingProxy
from tests.processes import wait_until

MARIA, IVAN = 730_500_001, 730_500_002
GENEROUS = SendLimits(global_per_second=10_000, chat_per_second=1_000, group_per_minute=60_000)


class Broken:
    """A method whose call breaks after Telegram took it would be an AlreadySent
    question; this one breaks before calling, as a bug in a method would."""

    name = "brokenCall"
    required = frozenset({"text"})
    reaches_blocked = False

    async def prepare(self, conn: asyncpg.Connection, rows: Sequence[OutboxRow]) -> list[None]:
        return [None] * len(rows)

    def reservations(self, row: OutboxRow, state: None) -> list[Reservation]:
        return [Reservation(row.chat_id, row.lane, 1)]

    def order_of(self, row: OutboxRow) -> int:
        return row.chat_id

    async def perform(self, means: Means, row: OutboxRow, state: None, granted: Sequence[float]) -> Outcome:
        raise RuntimeError("a bug in a method")


@pytest.fixture
async def model(db_pool: asyncpg.Pool) -> TelegramModel:
    model = TelegramModel(db_pool, limits=Limits(per_chat_per_second=1_000, per_chat_burst=1_000,
                                                 per_group_per_minute=60_000, global_per_second=10_000))
    await model.ensure_chat(MARIA, first_name="Maria")
    await model.ensure_chat(IVAN, first_name="Ivan")
    return model


async def test_a_failed_delivery_records_what_went_out_and_hands_back_the_rest(
    db_pool: asyncpg.Pool, gateway: PyrogramGateway, model: TelegramModel
) -> None:
    methods = Methods([*bot_api.methods(), Broken()])
    courier = Courier(db_pool, gateway, Limiter(db_pool, GENEROUS), methods, Hooks(), claimant=None)
    async with db_pool.acquire() as conn:
        sent = await outbox.add(conn, MARIA, "sendMessage", {"chat_id": MARIA, "text": "your answer"},
                                cause="t")
        broken = await outbox.add(conn, IVAN, "brokenCall", {"chat_id": IVAN, "text": "never"}, cause="t")
        after = await outbox.add(conn, IVAN, "sendMessage", {"chat_id": IVAN, "text": "after the broken one"},
                                 cause="t")

    with pytest.raises(RuntimeError, match="a bug in a method"):
        await engine.deliver(courier, [sent, broken, after])

    rows = {r["id"]: r for r in await db_pool.fetch(
        "SELECT id, status, not_before > now() AS later FROM outbox")}
    # Maria's message went out and is recorded as sent: it will not be sent again.
    assert rows[sent]["status"] == "sent"
    assert [m["text"] for m in await model.messages(MARIA)] == ["your answer"]
    # Ivan's rows are back in the queue now, due shortly, not 'sending' until a sweep.
    assert (rows[broken]["status"], rows[broken]["later"]) == ("pending", True)
    assert (rows[after]["status"], rows[after]["later"]) == ("pending", True)
    assert await model.messages(IVAN) == []
    # ... with a delivery of their own queued for then.
    scheduled = await db_pool.fetch(
        "SELECT args FROM procrastinate_jobs WHERE task_name = 'messaging.deliver_outbox'")
    assert [sorted(r["args"]["outbox_ids"]) for r in scheduled] == [[broken, after]]


class DatabaseGone(Broken):
    """A send that meets the database restarting (in the sandbox, the stand-in
    Telegram keeps its state in the same Postgres)."""

    name = "databaseGone"

    async def perform(self, means: Means, row: OutboxRow, state: None, granted: Sequence[float]) -> Outcome:
        raise asyncpg.CannotConnectNowError("the database system is shutting down")


async def test_a_delivery_the_database_restart_breaks_is_retried_not_failed(
    db_pool: asyncpg.Pool, gateway: PyrogramGateway, model: TelegramModel
) -> None:
    """Retryable, so a job that committed its work before delivering runs again as a
    repeat instead of ending failed; the row is back in the outbox."""
    methods = Methods([*bot_api.methods(), DatabaseGone()])
    courier = Courier(db_pool, gateway, Limiter(db_pool, GENEROUS), methods, Hooks(), claimant=None)
    async with db_pool.acquire() as conn:
        row = await outbox.add(conn, IVAN, "databaseGone", {"chat_id": IVAN, "text": "later"}, cause="t")

    with pytest.raises(DatabaseUnavailable) as raised:
        await engine.deliver(courier, [row])

    assert isinstance(raised.value, RetryableError)
    assert isinstance(raised.value.__cause__, asyncpg.CannotConnectNowError)
    assert await db_pool.fetchval("SELECT status FROM outbox WHERE id = $1", row) == "pending"


class RestartMidSend(Broken):
    """The database restarting while a batch is being sent: every connection of the
    courier's is cut and refused for a while, and the send meets it too."""

    name = "restartMidSend"

    def __init__(self, proxy: DroppingProxy) -> None:
        self.proxy = proxy

    async def perform(self, means: Means, row: OutboxRow, state: None, granted: Sequence[float]) -> Outcome:
        self.proxy.cut(seconds=1.5)
        raise asyncpg.CannotConnectNowError("the database system is shutting down")


async def test_rows_the_restart_kept_from_handing_back_go_back_once_the_database_answers(
    database_url: str, db_pool: asyncpg.Pool, gateway: PyrogramGateway, model: TelegramModel
) -> None:
    # Seen walking scripts/run: the hand-back met the restart too, and the row stayed
    # 'sending' for the stale-claim sweep, five minutes.
    proxy = DroppingProxy(database_url)
    async with proxy as url:
        pool = await database.create_pool(url)
        try:
            methods = Methods([*bot_api.methods(), RestartMidSend(proxy)])
            courier = Courier(pool, gateway, Limiter(pool, GENEROUS), methods, Hooks(), claimant=None)
            async with db_pool.acquire() as conn:
                sent = await outbox.add(conn, MARIA, "sendMessage", {"chat_id": MARIA, "text": "your answer"},
                                        cause="t")
                cut = await outbox.add(conn, IVAN, "restartMidSend", {"chat_id": IVAN, "text": "x"},
                                       cause="t")

            with pytest.raises(DatabaseUnavailable):
                await engine.deliver(courier, [sent, cut])
            status = "SELECT status FROM outbox WHERE id = $1"
            assert await db_pool.fetchval(status, cut) == "sending"

            # A liveness bound: the database is back after 1.5 s.
            await wait_until(db_pool, "SELECT status = 'pending' FROM outbox WHERE id = $1", cut, timeout=30)
            # What went out before the restart is recorded, not sent again by a sweep.
            assert await db_pool.fetchval(status, sent) == "sent"
            assert [m["text"] for m in await model.messages(MARIA)] == ["your answer"]
        finally:
            await pool.close()



async def test_an_answer_repeated_after_a_returned_send_is_done_not_failed(
    db_pool: asyncpg.Pool, gateway: PyrogramGateway, model: TelegramModel
) -> None:
    # Seen in the chaos test: a worker died between Telegram's answer to
    # answerCallbackQuery and its record; the send returned, Telegram refused the
    # second answer (QUERY_ID_INVALID) and the row ended 'failed'.
    courier = Courier(db_pool, gateway, Limiter(db_pool, GENEROUS), Methods(bot_api.methods()), Hooks(),
                      claimant=None)
    row_of = "SELECT status, result, last_error FROM outbox WHERE id = $1"
    async with db_pool.acquire() as conn:
        answer = await outbox.add(conn, MARIA, "answerCallbackQuery",
                                  {"callback_query_id": "4242", "text": "Saved"}, cause="t1")
    await engine.deliver(courier, [answer])
    assert (await db_pool.fetchrow(row_of, answer))["status"] == "sent"

    # The stall recovery puts a dead worker's claimed send back: its second try.
    await db_pool.execute("UPDATE outbox SET status = 'pending' WHERE id = $1", answer)
    await engine.deliver(courier, [answer])
    row = await db_pool.fetchrow(row_of, answer)
    assert (row["status"], row["result"]["query_gone"]) == ("sent", True)
    assert await db_pool.fetchval("SELECT count(*) FROM sandbox_query_answers WHERE query_id = '4242'") == 1

    # On a first try the refusal is what it says: the query is unknown or too old.
    async with db_pool.acquire() as conn:
        late = await outbox.add(conn, MARIA, "answerCallbackQuery",
                                {"callback_query_id": "4242", "text": "Saved"}, cause="t2")
    await engine.deliver(courier, [late])
    row = await db_pool.fetchrow(row_of, late)
    assert row["status"] == "failed"
    assert "QUERY_ID_INVALID" in row["last_error"]
