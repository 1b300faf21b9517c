"""Quick replies: saved answers operators send with ``!name`` (or ``/qr name``).

A reply keeps the formatting it was written with (stored as text and
entities, sent as HTML) and may carry a photo or document. Its variables are
filled per user when it is sent, escaped; a variable that does not exist is
refused when the reply is saved, so a saved reply always renders.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

import asyncpg

from core.platform.sql import q
from core.telegram.html import to_html

VARIABLES = ("first_name", "name", "balance", "tier", "pass_until")
NAME = re.compile(r"^[a-z0-9_]{1,32}$")
CATEGORY = re.compile(r"^[a-z0-9_]{1,24}$")
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Telegram's limit on a message's text (a caption's is 1,024).
MAX_TEXT = 4096
MAX_CAPTION = 1024
DEFAULT_CATEGORY = "general"


class Invalid(ValueError):
    """A reply that cannot be saved; the message says why, for the operator."""


@dataclass(frozen=True)
class QuickReply:
    id: int
    name: str
    category: str
    text: str
    entities: tuple[Mapping[str, Any], ...]
    media_kind: str | None = None
    media_file_id: str | None = None


@dataclass(frozen=True)
class Draft:
    name: str
    category: str
    text: str
    entities: tuple[Mapping[str, Any], ...] = ()
    media_kind: str | None = None
    media_file_id: str | None = None


def unknown_variables(text: str) -> list[str]:
    return sorted({m.group(1) for m in _VARIABLE.finditer(text)} - set(VARIABLES))


def validate(draft: Draft) -> Draft:
    """The draft, normalised; raises :class:`Invalid` naming what is wrong."""
    name = draft.name.strip().lower().lstrip("!")
    category = (draft.category.strip().lower() or DEFAULT_CATEGORY)
    if not NAME.match(name):
        raise Invalid(f"“{escape(draft.name[:40])}” is not a usable name: 1 to 32 letters a-z, digits or _.")
    if not CATEGORY.match(category):
        raise Invalid(f"“{escape(draft.category[:40])}” is not a usable category: 1 to 24 letters a-z,"
                      " digits or _.")
    if draft.media_kind not in (None, "photo", "document") or (draft.media_kind is None) != (
            draft.media_file_id is None):
        raise Invalid("Only a photo or a document can be attached.")
    if not draft.text.strip() and draft.media_kind is None:
        raise Invalid("A quick reply needs a text (or a photo or document).")
    limit = MAX_CAPTION if draft.media_kind else MAX_TEXT
    if len(draft.text) > limit:
        raise Invalid(f"The text is {len(draft.text):,} characters; at most {limit:,} fit.")
    unknown = unknown_variables(draft.text)
    if unknown:
        listed = ", ".join("{" + escape(v) + "}" for v in unknown)
        known = ", ".join("{" + v + "}" for v in VARIABLES)
        raise Invalid(f"Unknown variable {listed}. Variables: {known}.")
    return Draft(name, category, draft.text, tuple(draft.entities), draft.media_kind, draft.media_file_id)


def _reply(r: asyncpg.Record) -> QuickReply:
    entities = r["entities"]
    if isinstance(entities, str):
        entities = json.loads(entities)
    return QuickReply(r["id"], r["name"], r["category"], r["text"], tuple(entities or ()), r["media_kind"],
                      r["media_file_id"])


async def get(conn: asyncpg.Connection, name: str) -> QuickReply | None:
    row = await conn.fetchrow(q("quick_replies_get"), name.strip().lower().lstrip("!"))
    return None if row is None else _reply(row)


async def by_id(conn: asyncpg.Connection, reply_id: int) -> QuickReply | None:
    row = await conn.fetchrow(q("quick_replies_by_id"), reply_id)
    return None if row is None else _reply(row)


async def save(conn: asyncpg.Connection, draft: Draft, operator_id: int) -> tuple[int, str | None]:
    """Save (create or replace) a validated reply: (its id, its text before or None)."""
    d = validate(draft)
    row = await conn.fetchrow(q("quick_replies_save"), d.name, d.category, d.text, list(d.entities),
                              d.media_kind, d.media_file_id, operator_id)
    assert row is not None
    return int(row["id"]), row["before"]


async def delete(conn: asyncpg.Connection, name: str) -> str | None:
    """Delete by name; the text it had, or None when there was none."""
    row = await conn.fetchrow(q("quick_replies_delete"), name.strip().lower().lstrip("!"))
    return None if row is None else str(row["text"])


@dataclass(frozen=True)
class Listed:
    reply: QuickReply
    uses: int


async def page(conn: asyncpg.Connection, category: str | None, number: int, size: int
               ) -> tuple[list[Listed], int]:
    rows = await conn.fetch(q("quick_replies_in_category"), category, size, number * size)
    return [Listed(_reply(r), int(r["uses"])) for r in rows], int(rows[0]["total"]) if rows else 0


async def categories(conn: asyncpg.Connection) -> list[tuple[str, int]]:
    return [(r["category"], int(r["replies"])) for r in await conn.fetch(q("quick_replies_categories"))]


async def matching(conn: asyncpg.Connection, typed: str, limit: int = 20) -> list[QuickReply]:
    return [_reply(r) for r in await conn.fetch(q("quick_replies_matching"), typed.strip(), limit)]


async def usage_by_operator(conn: asyncpg.Connection, limit: int = 5) -> list[tuple[int, int]]:
    return [(r["operator_id"], int(r["uses"])) for r in await conn.fetch(q("quick_replies_usage_by_operator"),
                                                                        limit)]


async def used(conn: asyncpg.Connection, reply_id: int, operator_id: int) -> None:
    await conn.execute(q("quick_replies_used"), reply_id, operator_id)


@dataclass(frozen=True)
class Values:
    telegram_id: int
    #: Why nothing can reach the user (banned, blocked the bot), or None.
    unreachable: str | None
    first_name: str
    name: str
    balance: int
    tier: str
    pass_until: datetime | None


async def values_for(conn: asyncpg.Connection, user_id: int) -> Values | None:
    r = await conn.fetchrow(q("quick_replies_variables"), user_id)
    if r is None:
        return None
    name = " ".join(p for p in (r["first_name"], r["last_name"]) if p)
    unreachable = ("this user is banned" if r["is_banned"]
                   else "the user blocked the bot" if r["blocked_bot_at"] is not None else None)
    return Values(r["telegram_id"], unreachable, r["first_name"] or name, name, int(r["credits"]), r["tier"],
                  r["pass_until"])


def render(reply: QuickReply, values: Values) -> str:
    """The reply as HTML for this user: its formatting kept, each variable
    replaced by the user's value, escaped."""
    filled = {
        "first_name": values.first_name, "name": values.name, "balance": f"{values.balance:,}",
        "tier": values.tier,
        "pass_until": f"{values.pass_until:%Y-%m-%d}" if values.pass_until else "—",
    }
    html = to_html(reply.text, reply.entities)
    # Braces are not escaped by to_html, so the variables are still there as written.
    return _VARIABLE.sub(lambda m: escape(filled[m.group(1)], quote=False) if m.group(1) in filled
                         else m.group(0), html)


def signed(html: str, signature: str | None) -> str:
    return html if not signature else f"{html}\n\n— {escape(signature, quote=False)}"


async def record_sent(conn: asyncpg.Connection, user_id: int, conversation_id: int, admin_chat_id: int,
                      text: str, operator_id: int) -> None:
    """The reply counts as the operator's message in the conversation (it answers the wait)."""
    await conn.execute(q("quick_replies_record_sent"), user_id, conversation_id, admin_chat_id, text,
                       operator_id)


def rows_for_export(replies: Sequence[QuickReply]) -> list[dict[str, Any]]:
    return [{"name": r.name, "category": r.category, "text": r.text, "entities": list(r.entities)}
            for r in replies]
