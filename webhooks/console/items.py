"""Messages of the fake Telegram as the console page draws them (JSON).

One item per message: who sent it (with a name), its text and entities, its
keyboard, the file or invoice it carries, the message it replies to, whether
it was edited, and a line of text for service messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from core.sandbox.console import world
from core.sandbox.telegram.rows import Message

#: Media that are files, and what to call them when the page cannot show them.
FILE_KINDS = {"photo": "Photo", "document": "File", "video": "Video", "voice": "Voice message",
              "audio": "Audio", "animation": "GIF", "sticker": "Sticker", "video_note": "Video message"}


def money(amount: int, currency: str) -> str:
    if currency.upper() == "XTR":
        return f"⭐ {amount}"
    return f"{amount / 100:.2f} {currency.upper()}"


def service_text(extra: Mapping[str, Any], actor: str | None) -> str:
    """The line Telegram shows in place of a service message."""
    who = actor or "Someone"
    if "forum_topic_created" in extra:
        return f"Topic “{extra['forum_topic_created'].get('name', '')}” created"
    if "forum_topic_edited" in extra:
        name = extra["forum_topic_edited"].get("name")
        return f"Topic renamed to “{name}”" if name else "Topic edited"
    if "forum_topic_closed" in extra:
        return "Topic closed"
    if "forum_topic_reopened" in extra:
        return "Topic reopened"
    if "successful_payment" in extra:
        paid = extra["successful_payment"]
        return f"{who} paid {money(int(paid.get('total_amount', 0)), str(paid.get('currency', '')))}"
    if "refunded_payment" in extra:
        refunded = extra["refunded_payment"]
        return f"Refunded {money(int(refunded.get('total_amount', 0)), str(refunded.get('currency', '')))}"
    if "pinned_message" in extra:
        return f"{who} pinned a message"
    if "migrate_to_chat_id" in extra or "migrate_from_chat_id" in extra:
        return "The group was upgraded to a supergroup"
    if "new_chat_members" in extra:
        return f"{who} joined the group"
    if "left_chat_member" in extra:
        return f"{who} left the group"
    return ", ".join(k.replace("_", " ") for k in extra) or "Service message"


def _file(kind: str, extra: Mapping[str, Any], kept: set[str]) -> dict[str, Any] | None:
    if kind not in FILE_KINDS:
        return None
    raw = extra.get(kind)
    item = raw[-1] if isinstance(raw, list) and raw else raw
    if not isinstance(item, Mapping):
        return {"kind": kind, "label": FILE_KINDS[kind]}
    unique = str(item.get("file_unique_id", ""))
    return {
        "kind": kind, "label": FILE_KINDS[kind], "name": item.get("file_name"),
        "size": item.get("file_size"), "mime_type": item.get("mime_type"),
        "width": item.get("width"), "height": item.get("height"),
        "url": f"/sandbox/files/{unique}" if unique in kept else None,
    }


def _invoice(extra: Mapping[str, Any]) -> dict[str, Any] | None:
    invoice = extra.get("invoice")
    if not isinstance(invoice, Mapping):
        return None
    return {"title": invoice.get("title"), "description": invoice.get("description"),
            "price": money(int(invoice.get("total_amount", 0)), str(invoice.get("currency", ""))),
            "currency": invoice.get("currency"), "total_amount": invoice.get("total_amount")}


def _snippet(m: Message) -> str:
    if m.kind == "service":
        return service_text(m.extra, None)
    if m.text:
        return m.text[:120]
    return FILE_KINDS.get(m.kind, m.kind.capitalize())


def _name(
    m: Message, people: Mapping[int, world.Person], bot_name: str, names: Mapping[int, str]
) -> str | None:
    if m.from_bot:
        return bot_name
    if m.sender_id is None:
        return None
    person = people.get(m.sender_id)
    if person is not None and person.name != str(m.sender_id):
        return person.name
    # No profile (an owner who never wrote to the bot): the name the console gives them.
    return names.get(m.sender_id, str(m.sender_id))


async def render(
    conn: asyncpg.Connection, messages: Sequence[Message], *, bot_name: str,
    names: Mapping[int, str] | None = None,
) -> list[dict[str, Any]]:
    """The items of messages of one chat, in the order given; ``names`` for people without a profile."""
    names = names or {}
    if not messages:
        return []
    chat_id = messages[0].chat_id
    # Replying to the message that opened a topic is how Telegram marks a topic message: no quote.
    wanted = {m.reply_to_message_id for m in messages
              if m.reply_to_message_id is not None and m.reply_to_message_id != m.thread_id}
    replied = await world.messages_by_id(conn, chat_id, wanted) if wanted else {}
    senders = {m.sender_id for m in [*messages, *replied.values()] if m.sender_id and not m.from_bot}
    people = await world.people(conn, senders)
    uniques = []
    for m in messages:
        found = _file(m.kind, m.extra, set())
        raw = m.extra.get(m.kind)
        item = raw[-1] if isinstance(raw, list) and raw else raw
        if found is not None and isinstance(item, Mapping) and item.get("file_unique_id"):
            uniques.append(str(item["file_unique_id"]))
    kept = await world.files_kept(conn, uniques) if uniques else set()
    items = []
    for m in messages:
        sender = _name(m, people, bot_name, names)
        reply = replied.get(m.reply_to_message_id) if m.reply_to_message_id is not None else None
        forward = m.extra.get("forward_origin")
        items.append({
            "chat_id": m.chat_id, "message_id": m.message_id, "thread_id": m.thread_id, "kind": m.kind,
            "text": m.text, "entities": m.entities or [], "reply_markup": m.reply_markup,
            "from_bot": m.from_bot, "sender_id": m.sender_id, "sender": sender,
            "username": (people[m.sender_id].username
                         if m.sender_id in people else None),
            "date": m.created_at.isoformat(), "edited": m.edited_at is not None,
            "media_group_id": m.media_group_id,
            "reply_to": None if reply is None else {
                "message_id": reply.message_id, "sender": _name(reply, people, bot_name, names),
                "text": _snippet(reply)},
            "file": _file(m.kind, m.extra, kept),
            "invoice": _invoice(m.extra),
            "service": service_text(m.extra, sender) if m.kind == "service" else None,
            "forwarded": bool(forward),
        })
    return items
