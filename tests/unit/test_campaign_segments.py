"""Segments and the campaign commands, read strictly: what they mean, and what is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from core.accounts import segments
from core.accounts.segments import BadSegment
from core.admin import campaign_compose
from core.admin.campaign_progress import paid_stars, render_progress
from core.admin.refs import Unreadable


@pytest.mark.parametrize(("text", "canonical", "conditions"), [
    ("all", "all", {}),
    ("ALL", "all", {}),
    ("active:7", "active:7", {"active_days": 7}),
    ("active:7+lang:pt", "active:7+lang:pt", {"active_days": 7, "lang": "pt"}),
    ("all+tier:vip", "tier:vip", {"tier": "vip"}),
    ("paid", "paid", {"paid": True}),
    ("unpaid", "unpaid", {"paid": False}),
    ("pass+balance<5", "pass+balance<5", {"pass": True, "balance_under": 5}),
    ("balance>100", "balance>100", {"balance_over": 100}),
    ("ids:3,1,2,3", "ids:1,2,3", {"ids": [1, 2, 3]}),
    ("joined:2026-01-01..2026-01-31", "joined:2026-01-01..2026-01-31",
     {"joined_from": "2026-01-01", "joined_to": "2026-01-31"}),
    ("joined:..2026-01-31", "joined:..2026-01-31", {"joined_to": "2026-01-31"}),
])
def test_segments_parse_to_their_conditions(text: str, canonical: str, conditions: dict[str, object]) -> None:
    segment = segments.parse(text)
    assert segment.text == canonical
    assert dict(segment.filter) == conditions


@pytest.mark.parametrize(("text", "says"), [
    ("", "name a segment"),
    ("everyone", "unknown segment"),
    ("active:0", "from 1 to 3650"),
    ("active:x", "number of days"),
    ("lang:xx", "lang:<code> takes one of en, pt, es, uk"),
    ("paid+unpaid", "contradicts"),
    ("active:7+active:30", "repeats"),
    ("ids:", "at least one"),
    ("ids:12,abc", "digits"),
    ("joined:2026-02-01..2026-01-01", "ends before it starts"),
    ("joined:yesterday..", "dates like"),
    ("all+", "name a segment"),
])
def test_bad_segments_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(BadSegment, match=says):
        segments.parse(text)


def _reply(**source: object) -> dict[str, object]:
    return {"chat": {"id": -100}, "reply_to_message": {"message_id": 9, "chat": {"id": -100}, **source}}


def test_a_broadcast_command_reads_segment_options_and_buttons() -> None:
    payload = "active:7 service paid\nOpen the shop https://example.com/s\n"
    order = campaign_compose.broadcast(payload, _reply(photo=[{"file_id": "x"}], caption="hi"))
    assert (order.segment.text, order.service, order.paid, order.kind) == ("active:7", True, True, "photo")
    assert (order.source_chat_id, order.source_message_ids) == (-100, [9])
    assert order.buttons == [[{"text": "Open the shop", "url": "https://example.com/s"}]]


ALBUM = [(9, "photo"), (10, "photo"), (11, "video")]


def test_a_broadcast_replying_to_any_item_of_an_album_sends_the_whole_album() -> None:
    order = campaign_compose.broadcast("active:7", _reply(photo=[{}], media_group_id="5"), album=ALBUM)
    assert (order.kind, order.source_message_ids, order.buttons) == ("album", [9, 10, 11], [])
    item = {"chat": {"id": -100}, "reply_to_message": {"message_id": 11, "chat": {"id": -100}, "video": {},
                                                       "media_group_id": "5"}}
    assert campaign_compose.broadcast("all", item, album=ALBUM).source_message_ids == [9, 10, 11]
    saved = campaign_compose.Template("digest", -100, [9, 10, 11], "album", [])
    from_template = campaign_compose.broadcast("all tpl:digest", None, template=saved)
    assert from_template.source_message_ids == [9, 10, 11]


@pytest.mark.parametrize(("payload", "album", "says"), [
    ("all\nShop https://e.com/s", ALBUM, "An album cannot carry buttons"),
    ("all", [(9 + i, "photo") for i in range(11)], "at most 10 items"),
    ("all", [(8, "photo"), (10, "photo")], "did not see this album arrive"),
    ("all", [(9, "photo"), (10, "sticker")], "holds a sticker item"),
])
def test_bad_album_broadcasts_are_refused(payload: str, album: list[tuple[int, str]], says: str) -> None:
    with pytest.raises(Unreadable, match=says):
        campaign_compose.broadcast(payload, _reply(photo=[{}], media_group_id="5"), album=album)


@pytest.mark.parametrize(("payload", "message", "says"), [
    ("all", {"chat": {"id": 1}}, "reply to it with /broadcast"),
    ("all loud", _reply(text="hi"), "Unknown option"),
    ("all", _reply(poll={"id": "1"}), "cannot be copied"),
    ("all", _reply(photo=[{}], media_group_id="5"), "did not see this album arrive"),
    ("all\nno link", _reply(text="hi"), "is not a button"),
    ("all\n" + "\n".join(f"b{i} https://e.com/{i}" for i in range(9)), _reply(text="hi"),
     "At most 8 buttons"),
    ("nobody", _reply(text="hi"), "unknown segment"),
])
def test_bad_broadcast_commands_are_refused(payload: str, message: dict[str, object], says: str) -> None:
    with pytest.raises(Unreadable, match=says):
        campaign_compose.broadcast(payload, message)


def test_paid_lane_cost_is_a_tenth_of_a_star_per_message_rounded_up() -> None:
    assert [paid_stars(n) for n in (1, 10, 11, 10_000)] == [1, 1, 2, 1000]


STARTED = datetime.now(UTC)


def test_progress_shows_counts_and_only_the_buttons_that_apply() -> None:
    @dataclass(frozen=True)
    class View:
        id: int = 4
        kind: str = "broadcast"
        status: str = "paused"
        segment: str = "active:7"
        lane: str = "broadcast"
        credits: int = 0
        pass_days: int = 0
        notice: bool = False
        audience: int = 100
        selection_done: bool = True
        selected: int = 100
        granted: int = 0
        sent: int = 40
        failed: int = 5
        blocked: int = 5
        started_at: datetime | None = STARTED
        scheduled_at: datetime | None = None

    text, markup = render_progress(View())
    assert "50%" in text
    assert "Sent 40 · failed 5 · blocked 5 · remaining 50" in text
    labels = [b["text"] for row in (markup or {})["inline_keyboard"] for b in row]
    assert "▶️ Resume" in labels
    assert "⏸ Pause" not in labels
    text, markup = render_progress(View(status="done", sent=90))
    labels = [b["text"] for row in (markup or {})["inline_keyboard"] for b in row]
    assert "✖️ Cancel" not in labels
