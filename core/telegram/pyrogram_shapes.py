"""Bot API shapes as Pyrogram's: parse modes, inline keyboards and buttons, command
scopes, inline results, query ids, and the ids of sent messages in an answer.

Pure conversions for :mod:`core.telegram.pyrogram`; a shape Telegram's Bot API
would refuse is refused here (TelegramRejected), before any call is made.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

from pyrogram import enums, types
from pyrogram.raw.types.update_message_id import UpdateMessageID
from pyrogram.raw.types.update_new_channel_message import UpdateNewChannelMessage
from pyrogram.raw.types.update_new_message import UpdateNewMessage
from pyrogram.raw.types.update_short_sent_message import UpdateShortSentMessage

from core.platform.errors import TelegramRejected
from core.telegram.errors import TRANSLATED, translate
from core.telegram.gateway import ReplyMarkup

_PARSE_MODES: Final = {"html": enums.ParseMode.HTML}
_BUTTON_ACTIONS: Final = (
    "callback_data", "url", "pay", "web_app", "copy_text", "switch_inline_query",
    "switch_inline_query_current_chat",
)
_BUTTON_STYLES: Final = {
    "primary": enums.ButtonStyle.PRIMARY,
    "danger": enums.ButtonStyle.DANGER,
    "success": enums.ButtonStyle.SUCCESS,
}


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except TRANSLATED as exc:
        raise translate(exc) from exc  # type: ignore[arg-type]


def command_scope(scope: Mapping[str, Any]) -> Any:
    kind = scope.get("type", "default")
    if kind == "default":
        return types.BotCommandScopeDefault()  # type: ignore[no-untyped-call]
    if kind == "all_private_chats":
        return types.BotCommandScopeAllPrivateChats()  # type: ignore[no-untyped-call]
    if kind == "all_group_chats":
        return types.BotCommandScopeAllGroupChats()  # type: ignore[no-untyped-call]
    if kind == "all_chat_administrators":
        return types.BotCommandScopeAllChatAdministrators()  # type: ignore[no-untyped-call]
    if kind == "chat":
        return types.BotCommandScopeChat(scope["chat_id"])
    if kind == "chat_administrators":
        return types.BotCommandScopeChatAdministrators(scope["chat_id"])
    raise TelegramRejected(f"unknown command scope {kind!r}")


def parse_mode(parse_mode: str | None) -> Any:
    if parse_mode is None:
        return enums.ParseMode.DISABLED
    try:
        return _PARSE_MODES[parse_mode.lower()]
    except KeyError:
        # Pyrogram's Markdown is not the Bot API's MarkdownV2; accepting it would
        # silently render differently, so only HTML is offered.
        raise TelegramRejected(f"parse_mode {parse_mode!r} is not supported, use HTML") from None


def _button(button: Mapping[str, Any]) -> Any:
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    unknown = set(button) - {"text", "style", "icon_custom_emoji_id", *_BUTTON_ACTIONS}
    if "text" not in button or len(actions) != 1 or unknown:
        raise TelegramRejected(f"inline button not supported: {dict(button)!r}")
    style = button.get("style")
    if style is not None and style not in _BUTTON_STYLES:
        raise TelegramRejected(f"inline button style not supported: {style!r}")
    args: dict[str, Any] = {
        "text": button["text"],
        "style": _BUTTON_STYLES[style] if style else enums.ButtonStyle.DEFAULT,
        "icon_custom_emoji_id": button.get("icon_custom_emoji_id"),
    }
    action, value = actions[0], button[actions[0]]
    if action == "pay":
        args["pay"] = bool(value)
    elif action == "web_app":
        args["web_app"] = types.WebAppInfo(url=value["url"])
    elif action == "copy_text":
        args["copy_text"] = types.CopyTextButton(text=value["text"])
    else:
        args[action] = value
    return types.InlineKeyboardButton(**args)


def inline_keyboard(markup: ReplyMarkup | None) -> Any:
    """A Bot API inline keyboard (JSON) as Pyrogram's InlineKeyboardMarkup."""
    if markup is None:
        return None
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or set(markup) != {"inline_keyboard"}:
        raise TelegramRejected("reply_markup must be an inline keyboard: {'inline_keyboard': [...]}")
    return types.InlineKeyboardMarkup(inline_keyboard=[[_button(b) for b in row] for row in rows])


def article(result: Mapping[str, Any]) -> Any:
    """A Bot API ``InlineQueryResultArticle`` (JSON) as Pyrogram's."""
    content = result.get("input_message_content") or {}
    if result.get("type", "article") != "article" or not isinstance(content.get("message_text"), str):
        raise TelegramRejected(f"inline result not supported: {dict(result)!r}")
    return types.InlineQueryResultArticle(
        title=result["title"],
        input_message_content=types.InputTextMessageContent(
            content["message_text"], parse_mode=parse_mode(content.get("parse_mode"))),
        id=str(result["id"]),
        description=result.get("description"),
        reply_markup=inline_keyboard(result.get("reply_markup")),
    )


def query_id(query_id: str) -> int:
    # Bot API query ids are decimal strings of MTProto's 64-bit ids; Pyrogram would
    # raise a bare ValueError on anything else.
    try:
        return int(query_id)
    except ValueError:
        raise TelegramRejected(f"query id {query_id!r} is not a Telegram query id") from None


def new_message_ids(updates: Any, random_ids: Sequence[int]) -> list[int]:
    """The ids of sent messages in the order asked, matched through their random ids."""
    if isinstance(updates, UpdateShortSentMessage):
        # A private send answered with the id alone.
        return [updates.id]
    by_random = {
        u.random_id: u.id
        for u in getattr(updates, "updates", [])
        if isinstance(u, UpdateMessageID)
    }
    if by_random:
        return [by_random[r] for r in random_ids if r in by_random]
    return [
        u.message.id
        for u in getattr(updates, "updates", [])
        if isinstance(u, UpdateNewMessage | UpdateNewChannelMessage)
    ]
