"""The console's pure parts: what Telegram marks in typed text, where a link back into
the bot leads in the sandbox, which command list a chat shows."""

from __future__ import annotations

from core.sandbox.telegram.commands import scopes_for
from webhooks.console.page import telegram_opener
from webhooks.console.updates import Sender, content, entities_of, utf16_length


def test_entities_are_found_with_utf16_offsets_as_the_bot_api_counts() -> None:
    text = "👋 /start@paid_desk_bot then /buy10, see https://example.com/a?b=1. @ada_lovelace #order"
    found = [(e["type"], text.encode("utf-16-le")[2 * e["offset"]:2 * (e["offset"] + e["length"])]
              .decode("utf-16-le")) for e in entities_of(text)]
    assert found == [("bot_command", "/start@paid_desk_bot"), ("bot_command", "/buy10"),
                     ("url", "https://example.com/a?b=1"), ("mention", "@ada_lovelace"),
                     ("hashtag", "#order")]
    assert entities_of("a//note and 1/2 and path/to") == []
    assert utf16_length("👋") == 2


def test_a_message_carries_text_or_a_file_with_its_caption() -> None:
    assert content("/start", None) == {"text": "/start", "entities": [
        {"offset": 0, "length": 6, "type": "bot_command"}]}
    assert content("plain", None) == {"text": "plain"}
    assert Sender(5, "Ada", None, "ada_l", "en").as_user() == {
        "id": 5, "is_bot": False, "first_name": "Ada", "username": "ada_l", "language_code": "en"}


def test_links_back_into_the_sandbox_bot_open_the_console() -> None:
    opened = telegram_opener("paid_desk_bot")
    assert opened("https://t.me/paid_desk_bot?start=paid_12") == "/console/open?start=paid_12"
    assert opened("https://t.me/Paid_Desk_Bot") == "/console/open"
    for other in ("https://t.me/another_bot?start=x", "https://example.com/?start=x",
                  "https://t.me/paid_desk_bot?start=<script>"):
        assert opened(other) == other


def test_command_lists_apply_narrowest_scope_first() -> None:
    assert [s["type"] for s in scopes_for(42, 42, administrator=False)] == \
        ["chat", "all_private_chats", "default"]
    assert [s["type"] for s in scopes_for(-100, 7, administrator=True)] == [
        "chat_member", "chat_administrators", "chat", "all_chat_administrators", "all_group_chats", "default"]
    assert [s["type"] for s in scopes_for(-100, 7, administrator=False)] == [
        "chat_member", "chat", "all_group_chats", "default"]
