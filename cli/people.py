"""``operator add|remove|list`` and ``credits``: what owners otherwise do in the control center.

Each change is audited like one made in Telegram, by the operator id 0 (the
command line), and its effects go out as the control center's do: through
the outbox, delivered by a messaging worker (a job is queued in the same
transaction). ``credits`` takes an idempotency key, so a script that runs twice
grants once.
"""

from __future__ import annotations

import argparse
import json
import uuid

import asyncpg

from cli.wiring import CliError, Exit, Invocation
from core.accounts import ledger
from core.accounts.events import CreditsArrived
from core.admin import audit, menus, refs, roles
from core.admin.roles import Operator, Role
from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from workers.wiring import BUS, delivery_methods

#: Who the audit log names for changes made here.
CLI_OPERATOR = Operator(0, Role.OWNER, "paid-desk CLI")
#: The calls recorded here are the workers' to send: checked against the same methods.
METHODS = delivery_methods()


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("operator", help="add, remove or list operators",
                       description="Operators of the control center and their roles. Owners named in "
                                   "ADMIN_USER_ID are owners whatever this says.")
    ops = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = ops.add_parser("add", help="add an operator, or change their role")
    add.add_argument("ref", help="Telegram id, or @username of someone who wrote to the bot")
    add.add_argument("role", choices=[r.value for r in Role])
    add.set_defaults(run=operator_add)
    remove = ops.add_parser("remove", help="remove an operator")
    remove.add_argument("ref", help="Telegram id or @username")
    remove.set_defaults(run=operator_remove)
    listing = ops.add_parser("list", help="list the operators")
    listing.add_argument("--json", action="store_true", help="one JSON object per operator")
    listing.set_defaults(run=operator_list)

    p = sub.add_parser(
        "credits", help="give or take a user's credits",
        description="Add (+N) or take (-N) credits, as a ledger row. Refused (exit status 3) when the "
                    "user is unknown or has fewer credits than taken. Messages the user wrote without "
                    "credits go through after a grant. The user is not told.")
    p.add_argument("ref", help="Telegram id or @username")
    p.add_argument("delta", help="+N or -N")
    p.add_argument("reason", nargs="+", help="why (kept in the audit log)")
    p.add_argument("--key", help="idempotency key: the same key applies once (default: a new one)")
    p.set_defaults(run=credits)


async def _target(conn: asyncpg.Connection, text: str, *, must_exist: bool) -> tuple[int, int | None, str]:
    """(telegram id, users.id or None, a name) of whom ``text`` names."""
    try:
        ref = refs.parse_ref(text)
    except refs.Unreadable as exc:
        raise CliError(str(exc), Exit.USAGE) from None
    found = await refs.find_user(conn, ref)
    if found is not None:
        return found.telegram_id, found.id, f"{found.name} ({found.telegram_id})"
    if isinstance(ref, str) or must_exist:
        raise CliError(f"no user {text} is known to the bot" +
                       (": use their numeric Telegram id" if isinstance(ref, str) else ""), Exit.REFUSED)
    return ref, None, str(ref)


async def _deliver_soon(tx: Effects) -> None:
    """Queue the transaction's outbox rows for a messaging worker (this process sends nothing)."""
    if tx.outbox_ids:
        await queues.defer(tx.conn, [JobRequest(Queue.MESSAGING, Task.DELIVER_OUTBOX, None,
                                                {"outbox_ids": list(tx.outbox_ids)})])


async def operator_add(inv: Invocation) -> int:
    role = Role(inv.args.role)
    async with inv.connection() as conn, conn.transaction():
        telegram_id, _, label = await _target(conn, inv.args.ref, must_exist=False)
        if telegram_id in inv.settings.admin_user_ids:
            raise CliError(f"{label} is an owner through ADMIN_USER_ID: change that variable instead",
                           Exit.REFUSED)
        before = await roles.set_role(conn, telegram_id, role, CLI_OPERATOR.telegram_id)
        if before is role:
            inv.say(f"{label} is {role.value} already")
            return Exit.OK
        tx = Effects(conn, cause=f"cli:{uuid.uuid4()}", methods=METHODS)
        await audit.record(conn, CLI_OPERATOR, "operator.set_role", cause=tx.cause, target=str(telegram_id),
                           before={"role": before.value if before else None}, after={"role": role.value})
        if await roles.known(conn, [telegram_id]):
            who = await roles.resolve(conn, (), telegram_id)
            await menus.for_operator(tx, telegram_id, role, who.lang if who else "en")
        await _deliver_soon(tx)
    inv.say(f"{label}: {before.value if before else 'not an operator'} -> {role.value}")
    return Exit.OK


async def operator_remove(inv: Invocation) -> int:
    async with inv.connection() as conn, conn.transaction():
        telegram_id, _, label = await _target(conn, inv.args.ref, must_exist=False)
        if telegram_id in inv.settings.admin_user_ids:
            raise CliError(f"{label} is an owner through ADMIN_USER_ID: remove them from that variable",
                           Exit.REFUSED)
        who = await roles.resolve(conn, (), telegram_id)
        before = await roles.remove(conn, telegram_id)
        if before is None:
            raise CliError(f"{label} is not an operator", Exit.REFUSED)
        tx = Effects(conn, cause=f"cli:{uuid.uuid4()}", methods=METHODS)
        await audit.record(conn, CLI_OPERATOR, "operator.remove", cause=tx.cause, target=str(telegram_id),
                           before={"role": before.value}, after={"role": None})
        if await roles.known(conn, [telegram_id]):
            await menus.for_operator(tx, telegram_id, None, who.lang if who else "en")
        await _deliver_soon(tx)
    inv.say(f"{label} is no longer an operator (was {before.value})")
    return Exit.OK


async def operator_list(inv: Invocation) -> int:
    async with inv.connection() as conn:
        listed = await roles.listed(conn)
    owners = inv.settings.admin_user_ids
    rows = [{"telegram_id": o, "role": Role.OWNER.value, "name": None, "username": None,
             "source": "ADMIN_USER_ID", "added_at": None} for o in owners]
    rows += [{"telegram_id": o.telegram_id, "role": o.role.value, "name": o.name, "username": o.username,
              "source": "operators", "added_at": o.added_at.isoformat(timespec="seconds")}
             for o in listed if o.telegram_id not in owners]
    for row in rows:
        if inv.args.json:
            inv.say(json.dumps(row, ensure_ascii=False))
        else:
            handle = f" @{row['username']}" if row["username"] else ""
            name = f" {row['name']}{handle}" if row["name"] else ""
            inv.say(f"{row['telegram_id']}\t{row['role']}\t{row['source']}{name}")
    return Exit.OK


async def credits(inv: Invocation) -> int:
    try:
        delta = refs.parse_delta(inv.args.delta)
    except refs.Unreadable as exc:
        raise CliError(str(exc), Exit.USAGE) from None
    reason = " ".join(inv.args.reason).strip()
    if not reason:
        raise CliError("give a reason: it is kept in the audit log", Exit.USAGE)
    key = f"cli:{inv.args.key or uuid.uuid4()}"
    async with inv.connection() as conn, conn.transaction():
        telegram_id, user_id, label = await _target(conn, inv.args.ref, must_exist=True)
        assert user_id is not None
        balance = await ledger.lock_balance(conn, user_id)
        reason_code = "operator_grant" if delta > 0 else "operator_take"
        change = await ledger.apply(conn, user_id, delta, reason=reason_code, key=key)
        if change.outcome is ledger.Outcome.DUPLICATE:
            inv.say(f"already applied: the change with key {inv.args.key} was made before; nothing changed")
            return Exit.OK
        if change.outcome is ledger.Outcome.INSUFFICIENT:
            raise CliError(f"{label} has {balance.credits} credits: cannot take {-delta}", Exit.REFUSED)
        tx = Effects(conn, cause=key, methods=METHODS, bus=BUS)
        await audit.record(conn, CLI_OPERATOR, "user.credits", cause=key, target_user_id=user_id,
                           target=str(telegram_id), before={"credits": balance.credits},
                           after={"credits": change.balance, "reason": reason})
        if delta > 0:
            # Messages held for lack of credits may go through now (core.relay, subscribed).
            await tx.publish(CreditsArrived(user_id))
        await _deliver_soon(tx)
    inv.say(f"{label}: {balance.credits} -> {change.balance} credits ({delta:+d})")
    return Exit.OK
