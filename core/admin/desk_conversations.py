"""💬 Conversations (``/conversations``): tickets, who handles them, how fast.

A paged list, high priority first and then by wait, each line a user with
tier, unread count, wait (⏰ past the SLA), assignee and a link to the topic;
filters for what an operator looks for. A conversation's screen assigns it,
raises its priority (its relays go first in the group's queue), closes or
reopens it (the topic follows) and opens the user's card. Response times:
first response p50/p90 per day and per operator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from core.admin import audit, fmt, pending, refs, user_card
from core.admin.navigation import PAGE_SIZE, nav_row, pager, rows_of
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.admin.screens import GROUP_PRIORITY
from core.desk import sweep, tickets
from core.desk.tickets import Filter, Ticket
from core.dispatch.callback_data import CallbackData
from core.telegram.markup import Button, button, keyboard
from core.telegram.updates import Command

router = AdminRouter("desk_conversations")

FILTERS = {Filter.OPEN: "All open", Filter.WAITING: "⏳ Waiting", Filter.UNREAD: "📨 Unread",
           Filter.HIGH: "🔴 High priority", Filter.MINE: "🙋 Mine", Filter.UNASSIGNED: "👤 Unassigned",
           Filter.CLOSED_TODAY: "🔒 Closed today"}
ASSIGN_QUESTION = "desk_assign"


@dataclass(frozen=True)
class ConvList(CallbackData, prefix="adm:cv:l"):
    which: Filter
    page: int


@dataclass(frozen=True)
class ConvOpen(CallbackData, prefix="adm:cv:o"):
    conv: int
    which: Filter
    page: int


@dataclass(frozen=True)
class ConvAct(CallbackData, prefix="adm:cv:a"):
    conv: int
    act: str
    which: Filter
    page: int


@dataclass(frozen=True)
class ConvTimes(CallbackData, prefix="adm:cv:t"):
    pass


def _who(t: Ticket) -> str:
    return fmt.name_of(t.first_name, t.last_name, t.username, t.telegram_id)


def line(n: int, t: Ticket, names: dict[int, str], now: datetime, sla_minutes: int) -> str:
    parts = [f"{n}. {'🔴 ' if t.high_priority else ''}<b>{_who(t)}</b> · {fmt.esc(t.tier)}"]
    if t.unread_count:
        parts.append(f"{fmt.number(t.unread_count)} unread")
    if t.waiting_since is not None:
        late = " ⏰" if tickets.overdue(t.waiting_since, now, sla_minutes) else ""
        parts.append(f"waiting {fmt.duration(now - t.waiting_since)}{late}")
    elif t.closed:
        parts.append(f"closed {fmt.ago(t.closed_at, now)}")
    assignee = names.get(t.assignee_id, str(t.assignee_id)) if t.assignee_id else None
    parts.append(f"→ {fmt.esc(assignee)}" if assignee else "unassigned")
    if t.topic_id is not None:
        parts.append(f'<a href="{sweep.topic_link(t.admin_chat_id, t.topic_id)}">topic</a>')
    return " · ".join(parts)


async def show_list(ctx: AdminContext, which: Filter, page: int) -> None:
    found = await tickets.page(ctx.tx.conn, which, ctx.operator.telegram_id, page, PAGE_SIZE)
    names = await tickets.operator_names(ctx.tx.conn, [t.assignee_id for t in found.tickets if t.assignee_id])
    now = datetime.now(UTC)
    sla = ctx.cfg.first_response_minutes
    lines = [f"<b>💬 Conversations</b> · {FILTERS[which]} · {fmt.number(found.total)}"]
    if sla:
        lines.append(f"SLA: first reply within {sla} min (⏰ past it).")
    lines.append("")
    lines += [line(page * PAGE_SIZE + i + 1, t, names, now, sla) for i, t in enumerate(found.tickets)]
    if not found.tickets:
        lines.append("Nothing here.")
    opens = [button(f"{page * PAGE_SIZE + i + 1}. {t.first_name[:20] or t.telegram_id}",
                    ConvOpen(t.id, which, page).pack()) for i, t in enumerate(found.tickets)]
    filters = [button(("• " if f is which else "") + label, ConvList(f, 0).pack())
               for f, label in FILTERS.items()]
    await ctx.screen.show("\n".join(lines), keyboard(
        *rows_of(opens, 2), pager(page, found.total, ConvList, which=which), *rows_of(filters, 3),
        [button("⏱ Response times", ConvTimes().pack())], nav_row()))


async def open_conversations(ctx: AdminContext, payload: str) -> None:
    words = payload.strip().lower().replace(" ", "_")
    which = next((f for f in Filter if f.value == words), Filter.OPEN)
    await show_list(ctx, which, 0)


@router.callback(ConvList, can=Can.CONVERSATIONS)
async def on_list(ctx: AdminContext, data: ConvList) -> str | None:
    await show_list(ctx, data.which, max(data.page, 0))
    return None


def _buttons(ctx: AdminContext, t: Ticket, which: Filter, page: int) -> list[list[Button]]:
    def act(label: str, name: str) -> Button:
        return button(label, ConvAct(t.id, name, which, page).pack())

    mine = t.assignee_id == ctx.operator.telegram_id
    return [
        [act("👤 Unassign", "un") if mine else act("🙋 Assign to me", "me"), act("👥 Assign to…", "to")],
        [act("⚪ Priority off", "lo") if t.high_priority else act("🔴 Priority on", "hi"),
         act("🔓 Reopen", "ro") if t.closed else act("🔒 Close", "cl")],
        [act("🪪 Card", "card")],
        nav_row(ConvList(which, page)),
    ]


async def show_one(ctx: AdminContext, conv: int, which: Filter, page: int) -> bool:
    t = await tickets.get(ctx.tx.conn, conv)
    if t is None:
        return False
    now = datetime.now(UTC)
    names = await tickets.operator_names(ctx.tx.conn, [t.assignee_id] if t.assignee_id else [])
    lines = [line(1, t, names, now, ctx.cfg.first_response_minutes).removeprefix("1. "), ""]
    for r in await tickets.history(ctx.tx.conn, conv, 5):
        first = (fmt.duration(r.first_response_at - r.opened_at) if r.first_response_at else "not yet")
        done = fmt.duration(r.closed_at - r.opened_at) if r.closed_at else "open"
        lines.append(f"• {fmt.date(r.opened_at)}: first reply {first} · resolution {done}")
    await ctx.screen.show("\n".join(lines), keyboard(*_buttons(ctx, t, which, page)))
    return True


@router.callback(ConvOpen, can=Can.CONVERSATIONS)
async def on_open(ctx: AdminContext, data: ConvOpen) -> str | None:
    if not await show_one(ctx, data.conv, data.which, data.page):
        return "That conversation no longer exists."
    return None


async def _assign(ctx: AdminContext, t: Ticket, operator_id: int | None) -> None:
    before = await tickets.assign(ctx.tx.conn, t.id, operator_id)
    await audit.record(ctx.tx.conn, ctx.operator, "conversation.assign", cause=ctx.tx.cause,
                       target_user_id=t.user_id, target=f"conversation:{t.id}",
                       before={"assignee": before}, after={"assignee": operator_id})


async def _close(ctx: AdminContext, t: Ticket, closed: bool) -> None:
    await tickets.set_closed(ctx.tx.conn, t.id, closed)
    if t.topic_id is not None:
        # The topic follows; an operators' message, below every customer's.
        await ctx.tx.send("closeForumTopic" if closed else "reopenForumTopic", t.admin_chat_id,
                          message_thread_id=t.topic_id, priority=GROUP_PRIORITY)
    await audit.record(ctx.tx.conn, ctx.operator, "conversation.close" if closed else "conversation.reopen",
                       cause=ctx.tx.cause, target_user_id=t.user_id, target=f"conversation:{t.id}",
                       before={"status": t.status}, after={"status": "closed" if closed else "waiting_user"})


@router.callback(ConvAct, can=Can.CONVERSATIONS)
async def on_act(ctx: AdminContext, data: ConvAct) -> str | None:
    t = await tickets.get(ctx.tx.conn, data.conv)
    if t is None:
        return "That conversation no longer exists."
    notice: str | None = None
    if data.act == "card":
        await user_card.show(replace(ctx, message_id=None), t.user_id)  # a message of its own
        return None
    if data.act == "to":
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, ASSIGN_QUESTION,
                          {"conv": t.id, "which": data.which.value, "page": data.page}, ctx.place,
                          ctx.message_id)
        await ctx.screen.fresh().show("Who should handle it? Send their @username or Telegram id,"
                                      " or /cancel.")
        return None
    if data.act in ("me", "un"):
        await _assign(ctx, t, ctx.operator.telegram_id if data.act == "me" else None)
        notice = "Assigned to you." if data.act == "me" else "Unassigned."
    elif data.act in ("hi", "lo"):
        await tickets.set_priority(ctx.tx.conn, t.id, data.act == "hi")
        await audit.record(ctx.tx.conn, ctx.operator, "conversation.priority", cause=ctx.tx.cause,
                           target_user_id=t.user_id, target=f"conversation:{t.id}",
                           before={"high": t.high_priority}, after={"high": data.act == "hi"})
        notice = ("High priority: first in the group's queue." if data.act == "hi"
                  else "Priority back to normal.")
    elif data.act in ("cl", "ro"):
        if (data.act == "cl") == t.closed:
            notice = "Already closed." if t.closed else "Already open."
        else:
            await _close(ctx, t, data.act == "cl")
            notice = "Closed." if data.act == "cl" else "Reopened."
    else:
        return "This button is no longer active."
    await show_one(ctx, t.id, data.which, data.page)
    return notice


@router.answer(ASSIGN_QUESTION, can=Can.CONVERSATIONS)
async def on_assign_answer(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    t = await tickets.get(ctx.tx.conn, int(question.params["conv"]))
    if t is None:
        await ctx.screen.say("That conversation no longer exists.")
        return
    try:
        ref = refs.parse_ref(text)
    except refs.Unreadable as exc:
        await ctx.screen.say(f"{fmt.esc(exc)} Nothing was changed.")
        return
    found = await refs.find_user(ctx.tx.conn, ref)
    telegram_id = found.telegram_id if found is not None else (ref if isinstance(ref, int) else None)
    if telegram_id is None or not await tickets.may_be_assigned(ctx.tx.conn, telegram_id,
                                                                ctx.settings.admin_user_ids):
        await ctx.screen.say(f"{fmt.esc(text)} is not an operator who answers users. Nothing was changed.")
        return
    await _assign(ctx, t, telegram_id)
    names = await tickets.operator_names(ctx.tx.conn, [telegram_id])
    await ctx.screen.say(f"Assigned to {fmt.esc(names.get(telegram_id, str(telegram_id)))}.")
    await show_one(ctx, t.id, Filter(question.params.get("which", Filter.OPEN.value)),
                   int(question.params.get("page", 0)))


def _seconds(value: float | None) -> str:
    return "—" if value is None else fmt.duration(timedelta(seconds=float(value)))


@router.callback(ConvTimes, can=Can.CONVERSATIONS)
async def on_times(ctx: AdminContext, data: ConvTimes) -> str | None:
    now = datetime.now(UTC)
    days = await tickets.response_days(ctx.tx.conn, now - timedelta(days=7))
    people = await tickets.response_operators(ctx.tx.conn, now - timedelta(days=30))
    names = await tickets.operator_names(ctx.tx.conn, [p.operator_id for p in people])
    lines = ["<b>⏱ Response times</b>", "",
             "<b>First response per day</b> (7 days, UTC): p50 / p90 · resolution p50"]
    lines += [f"{d.day:%Y-%m-%d}: {_seconds(d.p50)} / {_seconds(d.p90)} · {_seconds(d.resolution_p50)}"
              f" ({fmt.number(d.tickets)} tickets)" for d in days] or ["No answered tickets yet."]
    lines += ["", "<b>Per operator</b> (30 days): p50 / p90"]
    lines += [f"{fmt.esc(names.get(p.operator_id, str(p.operator_id)))}:"
              f" {_seconds(p.p50)} / {_seconds(p.p90)}"
              f" ({fmt.number(p.tickets)} tickets)" for p in people] or ["Nobody answered yet."]
    await ctx.screen.show("\n".join(lines), keyboard(nav_row(ConvList(Filter.OPEN, 0))))
    return None


@router.command("alias", can=Can.CONVERSATIONS)
async def alias_command(ctx: AdminContext, command: Command) -> None:
    """``/alias Olek`` signs your replies as Olek when signed replies are on; ``/alias -`` clears it."""
    alias = command.payload.strip()
    if not alias:
        await ctx.screen.say("Usage: <code>/alias name</code> (how your replies are signed when signed"
                             " replies are on), <code>/alias -</code> to sign with your first name.")
        return
    if len(alias) > tickets.ALIAS_MAX or "\n" in alias:
        await ctx.screen.say(f"An alias is one line of at most {tickets.ALIAS_MAX} characters."
                             " Nothing was changed.")
        return
    value = None if alias == "-" else alias
    if not await tickets.set_alias(ctx.tx.conn, ctx.operator.telegram_id, value):
        await ctx.screen.say("Owners named in the configuration sign with their first name."
                             " Nothing was changed.")
        return
    await audit.record(ctx.tx.conn, ctx.operator, "operator.alias", cause=ctx.tx.cause,
                       target=str(ctx.operator.telegram_id), after={"alias": value})
    await ctx.screen.say(f"Your replies are signed “{fmt.esc(value)}”." if value
                         else "Your replies are signed with your first name.")
