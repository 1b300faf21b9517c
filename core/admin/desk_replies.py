"""📝 Quick Replies (``/quickreplies``, ``/qr``, ``!name`` in a topic).

Admins save, edit and delete replies; agents send them in a customer's
topic with ``!name`` or ``/qr name`` (or pick one from ``/qr``'s keyboard, or
type ``@bot word`` for inline mode). The user receives the reply as the
operator's own message, free, signed per the signature setting; the topic
gets a short note of what was sent, since the ``!name`` itself is never
relayed. Usage is counted per reply and per operator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.admin import audit, confirm, fmt, pending
from core.admin.desk_reply_files import QrExport, QrImport
from core.admin.navigation import PAGE_SIZE, confirm_row, nav_row, pager, rows_of
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter, not_allowed
from core.admin.screens import GROUP_PRIORITY
from core.desk import quick_replies, tickets
from core.desk.quick_replies import Draft, Invalid, QuickReply
from core.dispatch.callback_data import CallbackData
from core.telegram.html import shift, to_html, utf16_len
from core.telegram.markup import PARSE_MODE, button, keyboard
from core.telegram.updates import Command

router = AdminRouter("desk_replies")

USAGE = ("<code>/qr name</code> in a topic sends a reply; <code>/qr</code> alone lists them;"
         " <code>/qr add name text</code> saves one (reply to a photo or document to attach it);"
         " <code>/qr del name</code> deletes one.")
_ADD = re.compile(r"^/qr(?:@\w+)?\s+add\s+(\S+)\s*", re.IGNORECASE)
DELETE_ACTION = "desk.qr_delete"


@dataclass(frozen=True)
class QrList(CallbackData, prefix="adm:qr:l"):
    category: str  # "" : every category
    page: int


@dataclass(frozen=True)
class QrOpen(CallbackData, prefix="adm:qr:o"):
    reply: int


@dataclass(frozen=True)
class QrSend(CallbackData, prefix="adm:qr:s"):
    reply: int


@dataclass(frozen=True)
class QrDelete(CallbackData, prefix="adm:qr:d"):
    reply: int


def _preview(r: QuickReply, size: int = 60) -> str:
    text = " ".join(r.text.split())
    return fmt.esc(text if len(text) <= size else text[: size - 1] + "…")


async def show_categories(ctx: AdminContext) -> None:
    cats = await quick_replies.categories(ctx.tx.conn)
    usage = await quick_replies.usage_by_operator(ctx.tx.conn)
    names = await tickets.operator_names(ctx.tx.conn, [o for o, _ in usage])
    lines = ["<b>📝 Quick Replies</b>", ""]
    lines += [f"• {fmt.esc(c)}: {fmt.number(n)}" for c, n in cats] or ["No quick replies yet."]
    if usage:
        lines += ["", "<b>Used most by</b>"]
        lines += [f"{fmt.esc(names.get(o, str(o)))}: {fmt.number(n)}" for o, n in usage]
    lines += ["", USAGE]
    buttons = [button(f"{c} ({n})", QrList(c, 0).pack()) for c, n in cats]
    files = [button("⬇️ JSON", QrExport("json").pack()), button("⬇️ CSV", QrExport("csv").pack())]
    if ctx.can(Can.QUICK_REPLIES_EDIT):
        files.append(button("⬆️ Import", QrImport().pack()))
    markup = keyboard(*rows_of(buttons, 3), [button("All", QrList("", 0).pack())], files, nav_row())
    await ctx.screen.show("\n".join(lines), markup)


async def show_list(ctx: AdminContext, category: str, page: int) -> None:
    listed, total = await quick_replies.page(ctx.tx.conn, category or None, page, PAGE_SIZE)
    in_topic = ctx.topic_user_id is not None
    title = fmt.esc(category) if category else "all"
    lines = [f"<b>📝 Quick Replies</b> · {title} · {fmt.number(total)}", ""]
    lines += [f"<b>!{fmt.esc(x.reply.name)}</b> ({fmt.number(x.uses)} uses): {_preview(x.reply)}"
              for x in listed]
    if in_topic:
        lines += ["", "Press one to send it to this user."]
    make = QrSend if in_topic else QrOpen
    buttons = [button(f"!{x.reply.name}", make(x.reply.id).pack()) for x in listed]
    await ctx.screen.show("\n".join(lines) if listed else "No quick replies here yet.",
                          keyboard(*rows_of(buttons, 2), pager(page, total, QrList, category=category),
                                   nav_row(QrHome())))


@dataclass(frozen=True)
class QrHome(CallbackData, prefix="adm:qr:h"):
    pass


async def open_quick_replies(ctx: AdminContext, payload: str) -> None:
    await show_categories(ctx)


@router.callback(QrHome, can=Can.QUICK_REPLIES_USE)
async def on_home(ctx: AdminContext, data: QrHome) -> str | None:
    await show_categories(ctx)
    return None


@router.callback(QrList, can=Can.QUICK_REPLIES_USE)
async def on_list(ctx: AdminContext, data: QrList) -> str | None:
    await show_list(ctx, data.category, max(data.page, 0))
    return None


@router.callback(QrOpen, can=Can.QUICK_REPLIES_USE)
async def on_open(ctx: AdminContext, data: QrOpen) -> str | None:
    r = await quick_replies.by_id(ctx.tx.conn, data.reply)
    if r is None:
        return "That reply no longer exists."
    media = f"\nAttached: {r.media_kind}" if r.media_kind else ""
    text = (f"<b>!{fmt.esc(r.name)}</b> · {fmt.esc(r.category)}{media}\n\n"
            f"{to_html(r.text, r.entities)}")
    edits = [button("✏️ Text", QrEdit(r.id, "text").pack()),
             button("🏷 Category", QrEdit(r.id, "category").pack()), button("🗑 Delete", QrDelete(r.id).pack())]
    rows = [edits] if ctx.can(Can.QUICK_REPLIES_EDIT) else []
    await ctx.screen.show(text, keyboard(*rows, nav_row(QrList(r.category, 0))))
    return None


@router.callback(QrDelete, can=Can.QUICK_REPLIES_EDIT)
async def on_delete(ctx: AdminContext, data: QrDelete) -> str | None:
    r = await quick_replies.by_id(ctx.tx.conn, data.reply)
    if r is None:
        return "That reply no longer exists."
    token = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, DELETE_ACTION, {"name": r.name})
    await ctx.screen.show(f"Delete the quick reply <b>!{fmt.esc(r.name)}</b>?"
                          " Operators can no longer send it.",
                          keyboard(confirm_row(token, "🗑 Delete")))
    return None


@router.action(DELETE_ACTION, can=Can.QUICK_REPLIES_EDIT)
async def do_delete(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    await ctx.screen.show(await _delete(ctx, params["name"]), keyboard(nav_row(QrHome())))
    return None


async def _delete(ctx: AdminContext, name: str) -> str:
    before = await quick_replies.delete(ctx.tx.conn, name)
    if before is None:
        return f"There is no quick reply named “{fmt.esc(name)}”. Nothing was changed."
    await audit.record(ctx.tx.conn, ctx.operator, "quick_reply.delete", cause=ctx.tx.cause, target=name,
                       before={"text": before}, after=None)
    return f"🗑 Deleted the quick reply <b>!{fmt.esc(name)}</b>."


async def _add(ctx: AdminContext, command: Command) -> str:
    source = ctx.source or {}
    text = str(source.get("text") or "")
    found = _ADD.match(text)
    if found is None:
        return USAGE
    body = text[found.end():]
    entities = shift(source.get("entities") or (), utf16_len(text[:found.end()]))
    media_kind = media_id = None
    replied = source.get("reply_to_message")
    if isinstance(replied, dict):
        if replied.get("photo"):
            media_kind, media_id = "photo", replied["photo"][-1]["file_id"]
        elif isinstance(replied.get("document"), dict):
            media_kind, media_id = "document", replied["document"]["file_id"]
    try:
        draft = Draft(found.group(1), quick_replies.DEFAULT_CATEGORY, body, tuple(entities), media_kind,
                      media_id)
        _, before = await quick_replies.save(ctx.tx.conn, draft, ctx.operator.telegram_id)
    except Invalid as exc:
        return f"{exc} Nothing was saved."
    name = found.group(1).lower().lstrip("!")
    await audit.record(ctx.tx.conn, ctx.operator, "quick_reply.save", cause=ctx.tx.cause, target=name,
                       before={"text": before} if before is not None else None, after={"text": body})
    verb = "Updated" if before is not None else "Saved"
    return f"✅ {verb} the quick reply <b>!{fmt.esc(name)}</b>. Send it in a topic with !{fmt.esc(name)}."


@router.command("qr", can=Can.QUICK_REPLIES_USE)
async def qr_command(ctx: AdminContext, command: Command) -> None:
    words = command.payload.split()
    if not words:
        await show_categories(ctx) if ctx.topic_user_id is None else await show_list(ctx, "", 0)
        return
    if words[0].lower() in ("add", "del", "delete"):
        if not ctx.can(Can.QUICK_REPLIES_EDIT):
            await ctx.screen.say(not_allowed(ctx))
        elif words[0].lower() == "add":
            await ctx.screen.say(await _add(ctx, command))
        elif len(words) != 2:
            await ctx.screen.say(USAGE)
        else:
            await ctx.screen.say(await _delete(ctx, words[1]))
        return
    if len(words) != 1:
        await ctx.screen.say(USAGE)
        return
    await send_in_topic(ctx, words[0])


@router.callback(QrSend, can=Can.QUICK_REPLIES_USE)
async def on_send(ctx: AdminContext, data: QrSend) -> str | None:
    r = await quick_replies.by_id(ctx.tx.conn, data.reply)
    if r is None:
        return "That reply no longer exists."
    return await send_in_topic(ctx, r.name, notice=True)


async def _signature(ctx: AdminContext) -> str | None:
    if not ctx.cfg.reply_signature:
        return None
    names = await tickets.operator_names(ctx.tx.conn, [ctx.operator.telegram_id])
    sender = (ctx.source or {}).get("from") or {}
    return names.get(ctx.operator.telegram_id) or sender.get("first_name") or None


async def send_in_topic(ctx: AdminContext, name: str, *, notice: bool = False) -> str | None:
    """Send the quick reply ``name`` to the topic's user; refusals are said in the topic."""

    async def refuse(text: str) -> str | None:
        if notice:
            return text
        await ctx.screen.say(text)
        return None

    if not ctx.can(Can.QUICK_REPLIES_USE):
        return await refuse(not_allowed(ctx))
    if ctx.topic_user_id is None or ctx.place.thread_id is None:
        return await refuse("Quick replies are sent in a customer's topic. " + USAGE)
    reply = await quick_replies.get(ctx.tx.conn, name)
    if reply is None:
        return await refuse(f"There is no quick reply named “{fmt.esc(name)}”. Nothing was sent;"
                            " /qr lists them.")
    values = await quick_replies.values_for(ctx.tx.conn, ctx.topic_user_id)
    conv = await tickets.of_topic(ctx.tx.conn, ctx.place.chat_id, ctx.place.thread_id)
    if values is None or conv is None:
        return await refuse("This topic's user no longer exists. Nothing was sent.")
    if values.unreachable:
        return await refuse(f"⚠️ Not sent: {values.unreachable}.")
    html = quick_replies.signed(quick_replies.render(reply, values), await _signature(ctx))
    if reply.media_file_id is not None:
        await ctx.tx.send("sendCachedMedia", values.telegram_id, file_id=reply.media_file_id, caption=html,
                          parse_mode=PARSE_MODE)
    else:
        await ctx.tx.send("sendMessage", values.telegram_id, text=html, parse_mode=PARSE_MODE)
    await quick_replies.record_sent(ctx.tx.conn, ctx.topic_user_id, conv, ctx.place.chat_id, reply.text,
                                    ctx.operator.telegram_id)
    await quick_replies.used(ctx.tx.conn, reply.id, ctx.operator.telegram_id)
    # The topic shows what the user got (the !name itself was not relayed).
    await ctx.tx.send("sendMessage", ctx.place.chat_id, message_thread_id=ctx.place.thread_id,
                      priority=GROUP_PRIORITY, parse_mode=PARSE_MODE,
                      text=f"📝 <b>!{fmt.esc(reply.name)}</b> sent:\n{html}")
    return "Sent." if notice else None


EDIT_QUESTION = "desk_qr_edit"


@dataclass(frozen=True)
class QrEdit(CallbackData, prefix="adm:qr:e"):
    reply: int
    field: str  # "text" or "category"


@router.callback(QrEdit, can=Can.QUICK_REPLIES_EDIT)
async def on_edit(ctx: AdminContext, data: QrEdit) -> str | None:
    r = await quick_replies.by_id(ctx.tx.conn, data.reply)
    if r is None:
        return "That reply no longer exists."
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, EDIT_QUESTION,
                      {"reply": r.id, "field": data.field}, ctx.place, ctx.message_id)
    prompt = (f"Send the new text of <b>!{fmt.esc(r.name)}</b> (formatting is kept; variables: "
              + ", ".join("{" + v + "}" for v in quick_replies.VARIABLES) + "), or /cancel."
              if data.field == "text" else
              f"Send the category of <b>!{fmt.esc(r.name)}</b> (letters a-z, digits, _), or /cancel.")
    await ctx.screen.fresh().show(prompt)
    return None


@router.answer(EDIT_QUESTION, can=Can.QUICK_REPLIES_EDIT)
async def on_edit_answer(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    r = await quick_replies.by_id(ctx.tx.conn, int(question.params["reply"]))
    if r is None:
        await ctx.screen.say("That reply no longer exists.")
        return
    source = ctx.source or {}
    if question.params.get("field") == "text":
        raw = str(source.get("text") or text)  # as typed: the entities' offsets are the raw text's
        draft = Draft(r.name, r.category, raw, tuple(source.get("entities") or ()), r.media_kind,
                      r.media_file_id)
    else:
        draft = Draft(r.name, text, r.text, r.entities, r.media_kind, r.media_file_id)
    try:
        await quick_replies.save(ctx.tx.conn, draft, ctx.operator.telegram_id)
    except Invalid as exc:
        await ctx.screen.say(f"{exc} Nothing was changed.")
        return
    await audit.record(ctx.tx.conn, ctx.operator, "quick_reply.save", cause=ctx.tx.cause, target=r.name,
                       before={"text": r.text, "category": r.category},
                       after={"text": draft.text, "category": draft.category.strip().lower() or "general"})
    await ctx.screen.say(f"✅ Saved <b>!{fmt.esc(r.name)}</b>.")
