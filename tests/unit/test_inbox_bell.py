"""The doorbell of listening drains (core.jobs.inbox_bell), without a database."""

from __future__ import annotations

import asyncio

from core.jobs.inbox_bell import Bell


def _listening() -> Bell:
    bell = Bell()
    bell.set_listening(True)
    return bell


async def test_a_ring_before_the_wait_still_counts() -> None:
    bell = _listening()
    ring = bell.arm(3)
    bell.on_notification(None, 1, "paid_desk_inbox", "3")  # between the take and the wait
    assert await bell.wait(ring, 5.0)


async def test_only_the_named_shard_is_woken() -> None:
    bell = _listening()
    three, four = bell.arm(3), bell.arm(4)
    bell.on_notification(None, 1, "paid_desk_inbox", "4")
    assert not await bell.wait(three, 0.01)
    assert await bell.wait(four, 0.01)


async def test_an_unreadable_payload_wakes_nobody() -> None:
    bell = _listening()
    ring = bell.arm(3)
    bell.on_notification(None, 1, "paid_desk_inbox", "3; DROP TABLE inbox")
    assert not await bell.wait(ring, 0.01)


async def test_a_disarmed_drain_is_not_rung() -> None:
    bell = _listening()
    ring = bell.arm(3)
    bell.disarm(3, ring)
    bell.ring(3)
    assert not ring.is_set()


async def test_closing_wakes_every_waiting_drain_and_says_stop() -> None:
    bell = _listening()
    rings = [bell.arm(1), bell.arm(2)]
    waits = [asyncio.create_task(bell.wait(r, 30.0)) for r in rings]
    await asyncio.sleep(0)
    bell.close()
    assert await asyncio.wait_for(asyncio.gather(*waits), 1.0) == [False, False]
    assert not bell.ready


async def test_a_lost_connection_wakes_every_waiting_drain_and_says_stop() -> None:
    bell = _listening()
    ring = bell.arm(7)
    wait = asyncio.create_task(bell.wait(ring, 30.0))
    await asyncio.sleep(0)
    bell.set_listening(False)
    assert await asyncio.wait_for(wait, 1.0) is False
    assert not bell.ready
    bell.set_listening(True)
    assert bell.ready
