"""The migrations on disk against those a database recorded (``schema_migrations``).

``sql/migrate.sh`` applies ``sql/migrations/*.sql`` (and, in sandbox mode,
``sql/sandbox/*.sql`` as ``sandbox/NAME``) and records each name; a process
is ready only when every file it ships is applied. The folder is found beside
the source tree (the project is installed editable, in the image too), or at
``SQL_DIR``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import asyncpg

from core.platform.sql import q

ROOT = Path(__file__).resolve().parents[2]


class MigrationsMissing(Exception):
    """The folder of migrations is not where the process looks for it."""


def sql_dir(env: Mapping[str, str] | None = None) -> Path:
    configured = (os.environ if env is None else env).get("SQL_DIR")
    folder = Path(configured) if configured else ROOT / "sql"
    if not (folder / "migrations").is_dir() or not (folder / "migrate.sh").is_file():
        raise MigrationsMissing(f"no sql/migrations and sql/migrate.sh in {folder} (set SQL_DIR)")
    return folder


def on_disk(*, sandbox: bool, env: Mapping[str, str] | None = None) -> list[str]:
    """The names migrate.sh records for the files it would apply, in order."""
    folder = sql_dir(env)
    names = sorted(p.name for p in (folder / "migrations").glob("[0-9]*.sql"))
    if sandbox:
        names += sorted(f"sandbox/{p.name}" for p in (folder / "sandbox").glob("[0-9]*.sql"))
    return names


async def applied(conn: asyncpg.Connection) -> set[str]:
    if not await conn.fetchval(q("migrations_table_exists")):
        return set()
    return {r["name"] for r in await conn.fetch(q("migrations_applied"))}


async def pending(
    conn: asyncpg.Connection, *, sandbox: bool, env: Mapping[str, str] | None = None
) -> list[str]:
    """Files on disk the database has not applied yet, in order."""
    done = await applied(conn)
    return [name for name in on_disk(sandbox=sandbox, env=env) if name not in done]
