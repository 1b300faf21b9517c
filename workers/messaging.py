"""The ``messaging`` queue: users' messages and commands, the relay to and
from topics, and scheduled deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from procrastinate import App

from core import billing, campaigns, experience
from core.accounts import users
from core.delivery import engine
from core.delivery.effects import Effects
from core.dispatch.router import Context, Dispatcher
from core.dispatch.screens import message_id_of
from core.dispatch.unknown import stale_notice, unknown_command
from core.jobs import inbox, queues
from core.jobs.processed import Source
from core.jobs.queues import JobRequest, Queue, Task
from core.platform import bot_settings
from core.platform.database import connection
from core.relay import edits, incoming, replies
from core.telegram.updates import command_attempt, message_of, sender_of
from workers import inbox_drain
from workers.runtime import Container, apply_once, job

log = structlog.get_logger(__name__)


#: The features' commands and buttons in private chats; a command or button
#: prefix two of them claim fails here, at import.
DISPATCHER = Dispatcher([experience.router, billing.router, campaigns.router], stale_notice=stale_notice)


async def _private_message(
    c: Container, tx: Effects, cfg: bot_settings.BotSettings, message: Mapping[str, Any], update_id: int
) -> None:
    sender = sender_of(message)
    if sender is None:
        return
    user, new = await users.upsert_from(tx.conn, sender)
    command = command_attempt(message)
    if command is None and user.has_pending_question:
        # An operator answering a control-center question: theirs, not a paid message.
        # Marked as handed over: this update's own marker is written here, so the admin
        # job records it under a key of its own (a redelivered hand-over still runs once).
        answer = {"update": {"update_id": update_id, "message": message}, "handed_over": True}
        await queues.defer(tx.conn, [JobRequest(Queue.ADMIN, Task.ADMIN_UPDATE,
                                                f"operator:{user.telegram_id}", answer)])
        return
    if command is None:
        await incoming.on_user_message(tx, cfg, c.settings.admin_group_ids, user, message, update_id)
        return
    ctx = Context(tx, c.settings, cfg, user, new_user=new)
    if not await DISPATCHER.on_command(ctx, command):
        # Neither charged nor relayed: a typo of a command is not a message to the operators.
        await unknown_command(ctx)


async def _callback(
    c: Container, tx: Effects, cfg: bot_settings.BotSettings, query: Mapping[str, Any]
) -> None:
    sender = sender_of(query)
    if sender is None:
        # Every button press gets an answer, or the user's client keeps spinning.
        await tx.send("answerCallbackQuery", 0, callback_query_id=query["id"])
        return
    user, _ = await users.upsert_from(tx.conn, sender)
    message = query.get("message")
    chat = message.get("chat") if isinstance(message, Mapping) else None
    in_own_chat = isinstance(chat, Mapping) and chat.get("id") == user.telegram_id
    ctx = Context(tx, c.settings, cfg, user, message_id=message_id_of(query) if in_own_chat else None)
    await DISPATCHER.on_callback(ctx, str(query["id"]), query.get("data"))


async def _edited(c: Container, tx: Effects, message: Mapping[str, Any]) -> None:
    chat = message.get("chat") or {}
    if chat.get("id") in c.settings.admin_group_ids:
        await edits.on_operator_edit(tx, message)
        return
    sender = sender_of(message)
    if sender is not None and chat.get("type") == "private":
        user, _ = await users.upsert_from(tx.conn, sender)
        await edits.on_user_edit(tx, user, message)


async def apply_update(c: Container, tx: Effects, cfg: bot_settings.BotSettings,
                       update: Mapping[str, Any]) -> None:
    """The effects of one update, in the caller's transaction (which marks it processed)."""
    update_id = int(update["update_id"])
    if isinstance(update.get("message"), Mapping):
        msg = update["message"]
        chat = msg.get("chat") or {}
        if chat.get("id") in c.settings.admin_group_ids and msg.get("message_thread_id"):
            await replies.on_topic_message(tx, cfg, msg, update_id)
        elif chat.get("type") == "private":
            await _private_message(c, tx, cfg, msg, update_id)
    elif isinstance(update.get("edited_message"), Mapping):
        await _edited(c, tx, update["edited_message"])
    elif isinstance(update.get("callback_query"), Mapping):
        await _callback(c, tx, cfg, update["callback_query"])
    elif isinstance(update.get("my_chat_member"), Mapping):
        member = update["my_chat_member"]
        status = (member.get("new_chat_member") or {}).get("status")
        sender = sender_of(member)
        if sender is not None and status in ("kicked", "member"):
            await users.set_blocked_bot(tx.conn, sender["id"], status == "kicked")


async def record_incoming(c: Container, update: Mapping[str, Any]) -> None:
    """Sandbox only: the stand-in Telegram learns what users sent, to copy it later."""
    message = message_of(update)
    if c.sandbox is not None and message is not None:
        await c.sandbox.record_incoming(message)


async def handle_update(c: Container, update: Mapping[str, Any]) -> None:
    """One update in a job of its own (the inbox's drain handles them in batches)."""
    await record_incoming(c, update)

    async def effects(tx: Effects) -> None:
        await apply_update(c, tx, await bot_settings.load(tx.conn), update)

    await apply_once(c, Source.TELEGRAM, str(update["update_id"]), effects)


async def _requeue_drain(c: Container, args: Mapping[str, Any], seconds: float) -> None:
    async with connection(c.pool) as conn:
        await inbox.requeue(conn, int(args["shard"]), seconds)


async def _requeue_group(c: Container, args: Mapping[str, Any], seconds: float) -> None:
    async with connection(c.pool) as conn:
        await engine.schedule_group(conn, int(args["chat_id"]), seconds)


def register(app: App, c: Container) -> None:
    @job(app, c, Task.MESSAGING_UPDATE, bind=lambda a: {"update_id": a["update"].get("update_id")})
    async def messaging_update(c: Container, update: dict[str, Any]) -> None:
        await handle_update(c, update)

    @job(app, c, Task.MESSAGING_DRAIN, bind=lambda a: {"shard": a["shard"]}, requeue=_requeue_drain)
    async def messaging_drain(c: Container, shard: int) -> None:
        await inbox_drain.drain(c, shard, apply_update, record_incoming)

    @job(app, c, Task.DELIVER_OUTBOX)
    async def deliver_outbox(c: Container, outbox_ids: list[int]) -> None:
        await engine.deliver(c.courier, outbox_ids)

    @job(app, c, Task.DELIVER_GROUP, bind=lambda a: {"chat_id": a["chat_id"]}, requeue=_requeue_group)
    async def deliver_group(c: Container, chat_id: int) -> None:
        await engine.deliver_group(c.courier, chat_id)
