"""The ``bot_settings`` rows as the product reads them, and writing one.

Values in force are worked out by the product's own readers
(``core.platform.bot_settings`` and ``core.billing.rails``), so the screen
shows what users get, defaults and ignored malformed rows included. Every
process reads the rows again in each transaction: a committed change is in
force at the next update anywhere, with nothing to notify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from core.admin.settings_registry import Value
from core.billing import rails
from core.platform.bot_settings import BotSettings
from core.platform.sql import q


@dataclass(frozen=True)
class Stamp:
    """Who last wrote a row (None: a migration seeded it), and when."""

    at: datetime
    by: int | None
    by_name: str | None


@dataclass(frozen=True)
class Snapshot:
    #: Every key the product reads, with the value in force.
    values: Mapping[str, Value]
    #: The keys that have a row: when and by whom it was last written.
    stamps: Mapping[str, Stamp]


def in_force(rows: Mapping[str, Any]) -> dict[str, Value]:
    """The value the product uses for each key it reads, given these raw rows."""
    cfg = BotSettings.from_rows(rows)
    values: dict[str, Value] = {f.name: getattr(cfg, f.name) for f in fields(cfg)}
    # Whether Stripe is configured is the deployment's business, not the setting's.
    offered = rails.from_rows(dict(rows), stripe_configured=True)
    values.update(stripe_enabled=offered.stripe, stars_enabled=offered.stars,
                  terms_text=offered.terms_text, paysupport_text=offered.paysupport_text)
    values["welcome_text"] = dict(cfg.welcome_text)
    return values


async def snapshot(conn: asyncpg.Connection) -> Snapshot:
    rows = await conn.fetch(q("settings_store_all"))
    return Snapshot(
        in_force({r["key"]: r["value"] for r in rows}),
        {r["key"]: Stamp(r["updated_at"], r["updated_by"], r["updated_by_name"]) for r in rows},
    )


async def locked(conn: asyncpg.Connection, key: str) -> Value:
    """The value of ``key`` in force, held against other changes of it until commit."""
    await conn.execute(q("settings_store_lock"), key)
    raw = await conn.fetchrow(q("settings_store_one"), key)
    return in_force({key: raw["value"]} if raw is not None else {})[key]


async def write(conn: asyncpg.Connection, key: str, value: Value, by: int) -> None:
    stored = dict(value) if isinstance(value, Mapping) else value
    await conn.execute(q("settings_store_write"), key, stored, by)
