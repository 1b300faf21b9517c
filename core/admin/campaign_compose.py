"""What ``/broadcast`` and ``/massgift`` are given, read strictly (pure functions).

``/broadcast <segment> [service] [paid]`` replying to the message to send (or
to any item of an album); each further line of the command is a URL button:
``Label https://url`` (an album takes none).
``/massgift`` is read by core.admin.campaign_gift_compose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from core.accounts import segments
from core.admin.refs import Unreadable
from core.telegram.updates import message_kind

#: Kinds Telegram copies (copyMessage refuses service messages, polls of quizzes
#: with a correct answer hidden, invoices, dice results may differ...).
COPYABLE = frozenset({"text", "photo", "video", "document", "animation", "audio", "voice"})
#: Kinds a copy with buttons can be made of (core.telegram.copies resends them).
WITH_BUTTONS = frozenset({"text", "photo", "video", "document", "animation", "audio", "voice"})
MAX_BUTTONS = 8
#: An album (several messages copied in one call, kept together by Telegram): up to 10 items.
ALBUM = "album"
MAX_ALBUM = 10
MAX_LABEL = 40
_UTC = ZoneInfo("UTC")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]{1,500}|tg://[^\s]{1,200}")


@dataclass(frozen=True)
class BroadcastOrder:
    segment: segments.Segment
    source_chat_id: int
    source_message_ids: list[int]
    kind: str
    service: bool = False
    paid: bool = False
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    #: When to start (None: when confirmed).
    at: datetime | None = None


@dataclass(frozen=True)
class Template:
    """A saved message to broadcast (``campaign_templates``)."""

    name: str
    source_chat_id: int
    source_message_ids: list[int]
    kind: str
    buttons: list[list[dict[str, str]]]


def template_name(payload: str) -> str | None:
    """The template a ``/broadcast`` names (``tpl:<name>``), if any."""
    words = payload.strip().split("\n", 1)[0].split()
    names = [w[4:] for w in words[1:] if w.lower().startswith("tpl:")]
    return names[-1] if names else None


def segment(text: str) -> segments.Segment:
    try:
        return segments.parse(text)
    except segments.BadSegment as exc:
        raise Unreadable(f"Segment: {exc}.") from None


def _button(line: str) -> dict[str, str]:
    label, _, url = line.strip().rpartition(" ")
    label = label.strip()
    if not label or not _URL.fullmatch(url):
        raise Unreadable(f"“{line.strip()[:60]}” is not a button: write its label, a space and its link"
                         " (https://…) on a line of its own.")
    if len(label) > MAX_LABEL:
        raise Unreadable(f"A button's label has at most {MAX_LABEL} characters.")
    return {"text": label, "url": url}


def _at(text: str, tz: tzinfo, now: datetime) -> datetime:
    """``at:2026-12-24T18:00`` in the operators' time zone; refused when it has passed."""
    try:
        when = datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        raise Unreadable(f"“{text[:30]}” is not a time: write at:2026-12-24T18:00 (the operators'"
                         " time zone setting).") from None
    if when <= now:
        raise Unreadable(f"{when:%Y-%m-%d %H:%M} ({tz}) has passed: schedule it for a later time.")
    return when


def _album(source: Mapping[str, Any], album: Sequence[tuple[int, str]]) -> list[int]:
    """The message ids of the album ``source`` is an item of (``album``: its items as recorded)."""
    if int(source["message_id"]) not in {i for i, _ in album}:
        raise Unreadable("I did not see this album arrive: send it again in the admin group's General"
                         " topic, then reply to any of its items with /broadcast <segment>.")
    if len(album) > MAX_ALBUM:
        raise Unreadable(f"An album can be broadcast with at most {MAX_ALBUM} items; this one has more.")
    odd = sorted({kind for _, kind in album if kind not in COPYABLE})
    if odd:
        raise Unreadable(f"This album holds a {odd[0]} item, which cannot be copied to users.")
    return [i for i, _ in album]


def broadcast(payload: str, message: Mapping[str, Any] | None, *, tz: tzinfo | None = None,
              now: datetime | None = None, template: Template | None = None,
              album: Sequence[tuple[int, str]] = ()) -> BroadcastOrder:
    """The broadcast a ``/broadcast`` command orders; :class:`Unreadable` says what is wrong.

    ``tz`` and ``now`` read a schedule (``at:<time>``); ``template`` is the saved
    message ``tpl:<name>`` named (the command then replies to nothing); ``album``
    the recorded items (id, kind) of the album the command replies to, if it does."""
    source = (message or {}).get("reply_to_message")
    if template is not None:
        source = {"message_id": template.source_message_ids[0], "chat": {"id": template.source_chat_id},
                  template.kind: True}
    if not isinstance(source, Mapping) or not isinstance(source.get("message_id"), int):
        raise Unreadable("Send the message to broadcast first, then reply to it with /broadcast <segment>"
                         " (segments: all, active:<days>, tier:<name>, lang:<code>, paid, unpaid,"
                         " ids:<id,...>, joined with +).")
    first, *rest = payload.strip().split("\n")
    words = first.split()
    flags = {w.lower() for w in words[1:] if not w.lower().startswith(("at:", "tpl:"))}
    times = [w[3:] for w in words[1:] if w.lower().startswith("at:")]
    unknown = flags - {"service", "paid"}
    if not words:
        raise Unreadable("Name the audience: /broadcast <segment>, e.g. /broadcast active:7.")
    if unknown:
        raise Unreadable(f"Unknown option “{sorted(unknown)[0][:20]}”: after the segment write service"
                         " (reaches users who turned announcements off), paid (the paid lane) or"
                         " at:<time> (a schedule).")
    at = _at(times[-1], tz or _UTC, now or datetime.now(_UTC)) if times else None
    buttons = [[_button(line)] for line in rest if line.strip()]
    if template is not None and template.kind == ALBUM:
        kind, ids = ALBUM, list(template.source_message_ids)
    elif source.get("media_group_id") is not None:
        kind, ids = ALBUM, _album(source, album)
    else:
        kind, ids = message_kind(source) or "service", [int(source["message_id"])]
        if kind not in COPYABLE:
            raise Unreadable(f"A {kind} message cannot be copied to users: send text, a photo,"
                             " a video, a document, an animation, audio or a voice message.")
    if template is not None and not buttons:
        buttons = template.buttons
    if len(buttons) > MAX_BUTTONS:
        raise Unreadable(f"At most {MAX_BUTTONS} buttons.")
    if buttons and kind == ALBUM:
        # Telegram shows no buttons under an album: a copy of one with buttons is refused.
        raise Unreadable("An album cannot carry buttons (Telegram shows none under an album): send the"
                         " command without button lines, or broadcast a single message with them.")
    if buttons and kind not in WITH_BUTTONS:
        raise Unreadable(f"Buttons cannot be added to a copy of a {kind} message.")
    chat = source.get("chat") or (message or {}).get("chat") or {}
    return BroadcastOrder(segment(words[0]), int(chat["id"]), ids, kind,
                          service="service" in flags, paid="paid" in flags, buttons=buttons, at=at)
