"""Questions a screen asks an operator: their next message answers it.

Kept in Postgres per operator (any worker may take the answer), with an
expiry; ``/cancel`` drops it. In the operator's private chat the answer is a
plain message, which the messaging worker hands to the control center instead
of relaying it (core.accounts.users reads that a question waits).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from core.admin.screens import Place
from core.platform.sql import q

#: How long a question waits for its answer.
EXPIRES_SECONDS = 600


@dataclass(frozen=True)
class Pending:
    kind: str
    params: Mapping[str, Any]
    place: Place
    #: The screen that asked, to show the answer's result in its place.
    message_id: int | None


async def ask(conn: asyncpg.Connection, operator_id: int, kind: str, params: Mapping[str, Any],
              place: Place, message_id: int | None) -> None:
    """Wait for the operator's answer (replacing a question they left unanswered)."""
    await conn.execute(q("pending_ask"), operator_id, kind, dict(params), place.chat_id, place.thread_id,
                       message_id, EXPIRES_SECONDS)


async def take(conn: asyncpg.Connection, operator_id: int) -> Pending | None:
    """The operator's open question, removed: an answer answers it once."""
    row = await conn.fetchrow(q("pending_take"), operator_id)
    if row is None:
        return None
    return Pending(row["kind"], row["params"], Place(row["chat_id"], row["thread_id"]), row["message_id"])


async def cancel(conn: asyncpg.Connection, operator_id: int) -> bool:
    return bool(await conn.fetchval(q("pending_cancel"), operator_id))
