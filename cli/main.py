"""The command line's parser, dispatch and exit statuses."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from typing import IO

from cli import database, doctor, exports, people, stripe_events, telegram
from cli.wiring import CliError, Invocation
from core.platform import logs
from core.platform.errors import ConfigError

EPILOG = """\
exit status: 0 done; 1 failed (database, Telegram, Stripe or pg_dump unreachable
or refusing, or a check found a problem); 2 usage or configuration error;
3 refused because of the data (unknown user, too few credits, database not
empty, webhook not set). Errors go to stderr, results to stdout.

The environment is the processes' own (.env.example): DATABASE_URL (or the
embedded database in DATA_DIR), BOT_TOKEN (unset: sandbox), WEBHOOK_URL, ..."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="paid-desk", description="Operate a Paid Desk deployment.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (telegram, doctor, database, people, exports, stripe_events):
        module.add_commands(sub)
    return p


async def run(argv: Sequence[str], *, env: Mapping[str, str] | None = None, out: IO[str] | None = None,
              err: IO[str] | None = None) -> int:
    """Run one command; its exit status. ``env`` defaults to the process's environment."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = parser().parse_args(list(argv))
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    inv = Invocation(args=args, env=dict(os.environ if env is None else env), out=out, err=err)
    try:
        code: int = await args.run(inv)
    except CliError as exc:
        print(f"paid-desk {args.command}: {exc}", file=err, flush=True)
        return int(exc.code)
    return code


def main() -> None:
    try:
        settings_level = os.environ.get("LOG_LEVEL", "WARNING").upper()
        logs.configure(fmt="console", level=settings_level if settings_level in ("DEBUG", "INFO", "WARNING",
                                                                                  "ERROR") else "WARNING")
    except ConfigError:
        pass
    try:
        code = asyncio.run(run(sys.argv[1:]))
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code)
