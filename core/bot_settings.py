"""Operator-editable settings, typed, with defaults for keys not set yet."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import asyncpg

from core.queries import q


@dataclass(frozen=True)
class BotSettings:
    message_cost: int = 1
    signup_credits: int = 3
    note_prefix: str = "//"

    @classmethod
    def from_rows(cls, rows: dict[str, Any]) -> BotSettings:
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in rows.items():
            if key in known:
                default = getattr(cls, key)
                values[key] = type(default)(value)
        return cls(**values)


async def load(conn: asyncpg.Connection) -> BotSettings:
    rows = await conn.fetch(q("settings_all"))
    return BotSettings.from_rows({r["key"]: r["value"] for r in rows})
