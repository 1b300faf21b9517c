"""Abuse guards on users' messages: a rate limit and a cap on held messages.

A user without credits whose every message is held would otherwise fill the
``messages`` table; a user writing faster than anyone types slows the shard
their updates share with others. Both are judged before a message is stored:
a refused message is neither stored, charged nor relayed, and the user is told
once (per rate window; per filling of the held queue), not once per message,
so a flood of 10,000 costs a few rows and one or two notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from core.platform.bot_settings import BotSettings
from core.platform.sql import q

#: The rate window: ``messages_per_minute`` counts messages in it.
WINDOW_SECONDS = 60


class Refused(StrEnum):
    TOO_FAST = "too_fast"
    HELD_FULL = "held_full"


@dataclass(frozen=True)
class Refusal:
    reason: Refused
    #: Tell the user (the first refusal of its kind since the last notice).
    notify: bool
    #: TOO_FAST: seconds until the window ends.
    wait_seconds: int = 0


async def admit(conn: asyncpg.Connection, cfg: BotSettings, user_id: int) -> Refusal | None:
    """None when the message may be stored, else why not; in the caller's transaction
    (which holds the user's row locked, so a user's messages are judged one at a time)."""
    rate_limited, cap = cfg.messages_per_minute > 0, cfg.max_held_messages
    if not rate_limited and cap <= 0:
        return None
    row = await conn.fetchrow(q("guard_admit"), user_id, WINDOW_SECONDS, rate_limited, cap)
    assert row is not None
    if rate_limited and row["window_count"] > cfg.messages_per_minute:
        told = await conn.fetchval(q("guard_rate_notified"), user_id)
        return Refusal(Refused.TOO_FAST, notify=bool(told), wait_seconds=int(row["wait"]))
    if cap > 0:
        held = int(row["held"])
        if held >= cap:
            told = await conn.fetchval(q("guard_held_full_notified"), user_id, True)
            return Refusal(Refused.HELD_FULL, notify=bool(told))
        if held > 0:
            # Room again (some were released): the next filling is told again.
            await conn.execute(q("guard_held_full_notified"), user_id, False)
    return None
