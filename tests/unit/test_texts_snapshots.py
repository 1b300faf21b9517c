"""Every text a user sees, rendered per language and compared with reviewed snapshots.

The snapshots in ``tests/snapshots/texts.<lang>.txt`` are read by people: a
change to a catalog or a text function shows up here as a diff to review. A
missing or different snapshot fails. To write them after a reviewed change:
``UPDATE_SNAPSHOTS=1 pytest tests/unit/test_texts_snapshots.py`` (never set in CI),
then read the diff before committing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core import balance_card, bot_commands, i18n, language, low_credit, menus, texts, tutorial
from core.balance_card import Pack, Usage
from core.bot_settings import BotSettings
from core.ledger import Balance
from core.profile import Profile

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
HOSTILE = '<b>Zoë</b> & "Al" *_x_* [y](z) Иван 李 مرحبا'
NOW = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)
PACKS = [Pack("pack10", 10, 499, "usd"), Pack("pack25", 25, 999, "usd"),
         Pack("pack50", 50, 1799, "usd"), Pack("pack100", 100, 2999, "usd")]


def _markup(markup: dict[str, Any]) -> str:
    return "\n".join(
        " | ".join(f"[{b['text']} → {b['callback_data']}]" for b in row) for row in markup["inline_keyboard"]
    )


def _cases(lang: str) -> Iterator[tuple[str, Callable[[], str]]]:
    cfg = BotSettings()
    new = Profile(None, lang, 0, False, False)
    halfway = Profile(None, lang, 2, False, False)
    yield "welcome new", lambda: texts.welcome_with_balance(HOSTILE, new=True, credits=3, cost=1, lang=lang)
    yield "welcome back", lambda: texts.welcome_with_balance(HOSTILE, new=False, credits=1, cost=2, lang=lang)
    yield "welcome operator text", lambda: texts.welcome(
        HOSTILE, new=True, lang=lang, custom="Hi {name}! <3 & {unknown}")
    yield "help", lambda: texts.help_text(lang=lang, cost=1)
    for n in (0, 1, 2, 5, 21):
        yield f"credits {n}", lambda n=n: texts.credits_word(n, lang=lang)
    yield "delivered 1", lambda: texts.delivered(1, 2, pass_active=False, lang=lang)
    yield "delivered 3 pass", lambda: texts.delivered(3, 0, pass_active=True, lang=lang)
    yield "delivered 5 left 1", lambda: texts.delivered(5, 1, pass_active=False, lang=lang)
    yield "held released 1", lambda: texts.held_released(1, 4, pass_active=False, lang=lang)
    yield "held released 2", lambda: texts.held_released(2, 0, pass_active=False, lang=lang)
    yield "not enough credits", lambda: texts.not_enough_credits(0, 1, lang=lang)
    yield "banned", lambda: texts.banned(lang=lang)
    yield "unsupported message", lambda: texts.unsupported_message(lang=lang)
    yield "message too long", lambda: texts.message_too_long(1024, lang=lang)
    yield "operator edited", lambda: texts.operator_edited("<i>fixed</i> & done", lang=lang)
    yield "payments unavailable", lambda: texts.payments_unavailable(lang=lang)
    yield "payment pending", lambda: texts.payment_pending(lang=lang)
    for key in ("payment_failed", "payment_canceled", "nothing_to_buy", "product_unavailable"):
        yield key, lambda key=key: i18n.t(lang, key)
    for key in ("payment_failed_reason", "auto_recharge_failed"):
        yield key, lambda key=key: i18n.t(lang, key, reason="card declined <3")
    yield "tour offer", lambda: (f"{tutorial.offer_text(new, cfg, lang)}\n"
                                 + _markup({"inline_keyboard": [[tutorial.offer_button(new, lang)]]}))
    yield "tour offer, bonus taken", lambda: str(tutorial.offer_text(
        Profile(None, lang, 0, False, True), cfg, lang))
    yield "tour resume", lambda: _markup({"inline_keyboard": [[tutorial.offer_button(halfway, lang)]]})
    for step in (1, 2, 3):
        yield f"tour step {step}", lambda step=step: (
            f"{tutorial.step_text(step, cfg, lang)}\n{_markup(tutorial.step_markup(step, lang))}")
    yield "tour done", lambda: i18n.t(lang, "tutorial_done")
    yield "tour done bonus", lambda: i18n.t(lang, "tutorial_done_bonus", count=2)
    for key in ("tutorial_bonus_already", "tutorial_skipped", "stale_button", "card_refreshed",
                "language_unavailable", "reset_disabled"):
        yield key, lambda key=key: i18n.label(lang, key)
    balance = Balance(3, None, False)
    yield "menu", lambda: (i18n.t(lang, "menu_title", status=menus.status_line(balance, cfg, lang))
                           + "\n" + _markup(menus.menu_markup(lang)))
    passed = Balance(0, NOW + timedelta(days=6), True)
    yield "menu with pass", lambda: str(i18n.t(lang, "menu_title",
                                               status=menus.status_line(passed, cfg, lang)))
    for data in menus.POINTERS:
        yield f"pointer {data}", lambda data=data: str(menus.pointer(data, lang))
    fresh = Usage(0, 0, None, 3)
    steady = Usage(12, 12, NOW - timedelta(days=6), 10)
    yield "card new user", lambda: "\n".join(balance_card.card_lines(lang, cfg, Balance(3, None, False),
                                                                     fresh, PACKS, NOW))
    yield "card steady user", lambda: "\n".join(balance_card.card_lines(lang, cfg, Balance(7, None, False),
                                                                        steady, PACKS, NOW))
    yield "card low", lambda: "\n".join(balance_card.card_lines(
        lang, cfg, Balance(1, None, False), Usage(3, 3, NOW - timedelta(hours=2), 3), PACKS, NOW))
    yield "card pass", lambda: "\n".join(balance_card.card_lines(lang, cfg, passed, steady, PACKS, NOW))
    yield "card buttons", lambda: _markup(balance_card.card_markup(lang))
    for n in (0, 1, 2):
        yield f"low credit {n}", lambda n=n: (
            f"{low_credit.warning_text(n, lang)}\n{_markup(low_credit.warning_markup(lang))}")
    yield "language picker", lambda: (i18n.t(lang, "language_prompt") + "\n"
                                      + _markup(language.picker_markup(lang)))
    yield "language set", lambda: i18n.t(lang, "language_set")
    yield "reset done", lambda: "\n".join([
        i18n.t(lang, "reset_done", balance=texts.credits_word(3, lang=lang)),
        i18n.t(lang, "reset_held", count=2)])
    yield "commands", lambda: "\n".join(
        f"/{c} – {d}" for c, d in bot_commands.commands(
            bot_commands.USER_COMMANDS + bot_commands.ADMIN_COMMANDS, lang))


def render(lang: str) -> str:
    return "".join(f"### {name}\n{make()}\n\n" for name, make in _cases(lang))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_rendered_texts_match_the_reviewed_snapshot(lang: str) -> None:
    path = SNAPSHOTS / f"texts.{lang}.txt"
    rendered = render(lang)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: write it with UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == path.read_text(encoding="utf-8")


def test_hostile_names_are_escaped_in_every_language() -> None:
    for lang in i18n.LANGUAGES:
        text = texts.welcome_with_balance(HOSTILE, new=True, credits=3, cost=1, lang=lang)
        assert "&lt;b&gt;Zoë&lt;/b&gt; &amp; \"Al\" *_x_* [y](z) Иван 李 مرحبا" in text
        assert "<b>Zoë</b>" not in text
