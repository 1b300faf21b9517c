"""The pure decisions of delivering a batch: which order a row keeps, which
slots a batch asks for, what the offsets granted make of each row, and when."""

from __future__ import annotations

from typing import Any

import pytest

from core.delivery import batch
from core.delivery.batch import Call, Planned
from core.delivery.budgets import Lane
from core.delivery.methods import Reservation
from core.delivery.outbox import Claimed, OutboxRow
from core.relay.slots import TopicState
from workers import wiring

GROUP = -1001000000001
MARIA, IVO = 42, 43
METHODS = wiring.delivery_methods()


def row(row_id: int, method: str, chat_id: int, *, attempts: int = 1, lane: Lane = Lane.NORMAL,
        **params: Any) -> OutboxRow:
    return OutboxRow(row_id, chat_id, method, {"chat_id": chat_id, **params}, attempts, lane)


def relay(row_id: int, user: int, *ids: int, **params: Any) -> OutboxRow:
    return row(row_id, "relayToTopic", GROUP, conversation_id=user, user_chat_id=user,
               message_ids=list(ids), message_row_ids=[i + 1000 for i in ids], **params)


def planned(r: OutboxRow, state: Any = None) -> Planned:
    return batch.plan(r, METHODS[r.method], state)


OPEN = TopicState(topic_id=7)
NO_TOPIC = TopicState()
CLOSED = TopicState(topic_id=7, closed=True)


def test_a_row_keeps_its_own_chats_order_and_a_relay_its_users() -> None:
    assert planned(row(1, "sendMessage", MARIA, text="hi")).order == MARIA
    assert planned(row(2, "relayToUser", IVO, admin_chat_id=GROUP, admin_message_ids=[5],
                       message_row_ids=[9])).order == IVO
    # Into the group, but the confirmation goes to Maria: her chat's rows stay in order with it.
    assert planned(relay(3, MARIA, 10), OPEN).order == MARIA


def test_a_bot_api_call_reserves_one_slot_per_message_it_creates() -> None:
    send = planned(row(1, "sendMessage", MARIA, text="hi", lane=Lane.PAID))
    copies = planned(row(2, "copyMessages", GROUP, from_chat_id=MARIA, message_ids=[1, 2, 3]))
    assert send.reservations == (Reservation(MARIA, Lane.PAID, 1),)
    assert copies.reservations == (Reservation(GROUP, Lane.NORMAL, 3),)


def test_a_relay_reserves_its_topic_first_its_copies_then_the_confirmation() -> None:
    new = planned(relay(1, MARIA, 10, 11), NO_TOPIC)
    reopened = planned(relay(2, MARIA, 12), CLOSED)
    ready = planned(relay(3, IVO, 13, low_credit_below=5), OPEN)
    assert new.reservations == (Reservation(GROUP, Lane.NORMAL, 2), Reservation(GROUP, Lane.NORMAL, 2),
                                Reservation(MARIA, Lane.NORMAL, 1))
    assert reopened.reservations[0] == Reservation(GROUP, Lane.NORMAL, 1)
    # The low-credit warning rides on the confirmation: two messages in the user's chat.
    assert ready.reservations == (Reservation(GROUP, Lane.NORMAL, 1), Reservation(IVO, Lane.NORMAL, 2))
    assert batch.wanted([new, ready]) == [(GROUP, Lane.NORMAL, 2), (GROUP, Lane.NORMAL, 2),
                                          (MARIA, Lane.NORMAL, 1), (GROUP, Lane.NORMAL, 1),
                                          (IVO, Lane.NORMAL, 2)]


def test_a_method_must_reserve_something() -> None:
    class Nothing:
        name = "nothing"

        def reservations(self, row: OutboxRow, state: None) -> list[Reservation]:
            return []

        def order_of(self, row: OutboxRow) -> int:
            return row.chat_id

    with pytest.raises(ValueError, match="reserved no slot"):
        batch.plan(row(1, "nothing", MARIA), Nothing(), None)  # type: ignore[arg-type]


def test_granted_offsets_are_split_back_over_the_rows_and_refused_ones_wait() -> None:
    first = planned(row(1, "sendMessage", MARIA, text="a"))
    relayed = planned(relay(2, MARIA, 10), NO_TOPIC)
    to_ivo = planned(row(3, "sendMessage", IVO, text="b"))
    later = planned(row(4, "sendMessage", IVO, text="c"))
    chats, waiting = batch.grant([first, relayed, to_ivo, later], [0.0, 0.2, 0.5, 0.7, 0.0, -2.5])
    assert [(c.row.id, c.granted) for c in chats[MARIA]] == [(1, (0.0,)), (2, (0.2, 0.5, 0.7))]
    assert [c.row.id for c in chats[IVO]] == [3]
    assert chats[MARIA][1].offset == 0.2  # the call goes when its first slot (the topic) is its own
    assert waiting == [(later.row, 2.5)]


def test_a_row_whose_first_slot_is_refused_waits_whatever_its_later_ones_got() -> None:
    relayed = planned(relay(1, MARIA, 10), NO_TOPIC)
    chats, waiting = batch.grant([relayed], [-4.0, -4.5, -4.5])
    assert chats == {}
    assert waiting == [(relayed.row, 4.0)]


def test_offsets_for_other_reservations_are_refused() -> None:
    with pytest.raises(ValueError, match="different number"):
        batch.grant([planned(relay(1, MARIA, 10), OPEN)], [0.0])


def test_the_gateway_looks_up_every_rows_chat_and_every_user_whose_order_is_kept() -> None:
    rows = [planned(relay(1, MARIA, 10), OPEN), planned(row(2, "sendMessage", IVO, text="x"))]
    chats, _ = batch.grant(rows, [0.0, 0.0, 0.0])
    assert set(batch.peers(chats)) == {GROUP, MARIA, IVO}


def call(r: OutboxRow, *granted: float) -> Call:
    return Call(planned(r), granted)


def test_a_call_that_waited_goes_a_fixed_moment_after_its_slot() -> None:
    assert batch.send_delay(start=100.0, offset=0.0, now=100.01) == pytest.approx(-0.01)
    lead = batch.SEND_LEAD_SECONDS
    assert batch.send_delay(start=100.0, offset=0.4, now=100.1) == pytest.approx(0.3 + lead)
    # On the broadcast lane even a slot free at once waits its moment: sent at once it
    # would crowd the previous batch's sends, each a moment after its own slot.
    assert batch.send_delay(start=100.0, offset=0.0, now=100.01, paced=True) == pytest.approx(lead - 0.01)


def test_only_a_late_call_into_a_busy_private_chat_is_put_back() -> None:
    to_maria = row(1, "sendMessage", MARIA, text="x")
    late = -(batch.LATE_SECONDS + 0.01)
    assert batch.too_late(call(to_maria, 0.5), late)
    assert not batch.too_late(call(to_maria, 0.5), -batch.LATE_SECONDS / 2)
    # A slot that was free at once was no one's to crowd.
    assert not batch.too_late(call(to_maria, 0.0), late)
    assert not batch.too_late(call(row(2, "sendMessage", MARIA, text="x", lane=Lane.PAID), 0.5), late)
    assert not batch.too_late(call(row(3, "sendMessage", GROUP, text="x"), 0.5), late)


def test_rows_put_back_are_due_before_their_slot_and_scheduled_in_few_jobs() -> None:
    waits = [(row(1, "sendMessage", MARIA, text="a"), 1.0), (row(2, "sendMessage", IVO, text="b"), 1.1),
             (row(3, "sendMessage", GROUP, text="c"), 3.0), (row(4, "sendMessage", MARIA, text="d"), 0.2),
             (row(5, "sendMessage", IVO, text="e"), 2.0)]
    plan = batch.scheduled(waits)
    lead = batch.RESERVE_LEAD_SECONDS
    assert [i for i, _ in plan.due] == [1, 2, 3, 4, 5]
    assert [wait for _, wait in plan.due] == pytest.approx(
        [1.0 - lead, 1.1 - lead, 3.0 - lead, batch.MIN_POSTPONE_SECONDS, 2.0 - lead])
    # A group's rows go to its drainer; private chats' share jobs, each due with its last row.
    assert plan.groups == [(GROUP, pytest.approx(3.0 - lead))]
    assert plan.jobs == [(0.5, [1, 2, 4]), (1.5, [5])]


def test_a_row_that_cannot_go_fails_unsent() -> None:
    claimed = [
        Claimed(row(1, "sendMessage", MARIA, text="a"), recipient_blocked=True),
        # The relay tells the operators the user blocked the bot: it goes anyway.
        Claimed(row(2, "relayToUser", MARIA, admin_chat_id=GROUP, admin_message_ids=[5],
                    message_row_ids=[9]), recipient_blocked=True),
        Claimed(row(3, "sendMessage", IVO, text="b"), recipient_blocked=False),
        Claimed(row(4, "sendMesage", IVO, text="c"), recipient_blocked=False),
    ]
    assert batch.unsendable(claimed, METHODS) == {
        "RecipientUnavailable: the user blocked the bot": [1],
        "BadCall: unknown outbox method 'sendMesage'": [4],
    }
