"""Quick replies as files: ⬇️ export (JSON or CSV) and ⬆️ import (core.desk.qr_files).

An import is a question answered with a document: its size and name are
checked at once, then a job downloads and reads it (the admin worker's
gateway) and saves every reply or none, naming the first bad line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.admin import audit, fmt, pending, roles
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter, not_allowed
from core.admin.screens import GROUP_PRIORITY, Place, Screen
from core.delivery.effects import Effects
from core.desk import files, qr_files, quick_replies
from core.dispatch.callback_data import CallbackData
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.config import Settings
from core.platform.errors import TelegramError
from core.telegram.gateway import TelegramGateway

router = AdminRouter("desk_reply_files")
IMPORT_QUESTION = "desk_qr_import"



@dataclass(frozen=True)
class QrExport(CallbackData, prefix="adm:qr:x"):
    format: str  # "json" or "csv"


@dataclass(frozen=True)
class QrImport(CallbackData, prefix="adm:qr:i"):
    pass


@router.callback(QrExport, can=Can.QUICK_REPLIES_USE)
async def on_export(ctx: AdminContext, data: QrExport) -> str | None:
    replies = [x.reply for x in (await quick_replies.page(ctx.tx.conn, None, 0, qr_files.MAX_REPLIES))[0]]
    content = qr_files.to_json(replies) if data.format == "json" else qr_files.to_csv(replies)
    name = f"quick-replies.{'json' if data.format == 'json' else 'csv'}"
    file_id = await files.store(ctx.tx.conn, "document", name, content)
    params: dict[str, Any] = {}
    if ctx.place.thread_id is not None:
        params["message_thread_id"] = ctx.place.thread_id
    await ctx.tx.send("sendDeskFile", ctx.place.chat_id, file_id=file_id,
                      caption=f"📄 {len(replies):,} quick replies (with a photo or document: left out).",
                      priority=GROUP_PRIORITY if ctx.place.in_group else 0, **params)
    return "The file is on its way."


@router.callback(QrImport, can=Can.QUICK_REPLIES_EDIT)
async def on_import(ctx: AdminContext, data: QrImport) -> str | None:
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, IMPORT_QUESTION, {}, ctx.place, ctx.message_id)
    await ctx.screen.fresh().show(
        "Send the quick replies as a file: JSON (a list of {name, category, text}) or CSV (header"
        f" name,category,text), UTF-8, at most {qr_files.MAX_BYTES // (1024 * 1024)} MB. Replies with the"
        " same name are replaced; a bad row stops the import and nothing is saved. /cancel to stop.")
    return None


@router.answer(IMPORT_QUESTION, can=Can.QUICK_REPLIES_EDIT)
async def on_import_text(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    await ctx.screen.say("That is text: send the replies as a JSON or CSV file. Nothing was imported.")


async def on_import_file(ctx: AdminContext, document: Mapping[str, Any]) -> None:
    """The file answering the import's question: checked for size here, read by a job."""
    if not ctx.can(Can.QUICK_REPLIES_EDIT):
        await ctx.screen.say(not_allowed(ctx))
        return
    size = int(document.get("file_size") or 0)
    name = str(document.get("file_name") or "replies")
    if size > qr_files.MAX_BYTES:
        await ctx.screen.say(f"The file is over {qr_files.MAX_BYTES // (1024 * 1024)} MB."
                             " Nothing was imported.")
        return
    if not name.lower().endswith((".json", ".csv", ".txt")):
        await ctx.screen.say("Send a .json or .csv file. Nothing was imported.")
        return
    job = JobRequest(Queue.ADMIN, Task.ADMIN_DESK_IMPORT, f"report:{ctx.operator.telegram_id}",
                     {"file_id": document["file_id"], "file_name": name,
                      "operator_id": ctx.operator.telegram_id, "chat_id": ctx.place.chat_id,
                      "thread_id": ctx.place.thread_id})
    await queues.defer(ctx.tx.conn, [job])
    await ctx.screen.say("⏳ Reading the file…")


async def run_import(tx: Effects, settings: Settings, gateway: TelegramGateway,
                     args: Mapping[str, Any]) -> None:
    """The import job: all the file's replies saved, or none and the first bad line named."""
    place = Place(int(args["chat_id"]), args.get("thread_id"))
    screen = Screen(tx, place)
    operator = await roles.resolve(tx.conn, settings.admin_user_ids, int(args["operator_id"]))
    if operator is None or not operator.can(Can.QUICK_REPLIES_EDIT):
        await screen.say("🚫 Importing quick replies needs an admin role. Nothing was imported.")
        return
    try:
        content = await gateway.download(str(args["file_id"]), max_bytes=qr_files.MAX_BYTES)
        drafts = qr_files.parse(content, str(args["file_name"]))
    except qr_files.BadFile as exc:
        await screen.say(f"{fmt.esc(exc)} Nothing was imported.")
        return
    except TelegramError as exc:
        await screen.say(f"The file could not be read ({fmt.esc(exc)}). Nothing was imported.")
        return
    replaced = 0
    for draft in drafts:
        _, before = await quick_replies.save(tx.conn, draft, operator.telegram_id)
        replaced += before is not None
    await audit.record(tx.conn, operator, "quick_reply.import", cause=tx.cause,
                       target=str(args["file_name"]), after={"replies": len(drafts), "replaced": replaced})
    await screen.say(f"✅ Imported {len(drafts):,} quick replies ({len(drafts) - replaced:,} new,"
                     f" {replaced:,} replaced).")

