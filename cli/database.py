"""``migrate``, ``backup`` and ``restore``: the database, with Postgres' own tools.

Backups are pg_dump's custom format (compressed, restorable table by table,
readable by any newer pg_restore); restore goes into an empty database in one
transaction, so a failed restore leaves it empty, and refuses a database
holding anything unless told ``--force``.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from cli import pgtools
from cli.wiring import CliError, Exit, Invocation
from core.ops import backups, migrations


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "migrate", help="apply the migrations this release ships",
        description="Run sql/migrate.sh against DATABASE_URL (the embedded database without it): each "
                    "migration not yet applied, in order, in its own transaction. Running it again changes "
                    "nothing. Needs psql: the system's, else the one the embedded Postgres wheel ships.")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--sandbox", dest="sandbox", action="store_true", default=None,
                      help="also the stand-ins' tables (the default without BOT_TOKEN)")
    mode.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                      help="production migrations only, even without BOT_TOKEN")
    p.set_defaults(run=migrate)

    p = sub.add_parser(
        "backup", help="dump the database to a file (pg_dump, custom format)",
        description="Write the whole database with pg_dump --format=custom. Restore it with "
                    "`paid-desk restore FILE` into an empty database.")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="where to write (default: paid-desk-YYYYMMDD-HHMMSS.dump here; - for stdout)")
    p.set_defaults(run=backup)

    p = sub.add_parser(
        "restore", help="restore a backup into an empty database",
        description="Load a `paid-desk backup` file with pg_restore, in one transaction. Refuses (exit "
                    "status 3) a database that holds any table unless --force, which drops what the "
                    "backup contains first.")
    p.add_argument("file", metavar="FILE", help="the backup (- for stdin)")
    p.add_argument("--force", action="store_true",
                   help="restore into a database that is not empty, replacing the objects the backup has")
    p.set_defaults(run=restore)


async def _run(inv: Invocation, command: list[str], url: str, *, tool_path: Path | None = None,
               capture: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a Postgres tool against ``url``, its password in the environment, not in ``ps``."""
    bare, password = pgtools.split_password(url)
    env = inv.tool_env()
    env["DATABASE_URL"] = bare
    if password is not None:
        env["PGPASSWORD"] = password
    if tool_path is not None:
        env["PATH"] = f"{tool_path}:{env.get('PATH', '')}"
    args = [a.replace("{url}", bare) for a in command]
    return await asyncio.to_thread(
        subprocess.run, args, env=env, text=True, check=False,
        stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE)


async def migrate(inv: Invocation) -> int:
    sandbox = inv.settings.sandbox if inv.args.sandbox is None else inv.args.sandbox
    try:
        folder = migrations.sql_dir(inv.env)
    except migrations.MigrationsMissing as exc:
        raise CliError(str(exc), Exit.USAGE) from None
    psql = pgtools.find("psql")
    done = await _run(inv, ["bash", str(folder / "migrate.sh"), *(["--sandbox"] if sandbox else [])],
                      inv.database_url(), tool_path=psql.parent)
    if done.stdout:
        inv.say(done.stdout.rstrip())
    if done.returncode != 0:
        raise CliError(f"migrations failed:\n{done.stderr.strip()}")
    return Exit.OK


async def _server_major(inv: Invocation) -> tuple[int, int, str]:
    """(server's major version, relations in the database, URL)."""
    url = inv.database_url()
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise CliError(f"database unreachable ({type(exc).__name__}: {exc}): check DATABASE_URL") from None
    try:
        return await backups.server_major(conn), await backups.relations(conn), url
    finally:
        await conn.close()


async def backup(inv: Invocation) -> int:
    major, relations, url = await _server_major(inv)
    if relations == 0:
        raise CliError("the database is empty: nothing to back up", Exit.REFUSED)
    pg_dump = pgtools.find("pg_dump", at_least=major)
    output = inv.args.output or f"paid-desk-{datetime.now(UTC):%Y%m%d-%H%M%S}.dump"
    to_stdout = output == "-"
    command = [str(pg_dump), "--format=custom", "--no-password", "--dbname={url}"]
    if not to_stdout:
        command.append(f"--file={output}")
    else:
        sys.stdout.flush()
    done = await _run(inv, command, url, capture=not to_stdout)
    if done.returncode != 0:
        raise CliError(f"pg_dump failed: {done.stderr.strip()}")
    if not to_stdout:
        size = (await asyncio.to_thread(Path(output).stat)).st_size
        inv.note(f"backup written: {output} ({size / 1e6:.1f} MB, {relations} relations, "
                 f"pg_dump {pgtools.major_of(pg_dump)})")
        inv.say(output)
    return Exit.OK


async def restore(inv: Invocation) -> int:
    source = inv.args.file
    if source != "-" and not await asyncio.to_thread(Path(source).is_file):
        raise CliError(f"no such backup file: {source}", Exit.USAGE)
    major, relations, url = await _server_major(inv)
    if relations and not inv.args.force:
        raise CliError(f"the database is not empty ({relations} tables, views or sequences): restore into "
                       "an empty database (createdb), or pass --force to replace what the backup holds",
                       Exit.REFUSED)
    # As new as the server and as the pg_dump that wrote the archive, no newer.
    dumper = await asyncio.to_thread(pgtools.dumped_by, Path(source)) if source != "-" else None
    pg_restore = pgtools.find("pg_restore", at_least=max(major, dumper or 0))
    command = [str(pg_restore), "--no-password", "--no-owner", "--exit-on-error", "--single-transaction",
               "--dbname={url}"]
    if relations:
        command += ["--clean", "--if-exists"]
    if source != "-":
        command.append(source)
    done = await _run(inv, command, url)
    if done.returncode != 0:
        raise CliError(f"pg_restore failed, nothing was restored: {done.stderr.strip()}")
    conn = await asyncpg.connect(url, timeout=10)
    try:
        found = await backups.summary(conn)
    finally:
        await conn.close()
    inv.say(f"restored: {found.users} users, {found.credits} credits, {found.ledger_rows} ledger rows, "
            f"{found.payments} payments; schema at {found.migration}")
    inv.note("run `paid-desk migrate` if this release ships newer migrations than the backup's")
    return Exit.OK
