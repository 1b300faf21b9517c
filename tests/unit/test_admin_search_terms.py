"""Reading a search term into its keys, and showing hits safely."""

from __future__ import annotations

import pytest

from core.admin.search_hits import MARK_START as S
from core.admin.search_hits import MARK_STOP as E
from core.admin.search_terms import MAX_TERM, Amount, Unsearchable, clean, read
from core.admin.search_view import echo, message_link, snippet


@pytest.mark.parametrize(("typed", "key", "value"), [
    ("123456789", "telegram_id", 123456789),
    ("@Maria_S", "username", "maria_s"),
    ("cus_ABC123def", "customer_id", "cus_ABC123def"),
    ("cs_test_a1B2c3D4", "payment_id", "cs_test_a1B2c3D4"),
    ("pi_3Nabc123", "payment_id", "pi_3Nabc123"),
    ("ch_3Nabc123", "payment_id", "ch_3Nabc123"),
    ("in_1Qabc123", "payment_id", "in_1Qabc123"),
    ("stxAbCdEfGh123456", "payment_id", "stxAbCdEfGh123456"),
    ("9.99", "amount", Amount(999, None)),
    ("$9.99", "amount", Amount(999, "usd")),
    ("9,99 €", "amount", Amount(999, "eur")),
    ("R$ 49,90", "amount", Amount(4990, "brl")),
    ("usd 12", "amount", Amount(1200, "usd")),
    ("1,234.50", "amount", Amount(123450, None)),
    ("¥500", "amount", Amount(500, "jpy")),
    ("500⭐", "amount", Amount(500, "xtr")),
    ("⭐ 500", "amount", Amount(500, "xtr")),
    ("500 Stars", "amount", Amount(500, "xtr")),
    ("500 XTR", "amount", Amount(500, "xtr")),
])
def test_each_key_is_recognised(typed: str, key: str, value: object) -> None:
    term = read(typed)
    assert getattr(term, key) == value
    assert term.is_key


@pytest.mark.parametrize("typed", ["refund please", "9.999", "5 abc", "$ 5 usd", "0.00",
                                   "12345678901234567890", "maria", "mar sil"])
def test_words_are_no_key(typed: str) -> None:
    term = read(typed)
    assert not term.is_key
    assert term.text == typed


@pytest.mark.parametrize("typed", ["", "   ", "%", "_", "\\", "'", '"', "🔥🔥", "-- ;", "\x00\x01"])
def test_nothing_to_search_is_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(Unsearchable, match=r"Type what to search for|no letters or digits"):
        read(typed)


def test_long_input_is_cut_at_a_word_and_control_characters_go() -> None:
    text, truncated = clean("refund " * 600)
    assert truncated
    assert len(text) <= MAX_TERM
    assert text.split() == ["refund"] * len(text.split())
    assert clean("x" * 4000) == ("x" * MAX_TERM, True)
    assert clean("a\x00b\nc\td") == ("a b c d", False)


def test_snippets_escape_what_users_typed_and_bold_only_the_match() -> None:
    raw = f"I want a {S}refund{E} \x01b\x02now\x01/b\x02 & <i>"
    assert snippet(raw) == "I want a <b>refund</b> &lt;b&gt;now&lt;/b&gt; &amp; &lt;i&gt;"
    long = snippet("word " * 100 + f"{S}refund{E}" + " tail" * 100)
    assert long.startswith("…word")
    assert long.endswith("…")
    assert "<b>refund</b>" in long
    assert len(long) < 260
    cut_inside = snippet(f"{S}{'a' * 400}{E}")
    assert cut_inside.count("<b>") == cut_inside.count("</b>") == 1


def test_links_point_into_the_topic_of_a_supergroup_only() -> None:
    assert message_link(-1001000000001, 77, 4242) == "https://t.me/c/1000000001/77/4242"
    assert message_link(-1001000000001, None, 4242) == "https://t.me/c/1000000001/4242"
    assert message_link(-4000001, 77, 4242) is None  # a basic group has no such links
    assert message_link(-1001000000001, 77, None) is None  # never relayed


def test_the_echo_is_escaped_shortened_and_isolated() -> None:
    assert echo("<b>x</b>") == "“\u2068&lt;b&gt;x&lt;/b&gt;\u2069”"
    assert echo("y" * 100) == "“\u2068" + "y" * 60 + "…\u2069”"
