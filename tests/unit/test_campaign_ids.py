"""A list of users uploaded for a campaign, read strictly: ids and @usernames in the
usual shapes, a header allowed, every other line refused by its number."""

from __future__ import annotations

import pytest

from core.accounts import segments
from core.admin import campaign_id_lists, campaign_ids
from core.admin.campaign_ids import BadFile


@pytest.mark.parametrize(("content", "ids", "names"), [
    (b"42\n43\n\n42\n", [42, 43], []),
    (b"42, 43,44\n@Alice_B\n", [42, 43, 44], ["alice_b"]),
    (b"\xef\xbb\xbftelegram_id\r\n42\r\n\"43\"\r\n", [42, 43], []),
    (b"id;username\n7;@bob_the_builder\n", [7], ["bob_the_builder"]),
])
def test_ids_and_usernames_are_read_in_the_usual_shapes(content: bytes, ids: list[int],
                                                        names: list[str]) -> None:
    found = campaign_ids.parse(content)
    assert (found.ids, found.names, found.given) == (ids, names, len(ids) + len(names))


@pytest.mark.parametrize(("content", "says"), [
    (b"42\n43\nforty-four\n", "Line 3: “forty-four” is neither"),
    (b"42\n@ab\n", "Line 2: “@ab”"),
    (b"id\n0\n", "Line 2: “0”"),
    (b"1,-5\n", "Line 1: “-5”"),
    (b"12345678901234567890\n", "Line 1"),
    (b"bob\n", "Line 1: “bob”"),
    (b"\xff\xfe1\n", "not UTF-8"),
    (b"\n \n", "holds no Telegram id"),
    (b"id\n", "holds no Telegram id"),
    (b"1" * (campaign_ids.MAX_BYTES + 1), "over 1 MB"),
    ("\n".join(str(i) for i in range(1, campaign_ids.MAX_IDS + 2)).encode(),
     "Line 100001: the list goes over"),
])
def test_bad_lists_name_their_line(content: bytes, says: str) -> None:
    with pytest.raises(BadFile, match=says):
        campaign_ids.parse(content)


def test_a_list_of_the_most_ids_is_read() -> None:
    content = "\n".join(str(i) for i in range(1, campaign_ids.MAX_IDS + 1)).encode()
    assert campaign_ids.parse(content).given == campaign_ids.MAX_IDS


@pytest.mark.parametrize(("payload", "wants", "rewritten"), [
    ("ids 5 Thanks", True, "file:7 5 Thanks"),
    ("active:7+IDS tpl:x service\nShop https://e.com", True, "active:7+file:7 tpl:x service\nShop https://e.com"),
    ("ids", True, "file:7"),
    ("ids:1,2 5", False, None),
    ("all 5 ids", False, None),
])
def test_the_ids_term_names_the_uploaded_list(payload: str, wants: bool, rewritten: str | None) -> None:
    assert campaign_id_lists.wants_file(payload) is wants
    if rewritten is not None:
        assert campaign_id_lists.with_list(payload, 7) == rewritten


def test_an_uploaded_list_is_a_segment_term() -> None:
    segment = segments.parse("file:12+active:7")
    assert (segment.text, dict(segment.filter)) == ("file:12+active:7", {"list": 12, "active_days": 7})
    with pytest.raises(segments.BadSegment, match="uploaded list"):
        segments.parse("file:x")
