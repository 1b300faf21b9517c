"""Message catalogs: language choice, fallback, placeholders, plurals, and the catalogs themselves."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from core import i18n
from core.billing import texts as billing_texts
from core.experience import texts as xtexts
from core.i18n import Catalogs, Html
from core.platform.bot_settings import BotSettings
from core.relay import texts

#: Tags Telegram's HTML parse mode understands.
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
                 "tg-spoiler", "span", "blockquote", "tg-emoji"}
#: Texts shown as plain text: button labels, callback answers, command descriptions, and
#: the short notices some callers send without a parse mode.
PLAIN_KEYS = re.compile(
    r"^(btn_|cmd_|language_name$|decimal_mark$|card_refreshed$|tutorial_skipped$|"
    r"tutorial_bonus_already$|stale_button$|language_unavailable$|menu_pointer_|delivered$|"
    r"held_released$|left_|not_enough_credits$|banned$|unsupported_message$|payments_unavailable$|"
    r"payment_pending$|credits$|stars_amount$|months_short$|cannot_buy$|checkout_unavailable$|"
    r"payment_processing$|invoice_description$|precheckout_|billing_portal$|billing_unavailable$|"
    r"history_export_)"
)
REQUIRED_FORMS = {"en": {"one", "other"}, "pt": {"one", "other"}, "es": {"one", "other"},
                  "uk": {"one", "few", "many", "other"}}


@pytest.mark.parametrize(("chosen", "code", "expected"), [
    (None, "pt-br", "pt"),
    (None, "pt", "pt"),
    (None, "es-419", "es"),
    (None, "UK", "uk"),
    (None, "en-GB", "en"),
    (None, "de", "en"),
    (None, None, "en"),
    (None, "", "en"),
    ("es", "pt-br", "es"),  # the user's own choice wins
    ("xx", "uk", "uk"),  # a choice no longer shipped falls back to Telegram's
    (None, "zh_Hans", "en"),
])
def test_language_is_negotiated(chosen: str | None, code: str | None, expected: str) -> None:
    assert i18n.negotiate(chosen, code) == expected


def test_shipped_languages() -> None:
    assert i18n.catalogs().languages == ("en", "pt", "es", "uk")


@pytest.mark.parametrize(("n", "form"), [
    (0, "many"), (1, "one"), (2, "few"), (4, "few"), (5, "many"), (11, "many"), (12, "many"),
    (14, "many"), (21, "one"), (22, "few"), (25, "many"), (101, "one"), (111, "many"), (1.5, "other"),
])
def test_ukrainian_plural_forms(n: int | float, form: str) -> None:
    assert i18n.plural_form("uk", n) == form


@pytest.mark.parametrize(("lang", "n", "form"), [
    ("en", 0, "other"), ("en", 1, "one"), ("en", 2, "other"), ("en", 1.0, "one"), ("en", 0.5, "other"),
    ("pt", 0, "other"), ("pt", 1, "one"), ("es", 1, "one"), ("es", 3, "other"),
])
def test_english_like_plural_forms(lang: str, n: int | float, form: str) -> None:
    assert i18n.plural_form(lang, n) == form


def test_missing_text_falls_back_to_english() -> None:
    cats = Catalogs({"en": {"hello": "Hello {name}", "bye": "Bye"}, "pt": {"hello": "Olá {name}"}})
    assert cats.render("pt", "hello", name="Ana") == "Olá Ana"
    assert cats.render("pt", "bye") == "Bye"
    assert cats.render("xx", "hello", name="Ana") == "Hello Ana"
    with pytest.raises(KeyError):
        cats.render("en", "nope")


def test_placeholders_are_named_and_values_escaped() -> None:
    cats = Catalogs({"en": {"hi": "Hi <b>{name}</b>, {what}"}})
    out = cats.render("en", "hi", name="<i>Eve</i> & {what}", what=Html("<u>ok</u>"))
    assert out == "Hi <b>&lt;i&gt;Eve&lt;/i&gt; &amp; {what}</b>, <u>ok</u>"
    with pytest.raises(KeyError):
        cats.render("en", "hi", name="x")


def test_plural_texts_pick_their_form_and_format_fractions() -> None:
    assert i18n.t("en", "credits", count=1) == "1 credit"
    assert i18n.t("en", "credits", count=0) == "0 credits"
    assert i18n.t("uk", "credits", count=3) == "3 кредити"
    assert i18n.t("uk", "credits", count=5) == "5 кредитів"
    assert i18n.t("uk", "credits", count=21) == "21 кредит"
    assert i18n.t("pt", "messages_count", count=1.5) == "1,5 mensagens"
    assert i18n.t("en", "messages_count", count=2.25) == "2.3 messages"
    with pytest.raises(TypeError):
        i18n.t("en", "credits")


def test_operator_text_keeps_unknown_placeholders_and_braces() -> None:
    assert i18n.substitute("Hi {name} {x} {", {"name": "A&B"}, strict=False) == "Hi A&amp;B {x} {"


def test_button_labels_are_plain_text() -> None:
    assert i18n.label("en", "btn_tour_resume", step=2) == "▶️ Continue the tour (2/3)"


@pytest.mark.parametrize(("lang", "amount", "currency", "shown"), [
    ("en", 2999, "usd", "$29.99"), ("pt", 2999, "usd", "$29,99"), ("en", 1200, "jpy", "¥1200"),
    ("en", 500, "chf", "5.00 CHF"), ("uk", 900, "XTR", "900 ⭐"),
])
def test_money(lang: str, amount: int, currency: str, shown: str) -> None:
    assert i18n.money(lang, amount, currency) == shown


# --- the shipped catalogs ---


def _catalog(lang: str) -> dict[str, i18n.Template]:
    return dict(i18n.catalogs().messages[lang])


@pytest.mark.parametrize("lang", ["pt", "es", "uk"])
def test_every_language_translates_every_text_with_the_same_placeholders(lang: str) -> None:
    english, other = _catalog("en"), _catalog(lang)
    assert sorted(set(english) - set(other)) == [], "untranslated"
    assert sorted(set(other) - set(english)) == [], "unknown keys"
    for key, template in english.items():
        assert i18n.placeholders(other[key]) == i18n.placeholders(template), key
        assert isinstance(other[key], str) == isinstance(template, str), key


@pytest.mark.parametrize("lang", ["en", "pt", "es", "uk"])
def test_plural_texts_have_the_forms_of_their_language(lang: str) -> None:
    for key, template in _catalog(lang).items():
        if not isinstance(template, str):
            assert set(template) >= REQUIRED_FORMS[lang], key
            assert set(template) <= set(i18n.PLURAL_FORMS), key


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"<{tag}> is not Telegram HTML")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")


@pytest.mark.parametrize("lang", ["en", "pt", "es", "uk"])
def test_catalog_texts_are_valid_telegram_html(lang: str) -> None:
    for key, template in _catalog(lang).items():
        for text in [template] if isinstance(template, str) else template.values():
            checker = _TagChecker()
            checker.feed(text)
            checker.close()
            assert not checker.problems, (key, checker.problems)
            assert not checker.stack, (key, "unclosed", checker.stack)
            # A bare & or < would break the HTML parse mode.
            assert not re.search(r"&(?!amp;|lt;|gt;|quot;)|<(?!/?[a-z-]+>)", text), (key, text)
            if PLAIN_KEYS.match(key):
                assert not re.search(r"[<>&]", text), (key, "shown as plain text somewhere")


def test_text_functions_keep_their_signatures_and_default_to_english() -> None:
    assert i18n.credits_word(1) == "1 credit"
    assert xtexts.welcome("Maria Silva", new=True).startswith("Welcome, <b>Maria Silva</b>!")
    assert "Balance: <b>3</b> credits" in xtexts.welcome_with_balance("M", new=True, credits=3, cost=1)
    assert texts.delivered(1, 2, pass_active=False) == "✓ Message delivered · 2 credits left"
    assert texts.held_released(2, 0, pass_active=False) == (
        "✓ Your 2 saved messages went through · 0 credits left")
    assert billing_texts.not_enough_credits(0, 1).startswith(
        "Not enough credits: you have 0 credits, a message costs 1 credit")
    assert xtexts.payments_unavailable() == "Payments are not available right now. Please try again later."


def test_operator_welcome_text_is_escaped_and_takes_the_name() -> None:
    assert xtexts.welcome("<Zoë>", new=True, custom="Hi {name} <3 & more") == (
        "Hi &lt;Zoë&gt; &lt;3 &amp; more")
    assert xtexts.welcome("Zoë", new=False, custom="Hi {name}") == "Welcome back, <b>Zoë</b>!"
    assert xtexts.welcome("Zoë", new=True, custom="   ").startswith("Welcome, <b>Zoë</b>!")


def test_settings_read_types_and_ignore_malformed_values() -> None:
    cfg = BotSettings.from_rows({
        "tutorial_bonus_credits": 5, "reset_enabled": True, "low_credit_threshold": "3",
        "welcome_text": {"pt": "Olá {name}"}, "unknown_key": 1,
    })
    assert (cfg.tutorial_bonus_credits, cfg.reset_enabled, cfg.low_credit_threshold) == (5, True, 3)
    assert cfg.welcome_text == {"pt": "Olá {name}"}
    bad = BotSettings.from_rows({"reset_enabled": "yes", "welcome_text": ["x"], "message_cost": True})
    assert (bad.reset_enabled, bad.welcome_text, bad.message_cost) == (False, {}, 1)
