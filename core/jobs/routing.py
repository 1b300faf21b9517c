"""Which queue, task and actor lock an incoming update or event belongs to.

The ingress reads only what it needs to route; everything else is the
worker's business. Pure functions, so routing is unit-tested without I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from core.jobs import shapes
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.errors import BadInput

#: Update types the product acts on; the rest are acknowledged and dropped.
HANDLED = ("message", "edited_message", "callback_query", "pre_checkout_query", "my_chat_member",
           "inline_query", "chosen_inline_result")


def update_id(update: Mapping[str, Any]) -> int:
    value = update.get("update_id")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise BadInput("update_id must be a non-negative 64-bit integer")
    return value


def _user_id(obj: Mapping[str, Any]) -> int | None:
    sender = obj.get("from")
    if isinstance(sender, Mapping) and isinstance(sender.get("id"), int):
        return int(sender["id"])
    return None


def _chat(obj: object) -> Mapping[str, Any]:
    chat = obj.get("chat") if isinstance(obj, Mapping) else None
    return chat if isinstance(chat, Mapping) else {}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def migration_of(update: Mapping[str, Any]) -> tuple[int, int] | None:
    """(old id, new id) when the update is Telegram's service message about a group
    upgraded to a supergroup: ``migrate_to_chat_id`` in the old chat, or
    ``migrate_from_chat_id`` in the new one."""
    message = update.get("message")
    if not isinstance(message, Mapping):
        return None
    chat_id = _int(_chat(message).get("id"))
    if chat_id is None:
        return None
    to, came_from = _int(message.get("migrate_to_chat_id")), _int(message.get("migrate_from_chat_id"))
    if to is not None:
        return chat_id, to
    if came_from is not None:
        return came_from, chat_id
    return None


def command_word(message: Mapping[str, Any]) -> str | None:
    """``"credits"`` for a text ``/credits +5`` or ``/Credits@bot``; None when the text is
    not a command (a ``//`` note starts with a slash but no letter follows it)."""
    text = message.get("text")
    if not isinstance(text, str) or len(text) < 2 or text[0] != "/" or not text[1].isascii() \
            or not text[1].isalpha():
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()


#: Buttons of the control center carry data starting with this (core.admin).
OPERATOR_BUTTONS = "adm:"

#: ``!name`` alone in a customer's topic sends that quick reply (the desk).
QUICK_REPLY = re.compile(r"^![A-Za-z0-9_]{1,32}$")


def quick_reply_word(message: Mapping[str, Any]) -> str | None:
    """``"refund"`` for a text ``!refund`` (alone: ``!refund please`` is an ordinary reply)."""
    text = message.get("text")
    if not isinstance(text, str) or not QUICK_REPLY.match(text.strip()):
        return None
    return text.strip()[1:].lower()


def route_update(
    update: Mapping[str, Any], admin_chat_ids: Collection[int], operator_commands: Collection[str] = (),
) -> JobRequest | None:
    """The job for a Telegram update, or None when the product ignores it.

    ``operator_commands``: the control center's commands. Typed in a private
    chat they go to the admin queue (whoever types them: the admin worker
    answers a non-operator as it would any unknown command); in an admin
    group every command does, and never reaches a customer.
    """
    update_id(update)
    shapes.check_update(update)
    kind = next((k for k in HANDLED if isinstance(update.get(k), Mapping)), None)
    if kind is None:
        return None
    body: Mapping[str, Any] = update[kind]
    user = _user_id(body)
    args = {"update": update}

    moved = migration_of(update)
    if moved is not None and (moved[0] in admin_chat_ids or moved[1] in admin_chat_ids):
        # An admin group has a new id; both service messages record it, one at a time.
        return JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, f"admin:{moved[0]}", args)

    if kind == "pre_checkout_query":
        return JobRequest(Queue.BILLING, Task.BILLING_UPDATE, f"user:{user}", args)

    if kind in ("inline_query", "chosen_inline_result"):
        # Quick replies offered in inline mode (only operators get results).
        return JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, f"operator:{user}", args)

    chat = _chat(body.get("message") if kind == "callback_query" else body)
    chat_id = chat.get("id")
    in_admin_group = chat_id in admin_chat_ids

    operator = f"operator:{user}"
    if kind == "callback_query":
        data = body.get("data")
        if in_admin_group or (isinstance(data, str) and data.startswith(OPERATOR_BUTTONS)):
            return JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, operator, args)
        return JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE, f"user:{user}", args)

    if in_admin_group:
        thread = body.get("message_thread_id") if body.get("is_topic_message") else None
        if thread is None:
            # The group's General topic is where operators run the control center.
            return JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, f"admin:{chat_id}", args)
        if kind == "message" and command_word(body) is not None:
            # A command in a customer's topic acts on that customer; it is never relayed.
            return JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, operator, args)
        if kind == "message" and quick_reply_word(body) is not None:
            # A quick reply: sent by the desk, in order with the topic's other replies.
            return JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, f"topic:{chat_id}:{thread}", args)
        # Replies in one topic go out in the order operators wrote them.
        return JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE, f"topic:{chat_id}:{thread}", args)

    if chat.get("type") != "private" or user is None:
        return None
    if kind == "message" and any(isinstance(body.get(k), Mapping)
                                 for k in ("successful_payment", "refunded_payment")):
        return JobRequest(Queue.BILLING, Task.BILLING_UPDATE, f"user:{user}", args)
    if kind == "message" and command_word(body) in operator_commands:
        return JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE, operator, args)
    return JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE, f"user:{user}", args)


def route_stripe_event(event: Mapping[str, Any]) -> JobRequest:
    """Stripe events run on billing, serialized per Telegram user when the object names one."""
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise BadInput("a Stripe event needs an id and a type")
    # Only the id and type are sure: a signed body of any other shape is still Stripe's
    # to record, and the worker tells what it is (an event with no object matches nothing).
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    telegram_id = metadata.get("telegram_id") if isinstance(metadata, Mapping) else None
    customer = obj.get("customer") if isinstance(obj, Mapping) else None
    if isinstance(telegram_id, str) and telegram_id.isdigit():
        lock = f"user:{telegram_id}"
    elif isinstance(customer, str):
        lock = f"stripe_customer:{customer}"
    else:
        lock = f"stripe_event:{event['id']}"
    return JobRequest(Queue.BILLING, Task.BILLING_STRIPE_EVENT, lock, {"event": event})
