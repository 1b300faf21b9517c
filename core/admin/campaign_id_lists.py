"""Audiences uploaded as a document: ``/massgift ids <gift> [reason]`` or
``/broadcast ids tpl:<name>`` sent as a reply to a .txt or .csv document in
the admin group listing users (core.admin.campaign_ids reads it).

The command is checked at once (the document's name and size, the rest of the
command); a job on the admin queue then downloads the file through the
gateway, keeps the users it names as list ``<n>`` (``campaign_id_lists``) and
opens the usual preview with the segment term ``file:<n>`` in place of
``ids``, so the preview, the confirm and the campaign are those of any
segment. ``ids`` may be joined with other terms (``ids+active:30``). A
broadcast's message comes from a template, since the reply names the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.accounts import segments
from core.admin import (
    audit,
    campaign_gift_compose,
    campaign_gift_screens,
    campaign_ids,
    campaign_screens,
    fmt,
)
from core.admin import roles as roles_
from core.admin.campaign_compose import template_name
from core.admin.refs import Unreadable
from core.admin.roles import Can
from core.admin.router import AdminContext
from core.admin.screens import Place, Screen
from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform import bot_settings
from core.platform.config import Settings
from core.platform.errors import TelegramError
from core.platform.sql import q
from core.telegram.gateway import TelegramGateway

#: The segment term that means "the users of the document this command replies to".
TERM = "ids"
_CAN = {"broadcast": Can.BROADCAST, "massgift": Can.MASS_GIFT}
_NOTHING = {"broadcast": "Nothing was sent.", "massgift": "Nothing was given."}


def wants_file(payload: str) -> bool:
    """Whether the command's segment names an uploaded list (the term ``ids`` alone)."""
    words = payload.strip().split("\n", 1)[0].split()
    return bool(words) and TERM in [t.strip().lower() for t in words[0].split("+")]


def with_list(payload: str, list_id: int) -> str:
    """The command with its ``ids`` term replaced by the uploaded list's ``file:<n>``."""
    first, newline, rest = payload.strip().partition("\n")
    segment, space, options = first.partition(" ")
    terms = [f"file:{list_id}" if t.strip().lower() == TERM else t for t in segment.split("+")]
    return "+".join(terms) + space + options + newline + rest


def _check(command: str, payload: str) -> None:
    """Refuse now what the preview would refuse after the download."""
    if command == "broadcast":
        if template_name(payload) is None:
            raise Unreadable("The reply names the list, so name the message with a template:"
                             " /broadcast ids tpl:<name> (💾 Save as template under any broadcast preview).")
        return
    try:
        segments.parse(with_list(payload, 1).split()[0])
    except segments.BadSegment as exc:
        raise Unreadable(f"Segment: {exc}.") from None
    campaign_gift_compose.gift(with_list(payload, 1))


async def request(ctx: AdminContext, command: str, payload: str) -> None:
    """``/<command> ids ...`` replying to a document: checked here, read by a job."""
    replied = (ctx.source or {}).get("reply_to_message")
    document = replied.get("document") if isinstance(replied, Mapping) else None
    usage = (f"Reply with /{command} ids … to a .txt or .csv document sent here that lists the users:"
             " Telegram ids or @usernames, one per line or separated by commas.")
    if not isinstance(document, Mapping) or not isinstance(document.get("file_id"), str):
        await ctx.screen.say(f"⚠️ {usage}")
        return
    name = str(document.get("file_name") or "")
    if not name.lower().endswith(campaign_ids.EXTENSIONS):
        await ctx.screen.say(f"⚠️ “{fmt.esc(name[:60])}” is not a .txt or .csv file. {usage}")
        return
    if int(document.get("file_size") or 0) > campaign_ids.MAX_BYTES:
        await ctx.screen.say(f"⚠️ The list is over {campaign_ids.MAX_BYTES // (1024 * 1024)} MB:"
                             f" split it in several. {_NOTHING[command]}")
        return
    try:
        _check(command, payload)
    except Unreadable as exc:
        await ctx.screen.say(f"⚠️ {fmt.esc(exc)}")
        return
    job = JobRequest(Queue.ADMIN, Task.ADMIN_CAMPAIGN_IDS, f"campaign_ids:{ctx.operator.telegram_id}",
                     {"file_id": document["file_id"], "file_name": name, "command": command,
                      "payload": payload, "operator_id": ctx.operator.telegram_id,
                      "chat_id": ctx.place.chat_id, "thread_id": ctx.place.thread_id,
                      "message_id": (ctx.source or {}).get("message_id")})
    await queues.defer(ctx.tx.conn, [job])
    await ctx.screen.say("⏳ Reading the list of users…")


async def run(tx: Effects, settings: Settings, gateway: TelegramGateway, args: Mapping[str, Any]) -> None:
    """The job: the list downloaded, read and kept, then the campaign's preview."""
    command = str(args["command"])
    place = Place(int(args["chat_id"]), args.get("thread_id"))
    operator = await roles_.resolve(tx.conn, settings.admin_user_ids, int(args["operator_id"]))
    if operator is None or not operator.can(_CAN[command]):
        # The role may have been taken away while the file waited.
        await Screen(tx, place).say(f"🚫 Not allowed. {_NOTHING[command]}")
        return
    try:
        content = await gateway.download(str(args["file_id"]), max_bytes=campaign_ids.MAX_BYTES)
        found = campaign_ids.parse(content)
    except campaign_ids.BadFile as exc:
        await Screen(tx, place).say(f"⚠️ {fmt.esc(exc)} {_NOTHING[command]}")
        return
    except TelegramError as exc:
        await Screen(tx, place).say(f"⚠️ The list could not be downloaded ({fmt.esc(exc)})."
                                    f" {_NOTHING[command]}")
        return
    list_id = await tx.conn.fetchval(q("campaign_id_lists_create"), operator.telegram_id,
                                     str(args["file_name"]), found.given)
    unknown = await tx.conn.fetchval(q("campaign_id_lists_fill"), list_id, found.ids, found.names)
    await audit.record(tx.conn, operator, "campaign.list.upload", cause=tx.cause, target=f"list:{list_id}",
                       after={"file": args["file_name"], "given": found.given, "unknown": unknown})
    ctx = AdminContext(tx, settings, await bot_settings.load(tx.conn), operator, place)
    payload = with_list(str(args["payload"]), list_id)
    if command == "broadcast":
        await campaign_screens.open_broadcast(ctx, payload)
    else:
        await campaign_gift_screens.open_massgift(ctx, payload)


async def open_broadcast(ctx: AdminContext, payload: str) -> None:
    """📢 Broadcast's opener: an uploaded list first, else the usual command."""
    if wants_file(payload):
        await request(ctx, "broadcast", payload)
    else:
        await campaign_screens.open_broadcast(ctx, payload)


async def open_massgift(ctx: AdminContext, payload: str) -> None:
    """🎁 Mass Gift's opener: an uploaded list first, else the usual command."""
    if wants_file(payload):
        await request(ctx, "massgift", payload)
    else:
        await campaign_gift_screens.open_massgift(ctx, payload)
