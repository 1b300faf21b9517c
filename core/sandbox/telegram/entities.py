"""Message entities between MTProto and Bot API JSON, so formatting is visible in the fake."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.sandbox.telegram.tl import raw

# Entities that carry nothing but their place in the text.
_PLAIN: dict[str, Any] = {
    "bold": raw.types.MessageEntityBold,
    "italic": raw.types.MessageEntityItalic,
    "underline": raw.types.MessageEntityUnderline,
    "strikethrough": raw.types.MessageEntityStrike,
    "spoiler": raw.types.MessageEntitySpoiler,
    "code": raw.types.MessageEntityCode,
    "mention": raw.types.MessageEntityMention,
    "hashtag": raw.types.MessageEntityHashtag,
    "cashtag": raw.types.MessageEntityCashtag,
    "bot_command": raw.types.MessageEntityBotCommand,
    "url": raw.types.MessageEntityUrl,
    "email": raw.types.MessageEntityEmail,
    "phone_number": raw.types.MessageEntityPhone,
    "blockquote": raw.types.MessageEntityBlockquote,
}
_PLAIN_NAMES = {cls: name for name, cls in _PLAIN.items()}


def to_bot_api(entities: Sequence[Any] | None) -> list[dict[str, Any]] | None:
    """Bot API JSON of the entities a request carried; kinds the fake does not know are kept by name."""
    if not entities:
        return None
    out: list[dict[str, Any]] = []
    for entity in entities:
        item: dict[str, Any] = {"offset": entity.offset, "length": entity.length}
        name = _PLAIN_NAMES.get(type(entity))
        if name is not None:
            item["type"] = name
        elif isinstance(entity, raw.types.MessageEntityPre):
            item["type"] = "pre"
            if entity.language:
                item["language"] = entity.language
        elif isinstance(entity, raw.types.MessageEntityTextUrl):
            item.update(type="text_link", url=entity.url)
        elif isinstance(entity, raw.types.InputMessageEntityMentionName):
            item.update(type="text_mention", user={"id": entity.user_id.user_id})
        elif isinstance(entity, raw.types.MessageEntityMentionName):
            item.update(type="text_mention", user={"id": entity.user_id})
        elif isinstance(entity, raw.types.MessageEntityCustomEmoji):
            item.update(type="custom_emoji", custom_emoji_id=str(entity.document_id))
        else:
            item["type"] = type(entity).__name__
        out.append(item)
    return out


def to_raw(entities: Sequence[Mapping[str, Any]] | None) -> list[Any] | None:
    """The MTProto entities of a stored message; unknown kinds are left out."""
    if not entities:
        return None
    out: list[Any] = []
    for e in entities:
        kind, place = e.get("type"), {"offset": e["offset"], "length": e["length"]}
        if kind in _PLAIN:
            out.append(_PLAIN[kind](**place))
        elif kind == "pre":
            out.append(raw.types.MessageEntityPre(language=e.get("language", ""), **place))
        elif kind == "text_link":
            out.append(raw.types.MessageEntityTextUrl(url=e["url"], **place))
        elif kind == "text_mention":
            out.append(raw.types.MessageEntityMentionName(user_id=e["user"]["id"], **place))
        elif kind == "custom_emoji":
            out.append(
                raw.types.MessageEntityCustomEmoji(document_id=int(e["custom_emoji_id"]), **place)
            )
    return out or None
