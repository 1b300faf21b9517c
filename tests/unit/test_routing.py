from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.jobs.queues import Queue, Task
from core.jobs.routing import migration_of, route_stripe_event, route_update
from core.platform.errors import BadInput
from tests import builders

ADMIN = (builders.SANDBOX_ADMIN_GROUP_ID,)


def test_private_message_goes_to_messaging_locked_per_user() -> None:
    job = route_update(builders.private_text(builders.MARIA, "hi"), ADMIN)
    assert job is not None
    assert (job.queue, job.task, job.lock) == (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789")


def test_operator_reply_in_topic_is_locked_per_topic() -> None:
    job = route_update(builders.admin_group_text(builders.OPERATOR, "hello", thread_id=800), ADMIN)
    assert job is not None
    assert (job.queue, job.lock) == (Queue.MESSAGING, f"topic:{ADMIN[0]}:800")


def test_general_topic_and_admin_callbacks_go_to_admin() -> None:
    job = route_update(builders.admin_group_text(builders.OPERATOR, "/admin"), ADMIN)
    assert job is not None
    assert job.queue == Queue.ADMIN
    callback = builders.callback(builders.OPERATOR, "x")
    callback["callback_query"]["message"]["chat"] = {"id": ADMIN[0], "type": "supergroup"}
    routed = route_update(callback, ADMIN)
    assert routed is not None
    assert routed.queue == Queue.ADMIN


def test_payments_go_to_billing() -> None:
    update = builders.private_text(builders.MARIA, "")
    # Payments in their Bot API shapes (the ingress checks the fields' types, core.jobs.shapes).
    update["message"]["successful_payment"] = {"currency": "XTR", "total_amount": 250,
                                               "invoice_payload": "pack25",
                                               "telegram_payment_charge_id": "stxA"}
    job = route_update(update, ADMIN)
    assert job is not None
    assert job.queue == Queue.BILLING
    pre = route_update({"update_id": 1, "pre_checkout_query": {
        "id": "1", "from": {"id": 5, "is_bot": False, "first_name": "A"}, "currency": "XTR",
        "total_amount": 250, "invoice_payload": "pack25"}}, ADMIN)
    assert pre is not None
    assert (pre.queue, pre.lock) == (Queue.BILLING, "user:5")
    refunded = builders.private_text(builders.MARIA, "")
    del refunded["message"]["text"]
    refunded["message"]["refunded_payment"] = {"currency": "XTR", "total_amount": 250,
                                               "invoice_payload": "pack25",
                                               "telegram_payment_charge_id": "stx1"}
    job = route_update(refunded, ADMIN)
    assert job is not None
    assert (job.queue, job.lock) == (Queue.BILLING, "user:123456789")


def test_unhandled_types_and_foreign_groups_are_ignored() -> None:
    assert route_update(builders.poll_update(), ADMIN) is None
    stranger_group = builders.admin_group_text(builders.MARIA, "hi")
    stranger_group["message"]["chat"]["id"] = -1009999
    assert route_update(stranger_group, ADMIN) is None


BASIC = -4001
NEW = -1001500000042


def _migrated_to(chat_id: int, new: int) -> dict:
    """Telegram's service message in a basic group it upgraded to a supergroup."""
    update = builders.admin_group_text(builders.OPERATOR, "")
    message = update["message"]
    del message["text"]
    message["chat"] = {"id": chat_id, "title": "Support desk", "type": "group"}
    message["migrate_to_chat_id"] = new
    return update


def _migrated_from(chat_id: int, old: int) -> dict:
    """The same, in the new supergroup."""
    update = builders.admin_group_text(builders.OPERATOR, "")
    message = update["message"]
    del message["text"]
    message["chat"]["id"] = chat_id
    message["migrate_from_chat_id"] = old
    return update


def test_an_admin_group_migrating_goes_to_admin_from_either_chat() -> None:
    assert migration_of(_migrated_to(BASIC, NEW)) == (BASIC, NEW)
    assert migration_of(_migrated_from(NEW, BASIC)) == (BASIC, NEW)
    for update in (_migrated_to(BASIC, NEW), _migrated_from(NEW, BASIC)):
        # The new chat is not known yet as an admin group: the old id says it is one.
        job = route_update(update, (BASIC,))
        assert job is not None
        assert (job.queue, job.task, job.lock) == (Queue.ADMIN, Task.ADMIN_UPDATE, f"admin:{BASIC}")
        # Once the new id is known (the ingress learnt it, or a restart loaded it): the same.
        again = route_update(update, (NEW,))
        assert again is not None
        assert again.lock == f"admin:{BASIC}"


def test_other_groups_migrating_are_ignored() -> None:
    assert route_update(_migrated_to(-5005, -1009999), ADMIN) is None
    assert route_update(_migrated_from(-1009999, -5005), ADMIN) is None
    assert migration_of(builders.private_text(builders.MARIA, "hi")) is None
    assert migration_of(builders.callback(builders.MARIA, "x")) is None


@pytest.mark.parametrize("update", [{}, {"update_id": "7"}, {"update_id": -3}, {"update_id": True}])
def test_update_id_is_required(update: dict) -> None:
    with pytest.raises(BadInput):
        route_update(update, ADMIN)


#: Where each shared fixture goes: (queue, task, lock), or None when it is acknowledged and dropped.
EXPECTED_ROUTES: dict[str, tuple[Queue, Task, str] | None] = {
    "callback_query": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "chosen_inline_result": (Queue.ADMIN, Task.ADMIN_UPDATE, "operator:222000111"),
    "forum_topic_closed_service": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "topic:-1001500000001:800"),
    "forum_topic_edited_service": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "topic:-1001500000001:800"),
    "general_topic_message_in_admin_group": (Queue.ADMIN, Task.ADMIN_UPDATE, "admin:-1001500000001"),
    "inline_query_in_admin_group": (Queue.ADMIN, Task.ADMIN_UPDATE, "operator:222000111"),
    "my_chat_member_blocked": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "non_admin_in_admin_group": (Queue.ADMIN, Task.ADMIN_UPDATE, "admin:-1001500000001"),
    "operator_document_upload_private": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:222000111"),
    "pre_checkout_query_stars": (Queue.BILLING, Task.BILLING_UPDATE, "user:123456789"),
    "private_album_part1": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "private_album_part2": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "private_command_with_botname": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "private_edited_text": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "private_photo_caption": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "private_reply_to_operator_copy": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:310000123"),
    "private_start_deeplink": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "private_sticker": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "private_text": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "private_voice": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:123456789"),
    "successful_payment_stars": (Queue.BILLING, Task.BILLING_UPDATE, "user:123456789"),
    "topic_reply_from_operator": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "topic:-1001500000001:800"),
    "topic_reply_to_relayed_message": (Queue.MESSAGING, Task.MESSAGING_UPDATE, "topic:-1001500000001:800"),
}


def test_every_shared_fixture_routes_where_it_belongs(shared_fixtures: dict[str, dict]) -> None:
    assert set(shared_fixtures) == set(EXPECTED_ROUTES), "a fixture without an expected route"
    for name, update in shared_fixtures.items():
        job = route_update(update, (-1001500000001,))
        found = None if job is None else (job.queue, job.task, job.lock)
        assert found == EXPECTED_ROUTES[name], name
        if job is not None:
            assert job.args == {"update": update}


def test_stripe_events_are_locked_per_user_or_customer() -> None:
    by_user = route_stripe_event(
        {"id": "evt_1", "type": "x", "data": {"object": {"metadata": {"telegram_id": "42"}}}}
    )
    assert by_user.lock == "user:42"
    by_customer = route_stripe_event(
        {"id": "evt_2", "type": "x", "data": {"object": {"customer": "cus_1"}}}
    )
    assert by_customer.lock == "stripe_customer:cus_1"
    with pytest.raises(BadInput):
        route_stripe_event({"type": "x"})


@pytest.fixture
def shared_fixtures() -> dict[str, dict]:
    folder = Path(__file__).resolve().parent.parent / "fixtures" / "telegram"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def test_a_quick_reply_alone_in_a_topic_goes_to_the_admin_queue_in_the_topics_order() -> None:
    job = route_update(builders.admin_group_text(builders.OPERATOR, "!refund", thread_id=800), ADMIN)
    assert job is not None
    assert (job.queue, job.lock) == (Queue.ADMIN, f"topic:{ADMIN[0]}:800")
    # With more words, or not a name, it is an ordinary reply, relayed.
    for text in ("!refund please", "!!!", "! refund", "wow!"):
        job = route_update(builders.admin_group_text(builders.OPERATOR, text, thread_id=800), ADMIN)
        assert job is not None
        assert (job.queue, job.lock) == (Queue.MESSAGING, f"topic:{ADMIN[0]}:800"), text
