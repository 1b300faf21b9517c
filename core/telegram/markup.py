"""Inline keyboards in Bot API JSON, and the parse mode every text is written in.

One place for the shape of a button and a keyboard: features build their
screens from these, and the gateway translates the JSON for Pyrogram.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Every text the bot sends is HTML, with users' and operators' words escaped.
PARSE_MODE = "HTML"

#: An inline keyboard: ``{"inline_keyboard": [[button, ...], ...]}``.
Keyboard = dict[str, Any]
Button = dict[str, str]


def button(text: str, data: str) -> Button:
    """A button that sends ``data`` back (pack typed callback data to get it)."""
    return {"text": text, "callback_data": data}


def url_button(text: str, url: str) -> Button:
    return {"text": text, "url": url}


def copy_button(text: str, copied: str) -> dict[str, Any]:
    """A button that copies ``copied`` to the clipboard (Bot API ``copy_text``)."""
    return {"text": text, "copy_text": {"text": copied}}


def keyboard(*rows: Sequence[Mapping[str, Any]]) -> Keyboard:
    """Rows of buttons; empty rows are dropped."""
    return {"inline_keyboard": [[dict(b) for b in row] for row in rows if row]}


def in_rows(buttons: Sequence[Mapping[str, Any]], per_row: int) -> Keyboard:
    """Buttons laid out ``per_row`` to a row."""
    return keyboard(*(buttons[i:i + per_row] for i in range(0, len(buttons), per_row)))


def buttons_of(markup: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every button of a keyboard, row after row."""
    rows = (markup or {}).get("inline_keyboard") or []
    return [b for row in rows for b in row]
