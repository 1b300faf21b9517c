"""``export users|payments|ledger``: CSV on stdout, streamed from one consistent snapshot."""

from __future__ import annotations

import argparse

from cli.wiring import Exit, Invocation
from core.ops import exports
from core.ops.exports import Export


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export", help="CSV of users, payments or the ledger on stdout",
        description="Stream a table as CSV (header first) to stdout, read from one snapshot in chunks: "
                    "constant memory at a million rows. Money in integers (minor units, credits), "
                    "times in ISO 8601 UTC. The row count goes to stderr.")
    p.add_argument("what", choices=[e.value for e in Export])
    p.set_defaults(run=export)


async def export(inv: Invocation) -> int:
    what = Export(inv.args.what)
    async with inv.connection() as conn:
        count = await exports.write_csv(conn, what, inv.out)
    inv.note(f"{count} {what.value} rows")
    return Exit.OK
