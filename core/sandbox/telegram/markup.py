"""Inline keyboards between MTProto (what the bot sends) and Bot API JSON (what the fake stores).

Written against the raw TL types on purpose, not Pyrogram's high-level
keyboard classes the gateway uses: a round trip through both is then a check
of the gateway's conversion, not the same code agreeing with itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.sandbox.telegram.rows import Refused
from core.sandbox.telegram.tl import raw

_MAX_CALLBACK_DATA = 64
_URL_SCHEMES = ("http://", "https://", "tg://")
_STYLES = ("primary", "danger", "success")


def _button_to_bot_api(button: Any) -> dict[str, Any]:
    if not isinstance(button, raw.types.KeyboardInlineButton):
        raise Refused("BUTTON_TYPE_INVALID")
    if not button.text:
        raise Refused("BUTTON_TEXT_INVALID")
    out: dict[str, Any] = {"text": button.text}
    kind = button.type
    if isinstance(kind, raw.types.InlineButtonTypeCallback):
        if not 1 <= len(kind.data) <= _MAX_CALLBACK_DATA:
            raise Refused("BUTTON_DATA_INVALID")
        out["callback_data"] = kind.data.decode("utf-8", errors="replace")
    elif isinstance(kind, raw.types.InlineButtonTypeUrl):
        if not kind.url.startswith(_URL_SCHEMES):
            raise Refused("BUTTON_URL_INVALID")
        out["url"] = kind.url
    elif isinstance(kind, raw.types.InlineButtonTypeBuy):
        out["pay"] = True
    elif isinstance(kind, raw.types.InlineButtonTypeWebView):
        out["web_app"] = {"url": kind.url}
    elif isinstance(kind, raw.types.InlineButtonTypeCopy):
        out["copy_text"] = {"text": kind.copy_text}
    elif isinstance(kind, raw.types.InlineButtonTypeSwitchInline):
        key = "switch_inline_query_current_chat" if kind.same_peer else "switch_inline_query"
        out[key] = kind.query
    elif isinstance(kind, raw.types.InlineButtonTypeGame):
        out["callback_game"] = {}
    else:
        raise Refused("BUTTON_TYPE_INVALID")
    style = button.style
    if style is not None:
        for name in _STYLES:
            if getattr(style, f"bg_{name}"):
                out["style"] = name
        if style.icon:
            out["icon_custom_emoji_id"] = str(style.icon)
    return out


def to_bot_api(markup: Any) -> dict[str, Any] | None:
    """The Bot API JSON of the keyboard a request carried (None for none)."""
    if markup is None:
        return None
    if not isinstance(markup, raw.types.ReplyInlineMarkup):
        # The product sends inline keyboards only; anything else is a mistake worth seeing.
        raise Refused("REPLY_MARKUP_INVALID")
    return {
        "inline_keyboard": [[_button_to_bot_api(b) for b in row.buttons] for row in markup.rows]
    }


def _button_type(button: Mapping[str, Any]) -> Any:
    if "callback_data" in button:
        return raw.types.InlineButtonTypeCallback(data=str(button["callback_data"]).encode())
    if "url" in button:
        return raw.types.InlineButtonTypeUrl(url=button["url"])
    if button.get("pay"):
        return raw.types.InlineButtonTypeBuy()
    if "web_app" in button:
        return raw.types.InlineButtonTypeWebView(url=button["web_app"]["url"])
    if "copy_text" in button:
        return raw.types.InlineButtonTypeCopy(copy_text=button["copy_text"]["text"])
    if "switch_inline_query_current_chat" in button:
        return raw.types.InlineButtonTypeSwitchInline(
            query=button["switch_inline_query_current_chat"], same_peer=True
        )
    if "switch_inline_query" in button:
        return raw.types.InlineButtonTypeSwitchInline(query=button["switch_inline_query"])
    if "callback_game" in button:
        return raw.types.InlineButtonTypeGame()
    raise ValueError(f"stored button has no known action: {button!r}")


def _style(button: Mapping[str, Any]) -> Any:
    style = button.get("style")
    icon = button.get("icon_custom_emoji_id")
    if style is None and icon is None:
        return None
    return raw.types.KeyboardButtonStyle(
        bg_primary=style == "primary" or None,
        bg_danger=style == "danger" or None,
        bg_success=style == "success" or None,
        icon=int(icon) if icon is not None else None,
    )


def to_raw(markup: Mapping[str, Any] | None) -> Any:
    """The MTProto keyboard of a stored message, for the answers the fake sends back."""
    if not markup:
        return None
    return raw.types.ReplyInlineMarkup(
        rows=[
            raw.types.KeyboardInlineButtonRow(
                buttons=[
                    raw.types.KeyboardInlineButton(
                        text=b["text"], type=_button_type(b), style=_style(b)
                    )
                    for b in row
                ]
            )
            for row in markup.get("inline_keyboard", [])
        ]
    )
