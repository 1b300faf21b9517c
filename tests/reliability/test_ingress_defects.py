"""Regressions the fuzzing found at the ingress: bodies Postgres cannot store, fields
of the wrong type, and one bad job failing its whole group-commit batch."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from core.billing.event_log import Event
from core.jobs import payloads, routing, shapes
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.errors import BadInput
from tests.builders import MARIA, private_text
from tests.harness import System
from webhooks.recorder import JobRecorder


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"update_id": NaN}', "body holds NaN, which is not JSON"),
    (b'{"update_id": 1, "x": Infinity}', "body holds Infinity, which is not JSON"),
    (b'{"update_id": 1, "x": "a\\u0000b"}', "body holds a NUL character, which cannot be stored"),
    (b'{"update_id": 1, "x\\u0000": 1}', "body holds a NUL character, which cannot be stored"),
    (b'{"update_id": 1, "x": "\\ud800"}', "body holds a lone UTF-16 surrogate, which is not Unicode"),
    (b'{"update_id": 1, "x": 9223372036854775808}', "body holds an integer beyond 64 bits"),
    # jsonb writes 3.5e39 back as forty digits: the worker would read an integer no bigint holds.
    (b'{"update_id": 1, "x": 3.5908175831533935e+39}', "body holds a number beyond 64 bits"),
    (b'{"update_id": 1, "x": -1e19}', "body holds a number beyond 64 bits"),
    (b'[' * 100 + b']' * 100, "body nested deeper than 64 levels"),
    (b'{"update_id": 1', "body is not valid JSON"),
])
def test_bodies_postgres_cannot_store_are_refused_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(BadInput, match=reason):
        payloads.decode(body)


def test_storable_bodies_pass() -> None:
    body = '{"a": ["é🙂\\ud83d\\ude42", -9223372036854775808, 1.5, 9e18, true, null]}'
    value = payloads.decode(body.encode())
    assert value == {"a": ["é🙂🙂", -(2**63), 1.5, 9e18, True, None]}


def _message(**fields: object) -> dict[str, object]:
    update = private_text(MARIA, "hello")
    update["message"].update(fields)
    return update


@pytest.mark.parametrize(("update", "reason"), [
    (_message(text=5), "message.text must be a string"),
    (_message(chat={"id": 1}), "message.chat.type is missing"),
    (_message(chat={"id": -5, "type": "private"}), "message.chat.id must be a positive integer"),
    (_message(date=2**40), "message.date must be a Unix time"),
    (_message(message_id=2**31), "message.message_id must be a 32-bit integer"),
    (_message(entities=[{"type": "bold", "offset": "0", "length": 1}]),
     r"message.entities\[0\].offset must be an integer"),
    (_message(**{"from": {"id": True, "is_bot": False, "first_name": "x"}}),
     "message.from.id must be a positive integer"),
    (_message(reply_to_message={"message_id": 1, "date": 1, "chat": []}),
     "message.reply_to_message.chat must be an object"),
    ({"update_id": 1, "callback_query": {"id": "1"}}, "callback_query.from is missing"),
    ({"update_id": 1, "pre_checkout_query": []}, "pre_checkout_query must be an object"),
    # Inline mode was routed unchecked: a float sender id reached the worker (found by the fuzzer).
    ({"update_id": 1, "inline_query": {"id": "1", "from": {"id": 3.5e39, "is_bot": False, "first_name": "x"},
                                       "query": "refund", "offset": ""}},
     "inline_query.from.id must be a positive integer"),
    ({"update_id": 1, "inline_query": {"id": "1", "from": {"id": 5, "is_bot": False, "first_name": "x"},
                                       "query": 7, "offset": ""}},
     "inline_query.query must be a string"),
    ({"update_id": 1, "chosen_inline_result": {"result_id": "qr:1", "query": "refund"}},
     "chosen_inline_result.from is missing"),
    # A payment without its charge id: the Stars grant is keyed by it (found by the fuzzer).
    (_message(successful_payment={"currency": "XTR", "total_amount": 250, "invoice_payload": "tx:1"}),
     "message.successful_payment.telegram_payment_charge_id is missing"),
    (_message(refunded_payment={"currency": "XTR", "total_amount": 250, "invoice_payload": "tx:1"}),
     "message.refunded_payment.telegram_payment_charge_id is missing"),
])
def test_updates_with_fields_of_the_wrong_type_are_refused_with_the_field(
        update: dict[str, object], reason: str) -> None:
    with pytest.raises(BadInput, match=reason):
        shapes.check_update(update)


def test_every_routed_kind_has_its_fields_checked() -> None:
    # A kind routed but unchecked lets a worker read a field of the wrong type.
    assert set(shapes.UPDATE) == set(routing.HANDLED)


def test_odd_values_of_the_right_type_pass() -> None:
    # Values are the workers' business: an entity past the end, an empty text, an unknown field.
    shapes.check_update(_message(text="", entities=[{"type": "bold", "offset": 99, "length": -3}],
                                 a_field_from_2030={"x": 1}))


async def test_the_ingress_answers_400_with_the_reason_and_records_nothing(system: System) -> None:
    bad = json.dumps(private_text(MARIA, "hello")).replace('"hello"', '"he\\u0000llo"').encode()
    status, answer = await system.post_update(bad)
    nul = "body holds a NUL character, which cannot be stored"
    assert (status, answer) == (400, {"ok": False, "error": nul})
    status, answer = await system.post_update(_message(text=["not", "text"]))
    assert (status, answer) == (400, {"ok": False, "error": "message.text must be a string"})
    assert await system.pool.fetchval("SELECT count(*) FROM inbox") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM procrastinate_jobs") == 0


async def test_one_job_postgres_refuses_does_not_fail_its_batch(db_pool: asyncpg.Pool) -> None:
    recorder = JobRecorder(db_pool, max_inflight=1)
    good = [JobRequest(Queue.BILLING, Task.BILLING_UPDATE, f"user:{i}", {"update": {"update_id": i}})
            for i in range(1, 6)]
    # Past the ingress's checks only by a bug: NUL cannot be stored in jsonb.
    bad = JobRequest(Queue.BILLING, Task.BILLING_UPDATE, "user:9", {"update": {"update_id": 9, "t": "\x00"}})
    results = await asyncio.gather(*(recorder.record(j) for j in [*good[:3], bad, *good[3:]]),
                                   return_exceptions=True)
    await recorder.close()
    assert [r is None for r in results] == [True, True, True, False, True, True]
    assert isinstance(results[3], asyncpg.exceptions.UntranslatableCharacterError)
    recorded = await db_pool.fetch(
        "SELECT args->'update'->>'update_id' AS id FROM procrastinate_jobs ORDER BY 1")
    assert [r["id"] for r in recorded] == ["1", "2", "3", "4", "5"]


def test_a_stripe_event_of_any_shape_is_routed() -> None:
    for data in (5, "x", [], None, {"object": 5}, {"object": {"metadata": [1]}}):
        job = routing.route_stripe_event({"id": "evt_1", "type": "x", "data": data})
        assert job.lock == "stripe_event:evt_1"


def test_a_stripe_event_time_beyond_any_calendar_reads_as_the_epoch() -> None:
    for created in (2**53 + 1, -(2**62), "soon", None):
        event = Event.parse({"id": "evt_1", "type": "x", "created": created})
        assert event.created == datetime.fromtimestamp(0, UTC)


def test_every_update_shape_telegram_sends_passes_the_check() -> None:
    # The fixtures are updates in the shapes Telegram actually sends (tests/fixtures).
    fixtures = sorted((Path(__file__).parent.parent / "fixtures" / "telegram").glob("*.json"))
    assert len(fixtures) >= 20
    for path in fixtures:
        update = payloads.decode(path.read_bytes())
        shapes.check_update(update)
    shapes.check_update({"update_id": 1, "message": {
        "message_id": 5, "date": 1, "chat": {"id": -1001, "type": "supergroup"},
        "forum_topic_edited": {"icon_custom_emoji_id": "5312536423851630001"}}})
