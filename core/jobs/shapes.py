"""The types of the update fields the product reads, checked at the ingress.

Telegram's Bot API fixes each field's type; an update that breaks them is not
Telegram's, and a worker reading it would fail on it and set it aside (or
worse, half-handle it). The ingress refuses such an update with 400 and the
field's path, before anything is recorded. Only the fields some module reads
are checked: Telegram adds fields every release, and an unknown one is fine.
Values are not judged here (a negative id, an entity past the text's end):
the workers decide what a well-typed value means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.platform.errors import BadInput

#: Unix times the product converts to timestamps: within 32 bits, as Telegram's are.
MAX_DATE = 2**32
#: Message and topic ids are 32-bit in Telegram, and stored so (``integer`` columns).
INT32 = 2**31

Spec = Mapping[str, Any]
#: The key of a spec listing the fields an object must have.
REQUIRED = "!required"

USER: Spec = {
    REQUIRED: ("id", "is_bot", "first_name"), "id": "positive", "is_bot": bool, "first_name": str,
    "last_name": str, "username": str, "language_code": str,
}
CHAT: Spec = {
    REQUIRED: ("id", "type"), "id": int, "type": str, "title": str, "first_name": str, "last_name": str,
    "username": str, "is_forum": bool,
}
ENTITY: Spec = {
    REQUIRED: ("type", "offset", "length"), "type": str, "offset": int, "length": int, "url": str,
    "custom_emoji_id": str, "user": USER,
}
FILE: Spec = {
    REQUIRED: ("file_id",), "file_id": str, "file_unique_id": str, "file_size": int, "file_name": str,
    "mime_type": str, "width": int, "height": int, "duration": int,
}
#: Both payments' kinds: the charge id is what a grant or refund is keyed by.
PAYMENT: Spec = {
    REQUIRED: ("currency", "total_amount", "invoice_payload", "telegram_payment_charge_id"),
    "currency": str, "total_amount": int,
    "invoice_payload": str, "telegram_payment_charge_id": str, "provider_payment_charge_id": str,
    "subscription_expiration_date": "date", "is_recurring": bool, "is_first_recurring": bool,
}
TOPIC: Spec = {REQUIRED: ("name",), "name": str, "icon_color": int, "icon_custom_emoji_id": str}
#: An edit may change the icon alone: no field is sure.
TOPIC_EDIT: Spec = {"name": str, "icon_custom_emoji_id": str}

_MESSAGE_FIELDS: dict[str, Any] = {
    REQUIRED: ("message_id", "date", "chat"),
    "message_id": "int32", "message_thread_id": "int32", "date": "date", "edit_date": "date", "from": USER,
    "sender_chat": CHAT, "chat": CHAT, "is_topic_message": bool, "media_group_id": str,
    "text": str, "caption": str, "entities": [ENTITY], "caption_entities": [ENTITY],
    "photo": [FILE], "animation": FILE, "audio": FILE, "document": FILE, "video": FILE,
    "video_note": FILE, "voice": FILE, "sticker": FILE,
    "successful_payment": PAYMENT, "refunded_payment": PAYMENT,
    "forum_topic_created": TOPIC, "forum_topic_edited": TOPIC_EDIT,
    "migrate_to_chat_id": int, "migrate_from_chat_id": int,
    "new_chat_members": [USER], "left_chat_member": USER,
}
#: A reply's original: the same fields, one level deep (Telegram nests no further).
_MESSAGE_FIELDS["reply_to_message"] = dict(_MESSAGE_FIELDS)
MESSAGE: Spec = _MESSAGE_FIELDS

CALLBACK: Spec = {
    REQUIRED: ("id", "from"), "id": str, "from": USER, "message": MESSAGE, "inline_message_id": str,
    "chat_instance": str, "data": str,
}
PRE_CHECKOUT: Spec = {
    REQUIRED: ("id", "from", "currency", "total_amount", "invoice_payload"),
    "id": str, "from": USER, "currency": str, "total_amount": int, "invoice_payload": str,
}
#: Inline mode (quick replies): the sender is an operator, or is answered with nothing.
INLINE_QUERY: Spec = {
    REQUIRED: ("id", "from", "query", "offset"), "id": str, "from": USER, "query": str, "offset": str,
    "chat_type": str,
}
CHOSEN_INLINE_RESULT: Spec = {
    REQUIRED: ("result_id", "from", "query"), "result_id": str, "from": USER, "query": str,
    "inline_message_id": str,
}
MEMBER: Spec = {REQUIRED: ("status",), "status": str, "user": USER}
CHAT_MEMBER: Spec = {
    REQUIRED: ("chat", "from", "date", "new_chat_member"), "chat": CHAT, "from": USER, "date": "date",
    "old_chat_member": MEMBER, "new_chat_member": MEMBER,
}

#: The update kinds the product routes (core.jobs.routing.HANDLED), and what each must have.
UPDATE: Mapping[str, Spec] = {
    "message": MESSAGE, "edited_message": MESSAGE, "callback_query": CALLBACK,
    "pre_checkout_query": PRE_CHECKOUT, "my_chat_member": CHAT_MEMBER,
    "inline_query": INLINE_QUERY, "chosen_inline_result": CHOSEN_INLINE_RESULT,
}

_NAMES = {int: "an integer", str: "a string", bool: "true or false", "date": "a Unix time",
          "int32": "a 32-bit integer", "positive": "a positive integer"}


def check_update(update: Mapping[str, Any]) -> None:
    """Raise BadInput naming the first field of a routed kind whose type is wrong."""
    for kind, spec in UPDATE.items():
        if kind in update:
            _check_value(update[kind], spec, kind)


def _check(obj: Mapping[str, Any], spec: Spec, path: str) -> None:
    for name in spec.get(REQUIRED, ()):
        if name not in obj:
            raise BadInput(f"{path}.{name} is missing")
    for name, expected in spec.items():
        if name != REQUIRED and name in obj:
            _check_value(obj[name], expected, f"{path}.{name}")
    if spec is CHAT and obj.get("type") == "private":
        _check_value(obj.get("id"), "positive", f"{path}.id")


def _check_value(value: object, expected: Any, path: str) -> None:
    if isinstance(expected, Mapping):
        if not isinstance(value, Mapping):
            raise BadInput(f"{path} must be an object")
        _check(value, expected, path)
    elif isinstance(expected, list):
        if not isinstance(value, list):
            raise BadInput(f"{path} must be a list")
        for i, item in enumerate(value):
            _check_value(item, expected[0], f"{path}[{i}]")
    elif expected == "date":
        if not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_DATE):
            raise BadInput(f"{path} must be {_NAMES['date']}")
    elif expected == "int32":
        if not (isinstance(value, int) and not isinstance(value, bool) and -INT32 <= value < INT32):
            raise BadInput(f"{path} must be {_NAMES['int32']}")
    elif expected == "positive":
        # Users' ids, and so their private chats', are positive in Telegram; groups' negative.
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            raise BadInput(f"{path} must be {_NAMES['positive']}")
    elif expected is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadInput(f"{path} must be {_NAMES[int]}")
    elif not isinstance(value, expected):
        raise BadInput(f"{path} must be {_NAMES[expected]}")
