"""The registry of settings matches what the product reads, and values are validated."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from core.admin import settings_registry as registry
from core.admin import settings_store as store
from core.admin import settings_values as values
from core.admin.settings_buttons import (
    SettingAsk,
    SettingFlip,
    SettingOff,
    SettingOpen,
    SettingReset,
    SettingsPage,
)
from core.admin.settings_registry import BY_KEY, Kind
from core.billing import rails
from core.platform import sql
from core.platform.bot_settings import BotSettings


class Asked(dict[str, Any]):
    """Rows that remember every key a reader looked for (and hold none)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return False

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return default

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())


def _keys_read() -> set[str]:
    rows = Asked()
    BotSettings.from_rows(rows)
    rails.from_rows(rows, stripe_configured=True)
    return rows.asked


def test_every_key_the_product_reads_is_declared_and_nothing_else() -> None:
    read = _keys_read()
    assert "message_cost" in read  # the probe sees the readers' keys
    assert "stars_enabled" in read
    assert read - set(BY_KEY) == set(), "read by the product but missing from the registry"
    assert set(BY_KEY) - read == set(), "declared but read by nothing"


def test_defaults_are_the_products_own() -> None:
    in_force = store.in_force({})
    for spec in registry.SPECS:
        assert in_force[spec.key] == spec.default, spec.key
        assert values.parse(spec, "default") == ("" if spec.kind is Kind.TEXTS else spec.default), spec.key


def test_only_known_statements_read_the_settings_table() -> None:
    """A new reader of bot_settings must come through the registry's review (and this list)."""
    readers = {name for name, text in sql.load().items() if "bot_settings" in text}
    # inbox_settle reads every row as rails_settings_all does, for BotSettings.from_rows
    # (the relay drain's first statement of a batch).
    assert readers == {"rails_settings_all", "inbox_settle", "settings_store_all", "settings_store_lock",
                       "settings_store_one", "settings_store_write"}


def test_every_declared_setting_is_described_within_its_limits() -> None:
    assert len(BY_KEY) == len(registry.SPECS)
    assert not set(BY_KEY) & set(registry.UNREAD)
    for spec in registry.SPECS:
        assert spec.description.endswith("."), spec.key
        assert spec.title, spec.key
        if spec.kind is Kind.INT:
            assert isinstance(spec.default, int)
            assert spec.minimum <= spec.default <= spec.maximum, spec.key
            assert spec.unit, spec.key
        if spec.kind in (Kind.TEXT, Kind.TEXTS):
            # Shown in full beside the old value on one screen, within Telegram's 4,096.
            assert 0 < spec.maximum <= registry.WELCOME_MAX, spec.key
            assert values.has_preview(spec) != spec.symbols_only, spec.key
    assert {s.key for s in registry.ordered()} == set(BY_KEY)


def test_every_button_fits_telegrams_64_bytes() -> None:
    for spec in registry.SPECS:
        for lang in ("-", *values.languages()):
            for data in (SettingOpen(spec.key, lang), SettingAsk(spec.key, lang),
                         SettingReset(spec.key, lang)):
                assert len(data.pack().encode()) <= 64  # pack() refuses more, too
        assert SettingFlip.unpack(SettingFlip(spec.key, True).pack()) == SettingFlip(spec.key, True)
        assert SettingOff(spec.key).pack().startswith("adm:set:z:")


BUTTONS = (SettingsPage, SettingOpen, SettingFlip, SettingAsk, SettingReset, SettingOff)


def _routed(data: str) -> type:
    """The button class the control center reads ``data`` as: the longest prefix that matches."""
    return max((b for b in BUTTONS if b.matches(data)), key=lambda b: len(b.prefix))


def test_every_button_is_read_back_as_itself() -> None:
    samples = [SettingsPage(0), SettingsPage(1), SettingsPage(12)]
    for spec in registry.SPECS:
        samples += [SettingOpen(spec.key), SettingOpen(spec.key, "pt"), SettingFlip(spec.key, False),
                    SettingAsk(spec.key), SettingAsk(spec.key, "uk"), SettingReset(spec.key),
                    SettingOff(spec.key)]
    for sample in samples:
        kind = _routed(sample.pack())
        assert kind is type(sample), sample
        assert kind.unpack(sample.pack()) == sample


@pytest.mark.parametrize(("typed", "expected"), [
    ("on", True), ("OFF", False), ("true", True), (" False ", False), ("default", False)])
def test_booleans(typed: str, expected: bool) -> None:
    assert values.parse(BY_KEY["reset_enabled"], typed) is expected


@pytest.mark.parametrize("typed", ["yes", "1", "", "onn"])
def test_not_booleans(typed: str) -> None:
    with pytest.raises(values.Invalid, match="is not on or off"):
        values.parse(BY_KEY["stars_enabled"], typed)


def test_numbers_within_their_range() -> None:
    cost = BY_KEY["message_cost"]
    assert values.parse(cost, "0") == 0
    assert values.parse(cost, " 1000 ") == 1000
    assert values.parse(cost, "default") == 1
    for typed in ("1001", "-1", "99999999999999999999999"):
        with pytest.raises(values.Invalid, match="out of range"):
            values.parse(cost, typed)
    for typed in ("1.5", "1,000", "two", "½"):
        with pytest.raises(values.Invalid, match="is not a whole number"):
            values.parse(cost, typed)
    hours = BY_KEY["low_credit_warning_hours"]
    with pytest.raises(values.Invalid, match="between 1 and 720"):
        values.parse(hours, "0")


def test_texts_are_kept_as_typed_within_their_limits() -> None:
    terms = BY_KEY["terms_text"]
    typed = "Our <b>rules</b> & fees 🙂\nשלום עולם\tend"
    assert values.parse(terms, f"  {typed}  ") == typed
    assert values.parse(terms, "default") == ""
    assert values.parse(terms, "x" * 3000) == "x" * 3000
    with pytest.raises(values.Invalid, match="at most 3,000 characters; this one has 3,001"):
        values.parse(terms, "x" * 2999 + "🙂")  # an emoji is two, as Telegram counts
    with pytest.raises(values.Invalid, match=r"cannot be empty\. To use the built-in text, write default"):
        values.parse(terms, "   ")
    with pytest.raises(values.Invalid, match="control characters"):
        values.parse(terms, "a\x00b")


def test_placeholders_of_a_welcome() -> None:
    welcome = BY_KEY["welcome_text"]
    assert values.parse(welcome, "Olá {name}! {name}") == "Olá {name}! {name}"
    assert values.parse(welcome, "braces {} and { } stay text") == "braces {} and { } stay text"
    for typed, shown in (("Hi {nome}", "{nome}"), ("Hi {Name}", "{Name}"), ("Hi { name }", "{ name }")):
        refusal = re.escape(f"Unknown placeholder {shown}: Welcome text may use")
        with pytest.raises(values.Invalid, match=refusal):
            values.parse(welcome, typed)
    assert values.parse(welcome, "default") == ""
    # Room for the longest name wherever {name} stands, so no user's welcome outgrows Telegram's limit.
    assert values.parse(welcome, "{name}" * 23) == "{name}" * 23  # 23 × 129 = 2,967
    with pytest.raises(values.Invalid, match=r"once each placeholder is filled in .* can reach 3,096"):
        values.parse(welcome, "{name}" * 24)


def test_the_note_prefix_is_symbols() -> None:
    prefix = BY_KEY["note_prefix"]
    assert values.parse(prefix, "!!") == "!!"
    assert values.parse(prefix, "default") == "//"
    for typed in ("a", "#1", "/ /", "123456789"):
        with pytest.raises(values.Invalid):
            values.parse(prefix, typed)
    with pytest.raises(values.Invalid, match="at most 8"):
        values.parse(prefix, "/////////")


def test_languages_and_suggestions() -> None:
    assert values.language(" PT ") == "pt"
    with pytest.raises(values.Invalid, match="write one of en, pt, es, uk"):
        values.language("pt-br")
    assert registry.suggest("mesage_cost") == ["message_cost"]
    assert registry.suggest("welcome")[0] == "welcome_text"
    assert "stars_enabled" in registry.suggest("stars")
    assert registry.suggest("zzz") == []


def test_values_on_screens_are_escaped_and_isolated() -> None:
    terms = BY_KEY["terms_text"]
    assert values.shown(terms, "<b>x</b> & y") == "“\u2068&lt;b&gt;x&lt;/b&gt; &amp; y\u2069”"
    assert values.shown(terms, "") == "<i>built-in text</i>"
    assert values.shown(BY_KEY["message_cost"], 0) == "0 credits (messages are free)"
    assert values.shown(BY_KEY["signup_credits"], 1234) == "1,234 credits"
    assert values.shown(BY_KEY["welcome_text"], {"uk": "Привіт", "en": " "}) == "custom in uk"
    assert values.preview(BY_KEY["welcome_text"], "Hi <b>{name}</b>", lang="en", name="A&B") == (
        "Hi &lt;b&gt;A&amp;B&lt;/b&gt;")
