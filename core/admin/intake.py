"""What reaches the control center, and who may act on it.

The admin queue brings: buttons of its screens, commands typed in an
operator's private chat or anywhere in an admin group (a command in a
customer's topic acts on that customer and is never relayed), messages in
an admin group's General topic, and answers to a screen's question (handed
over by the messaging worker). Every one of them resolves the sender's role
first, at that moment; a button press is answered exactly once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import structlog

from core.accounts import language
from core.admin import (
    campaign_albums,
    campaign_id_lists,
    confirm,
    desk_replies,
    desk_reply_files,
    pending,
    roles,
)
from core.admin.center import DISPATCHER
from core.admin.navigation import Cancel, Confirm
from core.admin.router import AdminContext
from core.admin.screens import Place, Screen
from core.delivery.effects import Effects
from core.dispatch.callback_data import BadCallbackData
from core.i18n import t
from core.jobs.routing import quick_reply_word
from core.platform.bot_settings import BotSettings
from core.platform.config import Settings
from core.platform.sql import q
from core.telegram.markup import PARSE_MODE
from core.telegram.updates import command_attempt, sender_of

log = structlog.get_logger(__name__)

NOT_FOR_YOU = "🚫 Not allowed."
UNKNOWN = "Unknown command. /admin opens the control center."
NEEDS_ROLE = "🚫 Managing the bot needs an operator role."


def _place_of(message: Mapping[str, Any]) -> Place:
    chat = message.get("chat") or {}
    thread = message.get("message_thread_id") if message.get("is_topic_message") else None
    return Place(int(chat.get("id", 0)), thread if isinstance(thread, int) else None)


async def _topic_user(tx: Effects, place: Place) -> int | None:
    if place.thread_id is None:
        return None
    user_id: int | None = await tx.conn.fetchval(q("intake_topic_user"), place.chat_id, place.thread_id)
    return user_id


async def on_callback(tx: Effects, settings: Settings, cfg: BotSettings, query: Mapping[str, Any]) -> None:
    sender = sender_of(query)
    notice: str | None = NOT_FOR_YOU
    operator = (await roles.resolve(tx.conn, settings.admin_user_ids, int(sender["id"]))
                if sender is not None else None)
    message = query.get("message")
    if operator is not None and isinstance(message, Mapping):
        place = _place_of(message)
        editable = message.get("date") and isinstance(message.get("message_id"), int)
        ctx = AdminContext(tx, settings, cfg, operator, place,
                           message_id=message["message_id"] if editable else None,
                           topic_user_id=await _topic_user(tx, place))
        notice = await _press(ctx, query.get("data"))
    elif operator is not None:
        notice = "This button can no longer be used here."
    params: dict[str, Any] = {"callback_query_id": query["id"]}
    if notice:
        params["text"] = notice
    await tx.send("answerCallbackQuery", sender["id"] if sender is not None else 0, **params)


async def _press(ctx: AdminContext, data: object) -> str | None:
    if isinstance(data, str) and Confirm.matches(data):
        try:
            token = Confirm.unpack(data).token
        except BadCallbackData:
            return "This button is no longer active."
        return await DISPATCHER.on_confirm(ctx, token)
    if isinstance(data, str) and Cancel.matches(data):
        try:
            token = Cancel.unpack(data).token
        except BadCallbackData:
            return "This button is no longer active."
        dropped = await confirm.drop(ctx.tx.conn, ctx.operator.telegram_id, token)
        if dropped:
            await ctx.screen.show("Cancelled: nothing was changed.")
        return "Cancelled." if dropped else "Nothing to cancel."
    return await DISPATCHER.on_callback(ctx, data)


async def on_message(
    tx: Effects, settings: Settings, cfg: BotSettings, message: Mapping[str, Any],
    admin_groups: Collection[int],
) -> None:
    sender = sender_of(message)
    if sender is None or sender.get("is_bot"):
        return
    place = _place_of(message)
    in_group = place.chat_id in admin_groups
    private = (message.get("chat") or {}).get("type") == "private"
    if not (in_group or private):
        return
    operator = await roles.resolve(tx.conn, settings.admin_user_ids, int(sender["id"]))
    command = command_attempt(message)
    screen = Screen(tx, place)
    if command is not None:
        if operator is None:
            await _refuse_stranger(tx, screen, int(sender["id"]), in_group=in_group)
            return
        ctx = AdminContext(tx, settings, cfg, operator, place, topic_user_id=await _topic_user(tx, place),
                           source=message)
        if not await DISPATCHER.on_command(ctx, command):
            await screen.say(UNKNOWN)
        return
    word = quick_reply_word(message) if in_group and place.thread_id is not None else None
    if word is not None:
        # ``!name`` in a customer's topic (routed here, never relayed): the desk sends it.
        if operator is None:
            await screen.say(NEEDS_ROLE)
            return
        await desk_replies.send_in_topic(
            AdminContext(tx, settings, cfg, operator, place, topic_user_id=await _topic_user(tx, place),
                         source=message), word)
        return
    if operator is None:
        return  # chatter in the General topic
    if in_group:
        await campaign_albums.record(tx.conn, message)  # an album /broadcast may name later
    question = await pending.take(tx.conn, operator.telegram_id)
    text = message.get("text")
    if question is None:
        if private:
            # Handed over because a question waited; it expired or was cancelled since.
            await screen.say("That question expired or was cancelled; nothing was changed."
                             " /admin to start again.")
        return
    ctx = AdminContext(tx, settings, cfg, operator, question.place, message_id=question.message_id,
                       topic_user_id=await _topic_user(tx, question.place), source=message)
    document = message.get("document")
    if question.kind == desk_reply_files.IMPORT_QUESTION and isinstance(document, Mapping):
        await desk_reply_files.on_import_file(ctx, document)
        return
    if question.kind == campaign_id_lists.QUESTION and isinstance(document, Mapping):
        await campaign_id_lists.on_list_file(ctx, question, document)
        return
    if not isinstance(text, str) or not text.strip():
        await pending.ask(tx.conn, operator.telegram_id, question.kind, question.params, question.place,
                          question.message_id)
        await Screen(tx, question.place).say("Please answer with text, or send /cancel.")
        return
    await DISPATCHER.on_answer(ctx, question, text.strip())


async def _refuse_stranger(tx: Effects, screen: Screen, telegram_id: int, *, in_group: bool) -> None:
    """A non-operator's control-center command: in private the ordinary unknown-command
    hint (nothing about the center is revealed), in the staff room a plain refusal."""
    if in_group:
        await screen.say(NEEDS_ROLE)
        return
    lang = await language.of_telegram_id(tx.conn, telegram_id)
    await tx.send("sendMessage", telegram_id, text=t(lang, "unknown_command"), parse_mode=PARSE_MODE)
