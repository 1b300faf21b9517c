"""Audiences uploaded as a document: ``/massgift ids <gift> [reason]`` or
``/broadcast ids tpl:<name>`` sent as a reply to a .txt or .csv document in
the admin group listing users (core.admin.campaign_ids reads it).

The command is checked at once (the document's name and size, the rest of the
command); a job on the admin queue then downloads the file through the
gateway, keeps the users it names as list ``<n>`` (``campaign_id_lists``) and
opens the usual preview with the segment term ``file:<n>`` in place of
``ids``, so the preview, the confirm and the campaign are those of any
segment. ``ids`` may be joined with other terms (``ids+active:30``). A
broadcast replying to the list names its message with a template; replying
to the message to send instead, it asks for the list (a question answered
with the document).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.admin import (
    audit,
    campaign_albums,
    campaign_compose,
    campaign_gift_compose,
    campaign_gift_screens,
    campaign_ids,
    campaign_screens,
    fmt,
    pending,
)
from core.admin import roles as roles_
from core.admin.refs import Unreadable
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter, not_allowed
from core.admin.screens import Place, Screen
from core.delivery.effects import Effects
from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform import bot_settings
from core.platform.config import Settings
from core.platform.errors import TelegramError
from core.platform.sql import q
from core.telegram.gateway import TelegramGateway

router = AdminRouter("campaign_id_lists")
#: The question a broadcast replying to its message asks: the list, as a document.
QUESTION = "campaign.ids"
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


def _is_list(message: object) -> bool:
    """Whether a message is a .txt or .csv document (a list, not a message to broadcast)."""
    document = message.get("document") if isinstance(message, Mapping) else None
    name = document.get("file_name") if isinstance(document, Mapping) else None
    return isinstance(name, str) and name.lower().endswith(campaign_ids.EXTENSIONS)


def _file_problem(document: Mapping[str, Any], command: str) -> str | None:
    """Why this document cannot be the list (None: it may be)."""
    name = str(document.get("file_name") or "")
    if not isinstance(document.get("file_id"), str) or not name.lower().endswith(campaign_ids.EXTENSIONS):
        return (f"“{fmt.esc(name[:60])}” is not a .txt or .csv file: the list names the users (Telegram ids"
                " or @usernames), one per line or separated by commas.")
    if int(document.get("file_size") or 0) > campaign_ids.MAX_BYTES:
        return (f"The list is over {campaign_ids.MAX_BYTES // (1024 * 1024)} MB: split it in several."
                f" {_NOTHING[command]}")
    return None


async def _check(ctx: AdminContext, command: str, payload: str, source: Mapping[str, Any] | None) -> None:
    """Refuse now what the preview would refuse after the download."""
    with_file = with_list(payload, 1)
    if command == "massgift":
        campaign_gift_compose.gift(with_file)
        return
    replied = (source or {}).get("reply_to_message")
    album = await campaign_albums.items(ctx.tx.conn, replied) if isinstance(replied, Mapping) else []
    campaign_compose.broadcast(with_file, source, tz=campaign_screens.zone(ctx.cfg.timezone), album=album,
                               template=_placeholder(payload))


def _placeholder(payload: str) -> campaign_compose.Template | None:
    """A stand-in for the template a command names (the preview finds the real one)."""
    name = campaign_compose.template_name(payload)
    return None if name is None else campaign_compose.Template(name, 0, [1], "text", [])


async def _queue(ctx: AdminContext, command: str, payload: str, document: Mapping[str, Any],
                 source: Mapping[str, Any] | None) -> None:
    job = JobRequest(Queue.ADMIN, Task.ADMIN_CAMPAIGN_IDS, f"campaign_ids:{ctx.operator.telegram_id}",
                     {"file_id": document["file_id"], "file_name": str(document.get("file_name")),
                      "command": command, "payload": payload, "source": source,
                      "operator_id": ctx.operator.telegram_id, "chat_id": ctx.place.chat_id,
                      "thread_id": ctx.place.thread_id, "message_id": (ctx.source or {}).get("message_id")})
    await queues.defer(ctx.tx.conn, [job])
    await ctx.screen.say("⏳ Reading the list of users…")


async def request(ctx: AdminContext, command: str, payload: str) -> None:
    """``/<command> ids ...``: replying to the list (read by a job), or, for a broadcast,
    replying to the message to send (the list is then asked for)."""
    replied = (ctx.source or {}).get("reply_to_message")
    asks = command == "broadcast" and isinstance(replied, Mapping) and not _is_list(replied) \
        and campaign_compose.template_name(payload) is None
    document = replied.get("document") if isinstance(replied, Mapping) else None
    if not asks and not isinstance(document, Mapping):
        await ctx.screen.say(f"⚠️ Reply with /{command} ids … to a .txt or .csv document sent here that lists"
                             " the users: Telegram ids or @usernames, one per line or separated by commas"
                             + (", or to the message to broadcast (the list is asked for next)."
                                if command == "broadcast" else "."))
        return
    problem = None if asks or not isinstance(document, Mapping) else _file_problem(document, command)
    if problem is not None:
        await ctx.screen.say(f"⚠️ {problem}")
        return
    source = ctx.source if asks else None
    if command == "broadcast" and not asks and campaign_compose.template_name(payload) is None:
        await ctx.screen.say("⚠️ The reply names the list, so name the message with a template"
                             " (/broadcast ids tpl:&lt;name&gt;), or reply to the message to broadcast with"
                             " /broadcast ids and send the list when asked.")
        return
    try:
        await _check(ctx, command, payload, source)
    except Unreadable as exc:
        await ctx.screen.say(f"⚠️ {fmt.esc(exc)}")
        return
    if asks:
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, QUESTION,
                          {"payload": payload, "source": {"reply_to_message": replied}}, ctx.place, None)
        await ctx.screen.say("📄 Now send the list of users as a .txt or .csv document: Telegram ids or"
                             " @usernames, one per line or separated by commas (1 MB at most)."
                             " /cancel to stop.")
        return
    assert isinstance(document, Mapping)
    await _queue(ctx, command, payload, document, None)


async def on_list_file(ctx: AdminContext, question: pending.Pending, document: Mapping[str, Any]) -> None:
    """The document answering the broadcast's question for its list."""
    if not ctx.can(Can.BROADCAST):
        await ctx.screen.say(not_allowed(ctx))
        return
    problem = _file_problem(document, "broadcast")
    if problem is not None:
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, question.kind, question.params,
                          question.place, question.message_id)
        await ctx.screen.say(f"⚠️ {problem} Send another file, or /cancel.")
        return
    await _queue(ctx, "broadcast", str(question.params["payload"]), document, question.params["source"])


@router.answer(QUESTION, can=Can.BROADCAST)
async def on_list_text(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, question.kind, question.params, question.place,
                      question.message_id)
    await ctx.screen.say("⚠️ That is text: send the list as a .txt or .csv document, or /cancel."
                         " Nothing was sent.")


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
    source = args.get("source")
    ctx = AdminContext(tx, settings, await bot_settings.load(tx.conn), operator, place,
                       source=source if isinstance(source, Mapping) else None)
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
