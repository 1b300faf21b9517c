"""Bot API updates in the shapes Telegram sends (see the shared fixtures)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from core.platform.config import SANDBOX_ADMIN_GROUP_ID, SANDBOX_BOT_ID

_update_ids = itertools.count(800_000_000)
# Telegram numbers a private chat's messages from both sides in one sequence;
# gaps leave room for the bot's own messages between two of the user's.
_message_ids = itertools.count(10_000_000, 1000)
DATE = 1763900000


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str = "Maria"
    last_name: str | None = "Silva"
    username: str | None = "maria_s"
    language_code: str | None = "pt-br"

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user

    def as_private_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "first_name": self.first_name, "type": "private"}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


MARIA = Person(123456789)
OPERATOR = Person(222000111, "Olek", None, "olek_support", "uk")
BOT = {"id": SANDBOX_BOT_ID, "is_bot": True, "first_name": "Paid Desk", "username": "paid_desk_bot"}


def next_update_id() -> int:
    return next(_update_ids)


def private_text(person: Person, text: str, *, update_id: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": person.as_user(),
        "chat": person.as_private_chat(),
        "date": DATE,
        "text": text,
    }
    if text.startswith("/"):
        word = text.split(" ", 1)[0]
        message["entities"] = [{"offset": 0, "length": len(word), "type": "bot_command"}]
    return {"update_id": update_id if update_id is not None else next_update_id(), "message": message}


def callback(person: Person, data: str, *, query_id: str | None = None) -> dict[str, Any]:
    return {
        "update_id": next_update_id(),
        "callback_query": {
            "id": query_id or str(next(_message_ids) * 1_000_003),
            "from": person.as_user(),
            "chat_instance": "-8457392018374650011",
            "data": data,
            "message": {
                "message_id": next(_message_ids),
                "from": BOT,
                "chat": person.as_private_chat(),
                "date": DATE,
                "text": "Choose",
            },
        },
    }


def admin_group_text(person: Person, text: str, *, thread_id: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": person.as_user(),
        "chat": {"id": SANDBOX_ADMIN_GROUP_ID, "title": "Support desk", "is_forum": True,
                 "type": "supergroup"},
        "date": DATE,
        "text": text,
    }
    if thread_id is not None:
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True
    return {"update_id": next_update_id(), "message": message}


def poll_update() -> dict[str, Any]:
    """An update type the product does not handle."""
    return {"update_id": next_update_id(),
            "poll": {"id": "5", "question": "?", "options": [], "total_voter_count": 0,
                     "is_closed": False, "is_anonymous": True, "type": "regular",
                     "allows_multiple_answers": False}}


def private_photo(person: Person, caption: str | None = None, *,
                  media_group_id: str | None = None) -> dict[str, Any]:
    update = private_text(person, "")
    message = update["message"]
    del message["text"]
    message["photo"] = [{"file_id": f"AgACAgQAAxkBAAIB{message['message_id']}",
                         "file_unique_id": f"AQAD{message['message_id']}", "file_size": 90000,
                         "width": 1280, "height": 720}]
    if caption is not None:
        message["caption"] = caption
    if media_group_id is not None:
        message["media_group_id"] = media_group_id
    return update


def edited(update: dict[str, Any], text: str) -> dict[str, Any]:
    message = dict(update["message"])
    message["text"] = text
    message["edit_date"] = DATE + 60
    return {"update_id": next_update_id(), "edited_message": message}


def topic_message(person: Person | None, thread_id: int, text: str | None = "reply",
                  **extra: Any) -> dict[str, Any]:
    """A message in a topic of the admin group; ``person=None`` means the bot itself."""
    update = admin_group_text(person or OPERATOR, text or "", thread_id=thread_id)
    message = update["message"]
    if person is None:
        message["from"] = BOT
    if text is None:
        del message["text"]
    message.update(extra)
    return update


def my_chat_member(person: Person, status: str) -> dict[str, Any]:
    return {"update_id": next_update_id(), "my_chat_member": {
        "chat": person.as_private_chat(), "from": person.as_user(), "date": DATE,
        "old_chat_member": {"user": BOT, "status": "member"},
        "new_chat_member": {"user": BOT, "status": status, "until_date": 0},
    }}


OWNER = Person(1000001, "Olga", "Owner", "olga_owner", "en")


def press(person: Person, sent: dict[str, Any], data: str, *, query_id: str | None = None) -> dict[str, Any]:
    """``person`` presses the button ``data`` on a message the bot sent (an item of
    ``/sandbox/messages``): in its chat, and its forum topic when it has one."""
    chat_id = int(sent["chat_id"])
    if chat_id < 0:
        chat: dict[str, Any] = {"id": chat_id, "title": "Support desk", "is_forum": True,
                                "type": "supergroup"}
    else:
        chat = person.as_private_chat() if chat_id == person.id else {"id": chat_id, "type": "private",
                                                                       "first_name": "Someone"}
    message: dict[str, Any] = {"message_id": sent["message_id"], "from": BOT, "chat": chat, "date": DATE,
                               "text": sent.get("text") or ""}
    if sent.get("thread_id"):
        message["message_thread_id"] = sent["thread_id"]
        message["is_topic_message"] = True
    return {"update_id": next_update_id(), "callback_query": {
        "id": query_id or str(next(_message_ids) * 1_000_003), "from": person.as_user(),
        "chat_instance": "-8457392018374650011", "data": data, "message": message}}


def with_command_entity(update: dict[str, Any]) -> dict[str, Any]:
    """Mark the text's first word as a bot command, as Telegram does in groups too."""
    message = update["message"]
    text = message.get("text") or ""
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split(" ", 1)[0]), "type": "bot_command"}]
    return update
