"""Albums to broadcast: their items, recorded as they reach the admin group.

Telegram delivers an album as one message per item, sharing a
``media_group_id``, and a reply (``/broadcast`` replying to the album) names
one item only. So every album item an operator sends in the admin group is
recorded as it arrives (on the admin queue, in order with the command that
follows it: both take the group's lock), and the broadcast copies them all in
one call per recipient, which Telegram keeps together as one album.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from core.platform.sql import q
from core.telegram.updates import message_kind

#: Telegram's limit: an album holds 2 to 10 items.
MAX_ITEMS = 10


async def record(conn: asyncpg.Connection, message: Mapping[str, Any]) -> None:
    """Keep the message if it is an album item (others are not kept)."""
    group = message.get("media_group_id")
    chat_id = (message.get("chat") or {}).get("id")
    if group is None or not isinstance(chat_id, int) or not isinstance(message.get("message_id"), int):
        return
    await conn.execute(q("campaign_albums_record"), chat_id, message["message_id"], str(group),
                       message_kind(message) or "service")


async def items(conn: asyncpg.Connection, source: Mapping[str, Any]) -> list[tuple[int, str]]:
    """The (message id, kind) of every item of the album ``source`` belongs to, in order;
    at most one more than an album holds (so that more is seen). Empty when the
    album was never recorded (sent before the bot kept albums, or elsewhere)."""
    chat_id = (source.get("chat") or {}).get("id")
    group = source.get("media_group_id")
    if group is None or not isinstance(chat_id, int):
        return []
    rows = await conn.fetch(q("campaign_albums_items"), chat_id, str(group), MAX_ITEMS + 1)
    return [(int(r["message_id"]), str(r["kind"])) for r in rows]
