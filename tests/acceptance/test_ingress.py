"""The ingress over HTTP: what it accepts, what it refuses, and that refusals change nothing."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import replace

from core.jobs import inbox, routing
from tests import builders
from tests.harness import System, running_system
from tests.stripe_signing import signature_header


async def _recorded(system: System) -> int:
    return await system.pool.fetchval("SELECT count(*) FROM procrastinate_jobs")


async def test_start_is_recorded_then_answered(system: System) -> None:
    update = builders.private_text(builders.MARIA, "/start")
    status, body = await system.post_update(update)
    assert (status, body) == (200, {"ok": True})
    shard = inbox.shard_of(f"user:{builders.MARIA.id}", system.settings.messaging_shards)
    jobs = await system.jobs()
    assert [(j["queue_name"], j["task_name"], j["lock"]) for j in jobs] == [
        ("messaging", "messaging.drain", f"drain:{shard}")
    ]
    [pending] = await system.pool.fetch("SELECT shard, update_id FROM inbox")
    assert (pending["shard"], pending["update_id"]) == (shard, update["update_id"])

    await system.drain()

    sent = await system.sent(builders.MARIA.id)
    assert len(sent) == 1
    assert sent[0]["kind"] == "text"
    assert sent[0]["text"].startswith("Boas-vindas, Maria Silva!")  # her Telegram language: pt-br
    assert set(sent[0]) >= {"chat_id", "message_id", "thread_id", "text", "reply_markup", "kind"}
    user = await system.pool.fetchrow("SELECT * FROM users WHERE telegram_id = $1", builders.MARIA.id)
    assert user["username"] == "maria_s"
    assert user["language_code"] == "pt-br"


async def test_wrong_or_missing_secret_is_refused_and_records_nothing(system: System) -> None:
    update = builders.private_text(builders.MARIA, "/start")
    assert (await system.post_update(update, secret="wrong"))[0] == 401
    assert (await system.post_update(update, secret=""))[0] == 401
    assert await _recorded(system) == 0


async def test_malformed_bodies_are_refused_and_record_nothing(system: System) -> None:
    for body in (b"{not json", b"[1, 2]", b"\xff\xfe", json.dumps({"message": {}}).encode(),
                 json.dumps({"update_id": "12"}).encode(), json.dumps({"update_id": -1}).encode()):
        status, answer = await system.post_update(body)
        assert status == 400, body
        assert answer["ok"] is False
        assert answer["error"]
    assert await _recorded(system) == 0


async def test_oversized_body_is_refused_with_413(system: System) -> None:
    update = builders.private_text(builders.MARIA, "x" * (1024 * 1024))
    status, answer = await system.post_update(update)
    assert status == 413
    assert "larger than" in answer["error"]
    assert await _recorded(system) == 0


async def test_unhandled_update_types_are_acknowledged_and_dropped(system: System) -> None:
    status, body = await system.post_update(builders.poll_update())
    assert (status, body) == (200, {"ok": True, "ignored": True})
    assert await _recorded(system) == 0


async def test_same_update_five_times_has_one_effect(system: System) -> None:
    update = builders.private_text(builders.MARIA, "/start")
    for _ in range(5):
        assert (await system.post_update(update))[0] == 200
    await system.drain()
    await system.post_update(update)  # and once more after it was processed
    await system.drain()

    assert len(await system.sent(builders.MARIA.id)) == 1
    assert await system.pool.fetchval("SELECT count(*) FROM users") == 1
    assert await system.pool.fetchval(
        "SELECT count(*) FROM processed_updates WHERE key = $1", str(update["update_id"])
    ) == 1
    assert await system.pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_updates_of_one_user_never_overlap_and_run_in_order(system: System) -> None:
    other = builders.Person(555, "Ana", None, None, "en")
    updates = []
    for i in range(8):
        updates.append(builders.private_text(builders.MARIA, f"m{i}"))
        updates.append(builders.private_text(other, f"m{i}"))
    for update in updates:
        assert (await system.post_update(update))[0] == 200

    await system.drain(concurrency=6)

    # Without credits every message is stored (held) in the order it was handled.
    for person in (builders.MARIA, other):
        handled = await system.pool.fetch(
            "SELECT m.text FROM messages m JOIN users u ON u.id = m.user_id"
            " WHERE u.telegram_id = $1 ORDER BY m.id", person.id)
        assert [r["text"] for r in handled] == [f"m{i}" for i in range(8)]
    # Drain jobs of one shard never overlapped.
    rows = await system.pool.fetch(
        """SELECT j.id, j.lock,
                  min(e.at) FILTER (WHERE e.type = 'started') AS started,
                  max(e.at) FILTER (WHERE e.type = 'succeeded') AS finished
           FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id
           WHERE j.task_name = 'messaging.drain'
           GROUP BY j.id, j.lock ORDER BY j.id"""
    )
    assert rows
    assert all(r["finished"] is not None for r in rows)
    by_lock: dict[str, list] = {}
    for row in rows:
        by_lock.setdefault(row["lock"], []).append(row)
    for lock_rows in by_lock.values():
        for earlier, later in itertools.pairwise(lock_rows):
            assert earlier["finished"] <= later["started"], "one shard's drains overlapped"
    assert await system.pool.fetchval("SELECT count(*) FROM inbox") == 0


async def test_stripe_event_with_valid_signature_is_queued_on_billing(system: System) -> None:
    event = {"id": "evt_1", "object": "event", "type": "checkout.session.completed",
             "data": {"object": {"id": "cs_1", "object": "checkout.session",
                                 "metadata": {"telegram_id": "123456789"}}}}
    payload = json.dumps(event).encode()
    header = signature_header(payload, system.settings.stripe_webhook_secret)
    async with system.http.post(f"{system.base_url}/webhooks/stripe", data=payload,
                                headers={"Stripe-Signature": header}) as response:
        assert response.status == 200
    jobs = await system.jobs()
    assert [(j["queue_name"], j["task_name"], j["lock"]) for j in jobs] == [
        ("billing", "billing.stripe_event", "user:123456789")
    ]
    await system.drain()
    assert await system.pool.fetchval(
        "SELECT count(*) FROM processed_updates WHERE source = 'stripe' AND key = 'evt_1'") == 1


async def test_forged_stale_or_missing_stripe_signatures_change_nothing(system: System) -> None:
    payload = json.dumps({"id": "evt_2", "object": "event", "type": "charge.refunded",
                          "data": {"object": {}}}).encode()
    secret = system.settings.stripe_webhook_secret
    for headers in (
        {"Stripe-Signature": signature_header(payload, "whsec_forged")},
        {"Stripe-Signature": signature_header(payload, secret, timestamp=int(time.time()) - 3600)},
        {"Stripe-Signature": "garbage"},
        {},
    ):
        async with system.http.post(f"{system.base_url}/webhooks/stripe", data=payload,
                                    headers=headers) as response:
            assert response.status == 400, headers
            assert (await response.json())["ok"] is False
    assert await _recorded(system) == 0


async def test_health_reports_database_and_queue_depth(system: System) -> None:
    await system.post_update(builders.private_text(builders.MARIA, "/start"))
    status, body = await system.get("/health")
    assert status == 200
    assert body["database"] == "ok"
    assert body["queues"]["messaging"] == {"todo": 1, "doing": 0, "failed": 0, "retrying": 0}
    assert body["queues"]["billing"]["todo"] == 0
    status, body = await system.get("/")
    assert status == 200


async def test_sandbox_messages_needs_an_integer_chat_id(system: System) -> None:
    assert (await system.get("/sandbox/messages?chat_id=abc"))[0] == 400
    assert (await system.get("/sandbox/messages"))[0] == 400
    assert await system.get("/sandbox/messages?chat_id=42") == (200, [])


async def test_database_down_answers_503_so_telegram_redelivers(unused_tcp_port: int) -> None:
    url = f"postgresql://postgres@127.0.0.1:{unused_tcp_port}/nowhere"
    async with running_system(url, with_workers=False) as system:
        status, body = await system.post_update(builders.private_text(builders.MARIA, "/start"))
        assert status == 503
        assert "database unavailable" in body["error"]
        status, body = await system.get("/health")
        assert status == 503
        assert body["database"] == "unreachable"


async def test_an_update_that_cannot_be_handled_is_set_aside_and_holds_up_nobody(system: System) -> None:
    other = builders.Person(556, "Ana", None, None, "en")
    broken = builders.private_text(builders.MARIA, "hello")
    del broken["message"]["message_id"]  # a shape the relay cannot work with
    # The ingress refuses it now (core.jobs.shapes); one recorded before that check, or
    # any update a worker cannot handle, is what this test is about: it goes in directly.
    refused = (400, {"ok": False, "error": "message.message_id is missing"})
    assert (await system.post_update(broken)) == refused
    good = [builders.private_text(builders.MARIA, "/start"), builders.private_text(other, "/start")]
    assert (await system.post_update(good[0]))[0] == 200
    async with system.pool.acquire() as conn:
        job = routing.route_update(good[0], ())
        assert job is not None
        await inbox.record(conn, [replace(job, args={"update": broken})], system.settings.messaging_shards)
    assert (await system.post_update(good[1]))[0] == 200
    await system.drain()

    # The other updates of the batch, the same user's included, were handled once.
    assert len(await system.sent(builders.MARIA.id)) == 1
    assert len(await system.sent(other.id)) == 1
    [aside] = await system.pool.fetch("SELECT update_id, error FROM inbox WHERE failed_at IS NOT NULL")
    assert aside["update_id"] == broken["update_id"]
    assert aside["error"].startswith("KeyError")
    status, health = await system.get("/health")
    assert status == 200
    assert health["inbox"] == {"pending": 0, "failed": 1}
    # The user's shard keeps flowing.
    await system.write(builders.private_text(builders.MARIA, "/help"))
    assert len(await system.sent(builders.MARIA.id)) == 2
