"""The relay's pure decision: which held messages go now, in order, at what cost."""

from __future__ import annotations

from core.relay.incoming import Charge, plan_release
from core.relay.messages import Held

HELD = [Held(i, 100 + i, None) for i in range(1, 6)]


def test_the_balance_pays_for_the_oldest_messages_first() -> None:
    assert plan_release(HELD, credits=3, cost=1, pass_active=False) == [Charge(m, 1) for m in HELD[:3]]


def test_a_message_the_balance_cannot_pay_for_stops_the_later_ones() -> None:
    # 5 credits at 2 a message: two go; the third waits, and the fourth and fifth behind it.
    assert [c.message.id for c in plan_release(HELD, credits=5, cost=2, pass_active=False)] == [1, 2]
    assert plan_release(HELD, credits=1, cost=2, pass_active=False) == []
    assert plan_release(HELD, credits=0, cost=1, pass_active=False) == []


def test_an_active_pass_relays_everything_free() -> None:
    assert plan_release(HELD, credits=0, cost=5, pass_active=True) == [Charge(m, 0) for m in HELD]


def test_a_free_message_cost_charges_nothing() -> None:
    assert plan_release(HELD[:2], credits=0, cost=0, pass_active=False) == [Charge(m, 0) for m in HELD[:2]]


def test_nothing_held_nothing_released() -> None:
    assert plan_release([], credits=10, cost=1, pass_active=False) == []
