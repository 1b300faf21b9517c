"""Outbox methods: the registry that checks calls where they are made, and what
the relay makes of the slots granted to it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core.delivery import bot_api
from core.delivery.methods import Methods
from core.delivery.outbox import OutboxRow
from core.platform.errors import BadCall, PermanentError
from core.relay.slots import TopicState, to_topic_hints
from workers import wiring

ROOT = Path(__file__).resolve().parents[2]
GROUP, MARIA = -1001000000001, 42
METHODS = wiring.delivery_methods()


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(BadCall, match="unknown outbox method 'sendMesage'"):
        METHODS.check("sendMesage", {"chat_id": MARIA, "text": "hi"})
    assert issubclass(BadCall, PermanentError)  # a bug: retrying changes nothing


def test_a_call_missing_what_it_needs_is_refused() -> None:
    with pytest.raises(BadCall, match="sendMessage needs text"):
        METHODS.check("sendMessage", {"chat_id": MARIA, "txt": "hi"})
    with pytest.raises(BadCall, match="relayToTopic needs conversation_id, message_row_ids"):
        METHODS.check("relayToTopic", {"chat_id": GROUP, "user_chat_id": MARIA, "message_ids": [1]})
    METHODS.check("sendMessage", {"chat_id": MARIA, "text": "hi", "parse_mode": "HTML"})


def test_a_method_is_registered_once() -> None:
    [send] = [m for m in bot_api.methods() if m.name == "sendMessage"]
    with pytest.raises(ValueError, match="sendMessage registered twice"):
        Methods([send, send])


def test_every_method_the_code_sends_is_registered() -> None:
    """The suite makes every call; this also covers a branch a test might miss."""
    sent = re.compile(r"""\.send\(\s*["'](\w+)["']""")
    used = {name for folder in ("core", "workers") for path in (ROOT / folder).rglob("*.py")
            for name in sent.findall(path.read_text(encoding="utf-8"))}
    assert {"sendMessage", "relayToTopic", "relayToUser", "answerCallbackQuery"} <= used
    assert used <= METHODS.names


def relay(attempts: int = 1, **params: Any) -> OutboxRow:
    return OutboxRow(1, GROUP, "relayToTopic", {"chat_id": GROUP, "conversation_id": 3, "user_chat_id": MARIA,
                                                "message_ids": [10], "message_row_ids": [20], **params},
                     attempts)


def test_a_topic_state_says_what_the_group_sees_before_the_copies() -> None:
    assert (TopicState().messages_first, TopicState().open_topic_id) == (2, None)  # created, with its summary
    assert (TopicState(7, closed=True).messages_first, TopicState(7, closed=True).open_topic_id) == (1, None)
    assert (TopicState(7).messages_first, TopicState(7).open_topic_id) == (0, 7)


def test_a_relay_into_an_open_topic_copies_now_and_confirms_when_its_slot_comes() -> None:
    hints = to_topic_hints(relay(), TopicState(7), [0.2, 0.9])
    assert (hints.topic_id, hints.topic_only, hints.copy_after) == (7, False, 0.0)
    assert (hints.confirmation_reserved, hints.confirmation_after) == (True, pytest.approx(0.7))
    assert not hints.retried


def test_a_new_topic_then_the_copies_in_their_own_slots() -> None:
    hints = to_topic_hints(relay(), TopicState(), [0.0, 0.4, 0.5])
    assert (hints.topic_id, hints.topic_only) == (None, False)
    assert (hints.copy_after, hints.confirmation_after) == (pytest.approx(0.4), pytest.approx(0.1))


def test_when_only_the_topic_fits_it_is_made_and_the_row_waits_for_its_copies() -> None:
    hints = to_topic_hints(relay(), TopicState(7, closed=True), [0.3, -2.5, -2.5])
    assert (hints.topic_only, hints.copies_wait) == (True, 2.5)
    assert not hints.confirmation_reserved


def test_a_refused_confirmation_is_left_to_a_short_wait_at_send_time() -> None:
    hints = to_topic_hints(relay(), TopicState(7), [0.0, -1.5])
    assert (hints.topic_only, hints.confirmation_reserved) == (False, False)


def test_a_retried_relay_skips_what_its_earlier_try_recorded() -> None:
    assert to_topic_hints(relay(attempts=2), TopicState(7), [0.0, 0.0]).retried
