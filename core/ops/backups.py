"""What backup and restore need to know of a database: is it empty, which server, what is in it."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core.platform.sql import q


@dataclass(frozen=True)
class Summary:
    users: int
    credits: int
    ledger_rows: int
    payments: int
    #: The last production migration applied.
    migration: str | None


async def relations(conn: asyncpg.Connection) -> int:
    """How many tables, views and sequences the database holds (0: empty)."""
    found: int = await conn.fetchval(q("backups_relations"))
    return found


async def server_major(conn: asyncpg.Connection) -> int:
    major: int = await conn.fetchval(q("backups_server_major"))
    return major


async def server_version(conn: asyncpg.Connection) -> str:
    version: str = await conn.fetchval(q("backups_server_version"))
    return version


async def summary(conn: asyncpg.Connection) -> Summary:
    row = await conn.fetchrow(q("backups_summary"))
    assert row is not None
    return Summary(**dict(row))
