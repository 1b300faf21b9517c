"""A message's text and entities (Bot API) as the HTML the bot sends with
``parse_mode=HTML``: what an operator formatted stays formatted when the bot
says it again (a quick reply, a signed reply)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from itertools import pairwise
from typing import Any

_TAGS = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "spoiler": "tg-spoiler",
         "code": "code", "blockquote": "blockquote", "expandable_blockquote": "blockquote expandable"}


def _open(entity: Mapping[str, Any]) -> tuple[str, str] | None:
    kind = entity.get("type")
    if kind == "text_link" and isinstance(entity.get("url"), str):
        return f'<a href="{escape(entity["url"], quote=True)}">', "</a>"
    if kind == "pre":
        language = entity.get("language")
        if isinstance(language, str) and language:
            return f'<pre><code class="language-{escape(language, quote=True)}">', "</code></pre>"
        return "<pre>", "</pre>"
    tag = _TAGS.get(str(kind))
    if tag is None:
        return None  # mentions, hashtags, links: Telegram finds them again in the text
    return f"<{tag}>", f"</{tag.split()[0]}>"


def to_html(text: str, entities: Sequence[Mapping[str, Any]] = ()) -> str:
    """``text`` escaped, with its formatting entities (UTF-16 offsets, as Telegram
    counts) as tags; entities that overlap without nesting are dropped."""
    units = text.encode("utf-16-le")
    length = len(units) // 2
    spans: list[tuple[int, int, str, str]] = []
    for e in entities:
        tags = _open(e)
        start, size = e.get("offset"), e.get("length")
        if tags is None or not isinstance(start, int) or not isinstance(size, int) or size <= 0:
            continue
        end = min(start + size, length)
        if 0 <= start < end:
            spans.append((start, end, *tags))
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int, str, str]] = []
    stack: list[tuple[int, int, str, str]] = []
    for span in spans:
        while stack and stack[-1][1] <= span[0]:
            stack.pop()
        if stack and span[1] > stack[-1][1]:
            continue  # crosses its parent's end: HTML cannot say it
        kept.append(span)
        stack.append(span)
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for start, end, open_tag, close_tag in kept:
        opens.setdefault(start, []).append(open_tag)
        closes.setdefault(end, []).insert(0, close_tag)
    out: list[str] = []
    cuts = sorted({0, length, *opens, *closes})
    for a, b in pairwise(cuts):
        out += closes.get(a, []) if a != 0 else []
        out += opens.get(a, [])
        out.append(escape(units[2 * a:2 * b].decode("utf-16-le"), quote=False))
    out += closes.get(length, [])
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def shift(entities: Sequence[Mapping[str, Any]], by: int) -> list[dict[str, Any]]:
    """Entities of a text that starts ``by`` UTF-16 units later (a command's
    payload): those before it dropped, the rest moved."""
    moved = []
    for e in entities:
        start, size = e.get("offset"), e.get("length")
        if not isinstance(start, int) or not isinstance(size, int) or start < by:
            continue
        moved.append({**e, "offset": start - by})
    return moved
