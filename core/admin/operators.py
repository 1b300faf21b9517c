"""Operators and their roles (owners only): ``/operators``, ``/operator add|remove``.

Owners named in ADMIN_USER_ID are always owners and cannot be removed here.
A change takes effect at once (every command and button checks the role when
it runs), is audited, and updates the person's command menu.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.admin import audit, confirm, fmt, menus, refs, roles
from core.admin.navigation import confirm_row, nav_row
from core.admin.roles import Can, Role
from core.admin.router import AdminContext, AdminRouter
from core.dispatch.callback_data import CallbackData
from core.platform.sql import q
from core.telegram.markup import button, keyboard
from core.telegram.updates import Command

router = AdminRouter("operators")

USAGE = ("Usage: <code>/operator add &lt;id|@username&gt; &lt;role&gt;</code> or "
         "<code>/operator remove &lt;id|@username&gt;</code>. Roles: owner, admin, agent, analyst.")


@dataclass(frozen=True)
class ShowOperators(CallbackData, prefix="adm:ops"):
    pass


@dataclass(frozen=True)
class RemoveOperator(CallbackData, prefix="adm:ops:rm"):
    telegram_id: int


async def show(ctx: AdminContext) -> None:
    listed = await roles.listed(ctx.tx.conn)
    lines = ["<b>Operators</b>"]
    owners = ctx.settings.admin_user_ids
    lines += [f"👑 owner · <code>{o}</code> (ADMIN_USER_ID)" for o in owners]
    rows = []
    for op in listed:
        if op.telegram_id in owners:
            continue
        handle = f" @{fmt.esc(op.username)}" if op.username else ""
        lines.append(f"• {op.role.value} · {fmt.esc(op.name)}{handle} · <code>{op.telegram_id}</code>"
                     f" · added {fmt.ago(op.added_at)}")
        rows.append([button(f"Remove {op.name[:20]}", RemoveOperator(op.telegram_id).pack())])
    if len(lines) == 1 + len(owners):
        lines.append("No other operators yet.")
    lines += ["", USAGE]
    await ctx.screen.show("\n".join(lines), keyboard(*rows, nav_row()))


async def _set_role(ctx: AdminContext, target_id: int, role: Role, label: str) -> str:
    if target_id in ctx.settings.admin_user_ids:
        return f"{label} is an owner through ADMIN_USER_ID; change that variable to change their role."
    before = await roles.set_role(ctx.tx.conn, target_id, role, ctx.operator.telegram_id)
    if before is role:
        return f"{label} is {role.value} already."
    await audit.record(ctx.tx.conn, ctx.operator, "operator.set_role", cause=ctx.tx.cause,
                       target=str(target_id), before={"role": before.value if before else None},
                       after={"role": role.value})
    who = await roles.resolve(ctx.tx.conn, (), target_id)
    await menus.for_operator(ctx.tx, target_id, role, who.lang if who else "en")
    return f"{label}: {before.value if before else 'not an operator'} → {role.value}."


async def _remove(ctx: AdminContext, target_id: int, label: str) -> str:
    if target_id in ctx.settings.admin_user_ids:
        return f"{label} is an owner through ADMIN_USER_ID; remove them from that variable."
    who = await roles.resolve(ctx.tx.conn, (), target_id)
    before = await roles.remove(ctx.tx.conn, target_id)
    if before is None:
        return f"{label} is not an operator."
    await audit.record(ctx.tx.conn, ctx.operator, "operator.remove", cause=ctx.tx.cause,
                       target=str(target_id), before={"role": before.value}, after={"role": None})
    await menus.for_operator(ctx.tx, target_id, None, who.lang if who else "en")
    return f"{label} is no longer an operator (was {before.value})."


async def _label_of(ctx: AdminContext, ref: int | str) -> tuple[int, str] | str:
    """(telegram id, how to name them) or why the ref names nobody."""
    target = await refs.find_user(ctx.tx.conn, ref)
    if target is not None:
        return target.telegram_id, f"{fmt.esc(target.name)} (<code>{target.telegram_id}</code>)"
    if isinstance(ref, int):
        return ref, f"<code>{ref}</code>"  # someone who has not written to the bot yet
    return f"No user @{fmt.esc(ref)} is known to the bot: use their numeric Telegram id."


@router.command("operators", can=Can.OPERATORS)
async def operators_command(ctx: AdminContext, command: Command) -> None:
    await show(ctx)


@router.callback(ShowOperators, can=Can.OPERATORS)
async def on_show(ctx: AdminContext, data: ShowOperators) -> str | None:
    await show(ctx)
    return None


@router.command("operator", can=Can.OPERATORS)
async def operator_command(ctx: AdminContext, command: Command) -> None:
    args = command.payload.split()
    if len(args) < 2 or args[0].lower() not in ("add", "remove"):
        await ctx.screen.say(USAGE)
        return
    try:
        ref = refs.parse_ref(args[1])
    except refs.Unreadable as exc:
        await ctx.screen.say(fmt.esc(exc))
        return
    found = await _label_of(ctx, ref)
    if isinstance(found, str):
        await ctx.screen.say(found)
        return
    target_id, label = found
    if args[0].lower() == "remove":
        await ctx.screen.say(await _remove(ctx, target_id, label))
        return
    role = roles.parse_role(args[2]) if len(args) == 3 else None
    if role is None:
        typed = fmt.esc(" ".join(args[2:])[:30])
        await ctx.screen.say(f"Which role? {USAGE}" if len(args) == 2 else
                             f"“{typed}” is not a role. Roles: owner, admin, agent, analyst.")
        return
    await ctx.screen.say(await _set_role(ctx, target_id, role, label))


@router.callback(RemoveOperator, can=Can.OPERATORS)
async def on_remove(ctx: AdminContext, data: RemoveOperator) -> str | None:
    token = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, "operator.remove",
                                  {"telegram_id": data.telegram_id})
    name = await ctx.tx.conn.fetchval(q("operators_name"), data.telegram_id) or str(data.telegram_id)
    await ctx.screen.show(
        f"Remove <b>{fmt.esc(name)}</b> (<code>{data.telegram_id}</code>) from the operators?",
        keyboard(confirm_row(token, "✅ Remove"), nav_row(ShowOperators())))
    return None


@router.action("operator.remove", can=Can.OPERATORS)
async def remove_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    target_id = int(str(params["telegram_id"]))
    text = await _remove(ctx, target_id, f"<code>{target_id}</code>")
    await show(ctx)
    return text.replace("<code>", "").replace("</code>", "")[:190]
