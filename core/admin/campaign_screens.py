"""📢 Broadcast and 🎁 Mass Gift: preview, confirm, progress, pause / resume / cancel, history.

``/broadcast <segment>`` replying to a message, and ``/massgift <segment>
<credits> [reason]``, preview the campaign (a copy as recipients see it, the
count, the duration on each lane) with Confirm buttons that start it once.
The campaign runs on the broadcast queue (core.campaigns); this module
writes its rows with its own SQL and queues its job by name, as the two
features do not import each other.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from core.accounts import segments
from core.admin import audit, campaign_albums, campaign_compose, confirm, fmt, pending
from core.admin.campaign_progress import (
    FREE_RATE,
    PAID_RATE,
    CampaignAct,
    CampaignRow,
    estimate,
    gift_totals,
    paid_stars,
    render_progress,
)
from core.admin.navigation import Confirm, confirm_row, nav_row
from core.admin.refs import Unreadable
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter, not_allowed
from core.admin.screens import GROUP_PRIORITY
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.sql import q
from core.telegram.markup import PARSE_MODE, button, keyboard

router = AdminRouter("campaigns")

HISTORY = 8
TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
EXPORT_ROWS = 100_000
_CAN = {"broadcast": Can.BROADCAST, "gift": Can.MASS_GIFT}


def zone(name: str) -> tzinfo:
    """The operators' time zone setting; UTC when it names none."""
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")


async def _wake(ctx: AdminContext, campaign_id: int, when: datetime | None = None) -> None:
    """Queue the campaign's job on the broadcast queue (core.campaigns.runner.job's twin)."""
    lock = f"campaign:{campaign_id}"
    job = JobRequest(Queue.BROADCAST, Task.BROADCAST_RUN, lock, {"campaign_id": campaign_id},
                     queueing_lock=lock, scheduled_at=when)
    try:
        async with ctx.tx.conn.transaction():  # a savepoint: the queueing lock may clash
            await queues.defer(ctx.tx.conn, [job])
    except asyncpg.UniqueViolationError:
        pass  # the job is queued already: it does the same


def priority(ctx: AdminContext) -> int:
    return GROUP_PRIORITY if ctx.place.in_group else 0


async def history(ctx: AdminContext, kind: str) -> None:
    rows = [CampaignRow.of(r) for r in await ctx.tx.conn.fetch(q("campaign_screens_history"), kind, HISTORY)]
    if kind == "broadcast":
        lines = ["<b>📢 Broadcast</b>", "Send the message as users should see it (or an album: reply to any"
                 " of its items, up to 10, no buttons), then reply to it with"
                 " <code>/broadcast &lt;segment&gt; [service] [paid]</code>; each further line of the command"
                 " is a URL button (<code>Label https://…</code>)."]
    else:
        lines = ["<b>🎁 Mass Gift</b>", "<code>/massgift &lt;segment&gt; &lt;gift&gt; [reason]</code>,"
                 " the gift per user in credits (<code>5</code>), days of pass (<code>3d</code>) or both"
                 f" (<code>5+3d</code>); cap per campaign: {fmt.number(ctx.cfg.mass_gift_cap)} credits"
                 " (owners may exceed it)."]
    lines.append("Segments: all, active:&lt;days&gt;, tier:&lt;name&gt;, lang:&lt;code&gt;, paid, unpaid,"
                  " pass,"
                  " nopass, balance&lt;N, balance&gt;N, joined:&lt;from&gt;..&lt;to&gt;, ids:&lt;id,…&gt;;"
                  " join with +. <code>ids</code> alone, in a reply to a .txt or .csv document sent here,"
                  " reaches the users it lists (Telegram ids or @usernames; a broadcast then names its"
                  " message with tpl:&lt;name&gt;, or replies to its message and the list is asked for);"
                  " file:&lt;n&gt; reaches an uploaded list again.")
    if kind == "broadcast":
        names = [r["name"] for r in await ctx.tx.conn.fetch(q("campaign_screens_templates"), 30)]
        lines.append("Templates (<code>/broadcast &lt;segment&gt; tpl:&lt;name&gt;</code>): "
                     + (", ".join(f"<code>{fmt.esc(n)}</code>" for n in names) if names else "none yet"))
    lines.append("")
    lines.append("<b>History</b>" if rows else "No campaigns yet.")
    for c in rows:
        what = gift_totals(c) if kind == "gift" else f"{fmt.number(c.sent)} sent"
        lines.append(f"#{c.id} · {fmt.esc(c.segment)} · {c.status} · {what}, {fmt.number(c.failed)} failed,"
                     f" {fmt.number(c.blocked)} blocked · {fmt.ago(c.created_at)}")
    buttons = [[button(f"#{c.id}", CampaignAct("s", c.id).pack())] for c in rows]
    await ctx.screen.show("\n".join(lines), keyboard(*buttons, nav_row()))


async def list_note(ctx: AdminContext, segment: segments.Segment) -> str:
    """What the preview says of an uploaded list in the segment (file:<n>): its users unknown."""
    if "list" not in segment.filter:
        return ""
    row = await ctx.tx.conn.fetchrow(q("campaign_screens_id_list"), int(segment.filter["list"]))
    if row is None:
        return "\n⚠️ No such list of users."
    return (f"\n📄 List #{row['id']} ({fmt.esc(row['file_name'])}): {fmt.number(row['given'])} ids and"
            f" usernames, <b>{fmt.number(row['unknown'])}</b> unknown to the bot (left out).")


async def open_broadcast(ctx: AdminContext, payload: str) -> None:
    if not payload.strip() and not (ctx.source or {}).get("reply_to_message"):
        await history(ctx, "broadcast")
        return
    template = None
    name = campaign_compose.template_name(payload)
    if name is not None:
        found = await ctx.tx.conn.fetchrow(q("campaign_screens_template_get"), name)
        if found is None:
            await ctx.screen.say(f"⚠️ No template named “{fmt.esc(name)}”: /broadcast lists them.")
            return
        template = campaign_compose.Template(found["name"], found["source_chat_id"],
                                             list(found["source_message_ids"]), found["source_kind"],
                                             found["buttons"] or [])
    replied = (ctx.source or {}).get("reply_to_message")
    album = await campaign_albums.items(ctx.tx.conn, replied) if isinstance(replied, Mapping) else []
    try:
        order = campaign_compose.broadcast(payload, ctx.source, tz=zone(ctx.cfg.timezone), template=template,
                                           album=album)
    except Unreadable as exc:
        await ctx.screen.say(f"⚠️ {fmt.esc(exc)}")
        return
    count, last_id = await segments.count(ctx.tx.conn, order.segment, service=order.service)
    note = await list_note(ctx, order.segment)
    if count == 0:
        await ctx.screen.say(f"⚠️ Nobody is in <code>{fmt.esc(order.segment.text)}</code> now:"
                             f" nothing to send.{note}")
        return
    campaign_id = await ctx.tx.conn.fetchval(
        q("campaign_screens_draft"), "broadcast", ctx.operator.telegram_id, ctx.place.chat_id,
        ctx.place.thread_id, order.segment.text, dict(order.segment.filter), order.service, "broadcast",
        order.source_chat_id, order.source_message_ids, order.kind, order.buttons or None, 0, None,
        last_id, count, order.at, 0)
    # The preview: the copy exactly as a recipient gets it.
    params: dict[str, Any] = {"from_chat_id": order.source_chat_id, "message_ids": order.source_message_ids}
    if order.buttons:
        params["reply_markup"] = {"inline_keyboard": order.buttons}
    if ctx.place.thread_id is not None:
        params["message_thread_id"] = ctx.place.thread_id
    await ctx.tx.send("copyMessages", ctx.place.chat_id, priority=priority(ctx), **params)
    free = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, "campaign.start",
                                 {"id": campaign_id, "lane": "broadcast"})
    paid = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, "campaign.start",
                                 {"id": campaign_id, "lane": "paid"})
    # Telegram counts every message of an album: the time and the Stars grow with its items.
    per = len(order.source_message_ids)
    stars = paid_stars(count * per)
    text = (f"<b>📢 Broadcast #{campaign_id}</b> — preview above\n"
            f"Audience: <code>{fmt.esc(order.segment.text)}</code>"
            f"{' (service announcement)' if order.service else ''}"
            f" · <b>{fmt.number(count)}</b> users{note}\n")
    if order.kind == campaign_compose.ALBUM:
        text += (f"An album of {per} items: {fmt.number(count * per)} messages in all; no buttons"
                 " (Telegram cannot attach buttons to an album).\n")
    text += (f"Free lane (30 messages/s shared with replies, which go first):"
             f" about {estimate(count * per, FREE_RATE)}\n"
             f"Paid lane (up to 1,000/s): about {estimate(count * per, PAID_RATE)},"
             f" costs {fmt.number(stars)} ⭐")
    if order.at is not None:
        text += f"\nScheduled for <b>{order.at:%Y-%m-%d %H:%M} ({fmt.esc(order.at.tzinfo)})</b>."
    rows = [confirm_row(free, "✅ Send (free lane)")]
    rows.append([button(f"⭐ Send paid ({fmt.number(stars)} ⭐)", confirm_data(paid))])
    rows.append([button("💾 Save as template", CampaignAct("t", campaign_id).pack())])
    await ctx.screen.fresh().show(text, keyboard(*rows))


def confirm_data(token: str) -> str:
    """A second Confirm button for the same preview (another lane, or no notice)."""
    return Confirm(token).pack()


@router.action("campaign.start", can=None)
async def start(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    found = await ctx.tx.conn.fetchrow(q("campaign_screens_get"), int(params["id"]))
    if found is None:
        return "This campaign no longer exists."
    if not ctx.can(_CAN[found["kind"]]):
        return not_allowed(ctx)
    row = await ctx.tx.conn.fetchrow(q("campaign_screens_start"), int(params["id"]), params["lane"],
                                     bool(params.get("notice", False)))
    if row is None:
        return "Already started."
    c = CampaignRow.of(row)
    text, markup = render_progress(c)
    progress: dict[str, Any] = {"text": text, "parse_mode": PARSE_MODE, "reply_markup": markup}
    if ctx.place.thread_id is not None:
        progress["message_thread_id"] = ctx.place.thread_id
    outbox_id = await ctx.tx.send("sendMessage", ctx.place.chat_id, priority=priority(ctx), **progress)
    await ctx.tx.conn.execute(q("campaign_screens_progress_row"), c.id, outbox_id)
    await _wake(ctx, c.id, row["scheduled_at"] if c.status == "scheduled" else None)
    await audit.record(ctx.tx.conn, ctx.operator, f"campaign.{c.kind}.start", cause=ctx.tx.cause,
                       target=f"campaign:{c.id}",
                       after={"segment": c.segment, "audience": c.audience, "lane": c.lane,
                              "credits": c.credits, "pass_days": c.pass_days, "notice": c.notice,
                              "reason": c.reason,
                              "scheduled_at": str(row["scheduled_at"] or "") or None})
    await ctx.screen.show(f"Started: campaign #{c.id}, progress below.")
    return "Started."


_MOVES = {"p": ("paused", ["running"], "pause"), "r": ("running", ["paused"], "resume"),
          "c": ("cancelled", ["running", "paused", "scheduled"], "cancel")}


@router.callback(CampaignAct, can=None)
async def on_act(ctx: AdminContext, data: CampaignAct) -> str | None:
    found = await ctx.tx.conn.fetchrow(q("campaign_screens_get"), data.campaign_id)
    if found is None or (found["status"] == "draft" and data.act != "t"):
        return "This campaign does not exist."
    if not ctx.can(_CAN[found["kind"]]):
        return not_allowed(ctx)
    if data.act == "t":
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, "campaign.template",
                          {"id": data.campaign_id}, ctx.place, None)
        await ctx.screen.say("Name the template (letters, digits, - and _; up to 40), or send /cancel.")
        return None
    if data.act == "x":
        await _export(ctx, data.campaign_id)
        return "CSV on its way."
    if data.act == "s":
        text, markup = render_progress(CampaignRow.of(found))
        await ctx.screen.show(text, markup)
        return None
    move = _MOVES.get(data.act)
    if move is None:
        return "This button is no longer active."
    status, allowed, verb = move
    row = await ctx.tx.conn.fetchrow(q("campaign_screens_set_status"), data.campaign_id, status, allowed)
    if row is None:
        return f"Cannot {verb}: the campaign is {found['status']}."
    c = CampaignRow.of(row)
    if status != "paused":
        await _wake(ctx, c.id)  # resumes, or (cancelled) drops its unsent messages and closes it
    await audit.record(ctx.tx.conn, ctx.operator, f"campaign.{c.kind}.{verb}", cause=ctx.tx.cause,
                       target=f"campaign:{c.id}", before={"status": found["status"]},
                       after={"status": status})
    text, markup = render_progress(c)
    await ctx.screen.show(text, markup)
    return {"pause": "Paused.", "resume": "Resumed.", "cancel": "Cancelled."}[verb]


@router.answer("campaign.template", can=Can.BROADCAST)
async def on_template_name(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    name = text.strip()
    if not TEMPLATE_NAME.fullmatch(name):
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, question.kind, question.params,
                          question.place, question.message_id)
        await ctx.screen.say("⚠️ A template's name is one word of letters, digits, - and _ (up to 40):"
                             " send another, or /cancel.")
        return
    saved = await ctx.tx.conn.fetchval(q("campaign_screens_template_save"), int(question.params["id"]), name,
                                       ctx.operator.telegram_id)
    if saved is None:
        await ctx.screen.say(f"⚠️ A template named “{fmt.esc(name)}” exists already: nothing was saved.")
        return
    await audit.record(ctx.tx.conn, ctx.operator, "campaign.template.save", cause=ctx.tx.cause,
                       target=f"template:{saved}", after={"name": name, "campaign": question.params["id"]})
    await ctx.screen.say(f"💾 Saved as template <code>{fmt.esc(name)}</code>: send"
                         f" <code>/broadcast &lt;segment&gt; tpl:{fmt.esc(name)}</code> to use it.")


async def _export(ctx: AdminContext, campaign_id: int) -> None:
    """Per-recipient status as CSV (the first rows, capped: a document in a chat)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["telegram_id", "status", "granted_at", "updated_at", "error"])
    rows = await ctx.tx.conn.fetch(q("campaign_screens_export"), campaign_id, EXPORT_ROWS)
    for r in rows:
        writer.writerow([r["telegram_id"], r["status"], r["granted_at"] or "", r["updated_at"] or "",
                         r["error"] or ""])
    where: dict[str, Any] = {}
    if ctx.place.thread_id is not None:
        where["message_thread_id"] = ctx.place.thread_id
    await ctx.tx.send("sendDocument", ctx.place.chat_id, priority=priority(ctx), **where,
                      document_text=out.getvalue(), file_name=f"campaign-{campaign_id}.csv",
                      caption=f"Campaign #{campaign_id}: {fmt.number(len(rows))} recipients")
    await audit.record(ctx.tx.conn, ctx.operator, "campaign.export", cause=ctx.tx.cause,
                       target=f"campaign:{campaign_id}")
