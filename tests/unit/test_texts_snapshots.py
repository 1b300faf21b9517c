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

from core import i18n
from core.accounts.ledger import Balance
from core.accounts.profile import Profile
from core.admin import menus as admin_menus
from core.billing import auto_recharge, packages
from core.billing import keyboards as kb
from core.billing import texts as billing_texts
from core.billing.catalog import Badge, Kind, Product
from core.billing.history import Entry, Summary
from core.billing.rails import Rail
from core.billing.texts import Reason
from core.dispatch import command_menu
from core.experience import balance_card, language, menus, tutorial
from core.experience import texts as xtexts
from core.experience.balance_card import Pack, Usage
from core.platform.bot_settings import BotSettings
from core.relay import low_credit, texts

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
HOSTILE = '<b>Zoë</b> & "Al" *_x_* [y](z) Иван 李 مرحبا'
NOW = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)
PACKS = [Pack("pack10", 10, 499, "usd"), Pack("pack25", 25, 999, "usd"),
         Pack("pack50", 50, 1799, "usd"), Pack("pack100", 100, 2999, "usd")]


def _markup(markup: dict[str, Any]) -> str:
    return "\n".join(
        " | ".join(f"[{b['text']} → {b.get('callback_data') or b['url']}]" for b in row)
        for row in markup["inline_keyboard"]
    )


def _product(code: str, name: str, **changes: object) -> Product:
    values: dict[str, object] = dict(
        id=1, code=code, name=name, kind=Kind.CREDITS, credits=0, pass_days=None, recurring=False,
        stripe_amount=None, stripe_currency="usd", stars_amount=None, active=True, hidden=False, badge=None,
        sort=0,
    )
    values.update(changes)
    return Product(**values)  # type: ignore[arg-type]


PRODUCTS = [
    _product("pack10", "10 credits", credits=10, stripe_amount=499, stars_amount=250),
    _product("pack25", "25 credits", credits=25, stripe_amount=999, stars_amount=500, badge=Badge.POPULAR),
    _product("pack100", "100 credits", credits=100, stripe_amount=2999, stars_amount=1500,
             badge=Badge.BEST_VALUE),
    _product("vip", HOSTILE, kind=Kind.CUSTOM, credits=21, stripe_amount=1200, stripe_currency="eur"),
    _product("pass_day", "Day pass", kind=Kind.PASS, pass_days=1, stars_amount=150),
    _product("pass_week", "Week pass", kind=Kind.PASS, pass_days=7, stripe_amount=1499, stars_amount=750),
    _product("pass_month", "Monthly pass", kind=Kind.PASS, pass_days=30, recurring=True,
             stripe_amount=3999),
]
BOTH = (Rail.STRIPE, Rail.STARS)
UNTIL = NOW + timedelta(days=7)
ENTRIES = [
    Entry(NOW, "credits", 25, 28, "purchase", 7, "stripe", 999, "usd", "cs_1"),
    Entry(NOW - timedelta(hours=1), "credits", -1, 3, "message", None, None, None, None, None),
    Entry(NOW - timedelta(hours=2), "credits", -22, 4, "refund", 6, "stars", 1500, "XTR", "stx"),
    Entry(NOW - timedelta(hours=3), "credits", 3, 26, "signup_bonus", None, None, None, None, None),
    Entry(NOW - timedelta(hours=4), "credits", 2, 23, "relay_failed_refund", None, None, None, None, None),
    Entry(NOW - timedelta(hours=5), "credits", 2, 21, "tutorial_bonus", None, None, None, None, None),
    Entry(NOW - timedelta(hours=6), "credits", -4, 19, "reset", None, None, None, None, None),
    Entry(NOW - timedelta(hours=7), "credits", 5, 23, "auto_recharge", 9, "stripe", 499, "usd", "pi_1"),
    Entry(NOW - timedelta(days=1), "credits", 10, 18, "operator_gift", None, None, None, None, None),
    Entry(NOW - timedelta(days=2), "pass", 7 * 86400, None, "purchase", 8, "stars", 750, "XTR", "stx"),
    Entry(NOW - timedelta(days=3), "pass", 86400 + 3 * 3600, None, "renewal", 10, "stripe", 3999, "usd",
          "in_1"),
    Entry(NOW - timedelta(days=4), "pass", -2 * 86400, None, "refund", 8, "stars", 750, "XTR", "stx"),
    Entry(NOW - timedelta(days=5), "pass", -5 * 3600, None, "subscription_canceled", None, None, None, None,
          None),
    Entry(NOW - timedelta(days=6), "pass", -90, None, "refund", 8, "stars", 750, "XTR", "stx"),
]
SUMMARY = Summary(balance=28, pass_until=UNTIL, credits_bought=60, credits_spent=32, messages_sent=32,
                  paid=(("usd", 5497), ("XTR", 750), ("eur", 0)), since=NOW - timedelta(days=9), now=NOW)
NEWCOMER = Summary(balance=3, pass_until=None, credits_bought=0, credits_spent=0, messages_sent=0, paid=(),
                   since=NOW, now=NOW)


def _billing_cases(lang: str) -> Iterator[tuple[str, Callable[[], str]]]:
    tb = billing_texts
    pack, week, month = PRODUCTS[1], PRODUCTS[5], PRODUCTS[6]
    yield "billing dates", lambda: "\n".join(
        tb.when(datetime(2025, m, 4, 9, 5, tzinfo=UTC), lang=lang) for m in range(1, 13))
    yield "billing catalog", lambda: (tb.catalog(PRODUCTS, BOTH, balance=3, cost=1, lang=lang) + "\n"
                                      + _markup(kb.catalog_keyboard(PRODUCTS, BOTH, lang=lang)))
    yield "billing catalog, Stars only", lambda: (
        tb.catalog(PRODUCTS, (Rail.STARS,), balance=1, cost=2, lang=lang) + "\n"
        + _markup(kb.catalog_keyboard(PRODUCTS, (Rail.STARS,), lang=lang)))
    yield "billing choose rail", lambda: (tb.choose_rail(PRODUCTS[3], lang=lang) + "\n"
                                          + _markup(kb.choose_rail_keyboard(week, BOTH, lang=lang)))
    yield "billing custom package", lambda: (
        tb.package_offer(PRODUCTS[3], lang=lang) + "\n"
        + _markup(kb.choose_rail_keyboard(PRODUCTS[3], BOTH, lang=lang, package=True)))
    yield "billing custom package refusals", lambda: "\n".join(
        packages.refusal_text(why, lang=lang) for why in packages.Refusal)
    yield "billing payment failed, custom package", lambda: _markup(
        kb.retry_keyboard("vip", lang=lang, package=True))
    yield "billing not for sale", lambda: tb.not_for_sale(lang=lang)
    yield "billing no rail", lambda: tb.no_rail(lang=lang)
    yield "billing cannot buy", lambda: tb.cannot_buy(lang=lang)
    yield "billing checkout", lambda: (
        tb.checkout_link(HOSTILE, 999, "usd", subscription=False, lang=lang) + "\n"
        + _markup(kb.checkout_keyboard(999, "usd", "https://checkout.stripe.com/c/pay/cs_1", lang=lang)))
    yield "billing checkout subscription", lambda: tb.checkout_link(
        month.name, 3999, "usd", subscription=True, lang=lang)
    yield "billing payment failed", lambda: (tb.payment_failed(None, lang=lang) + "\n"
                                             + _markup(kb.retry_keyboard("pack25", lang=lang)))
    yield "billing payment failed, our reason", lambda: tb.payment_failed(Reason.BANK_UNCONFIRMED, lang=lang)
    yield "billing payment failed, Stripe's reason", lambda: tb.payment_failed(
        "Your card has insufficient funds <3", lang=lang)
    yield "billing checkout unavailable", lambda: tb.checkout_unavailable(lang=lang)
    yield "billing payment processing", lambda: tb.payment_processing(lang=lang)
    yield "billing invoice descriptions", lambda: "\n".join(
        tb.invoice_description(p, lang=lang) for p in PRODUCTS)
    yield "billing pre-checkout refusals", lambda: "\n".join([
        tb.precheckout_refused_price(lang=lang), tb.precheckout_refused_product(lang=lang),
        tb.precheckout_refused_invoice(lang=lang), tb.precheckout_refused_user(lang=lang)])
    for credits, balance in ((25, 28), (1, 2), (22, 24)):
        yield f"billing credits granted {credits}", lambda credits=credits, balance=balance: (
            tb.credits_granted(credits, balance, lang=lang))
    yield "billing pass granted", lambda: tb.pass_granted(HOSTILE, UNTIL, lang=lang)
    yield "billing pass granted, product gone", lambda: tb.pass_granted(tb.unnamed_purchase(lang=lang), UNTIL,
                                                                        lang=lang)
    yield "billing auto-recharged", lambda: tb.auto_recharged(25, 999, "usd", 26, lang=lang)
    yield "billing refunded credits", lambda: tb.refunded_credits(999, "usd", 25, 3, lang=lang)
    yield "billing refunded pass", lambda: tb.refunded_pass(750, "XTR", UNTIL, lang=lang)
    yield "billing refunded pass, ended", lambda: tb.refunded_pass(750, "XTR", None, lang=lang)
    yield "billing subscription renewed", lambda: tb.subscription_renewed(month.name, UNTIL, lang=lang)
    yield "billing subscription canceled", lambda: tb.subscription_canceled(UNTIL, lang=lang)
    yield "billing subscription canceled, ended", lambda: tb.subscription_canceled(None, lang=lang)
    yield "billing subscription past due", lambda: tb.subscription_past_due(lang=lang)
    yield "billing subscription ends", lambda: tb.subscription_ends(UNTIL, lang=lang)
    yield "billing subscription ends, no date", lambda: tb.subscription_ends(None, lang=lang)
    portal = "https://billing.stripe.com/p/session/1"
    yield "billing portal", lambda: (tb.billing_portal(lang=lang) + "\n"
                                     + _markup(kb.portal_keyboard(portal, lang=lang)))
    yield "billing portal unavailable", lambda: tb.billing_unavailable(lang=lang)
    packs = PRODUCTS[:3]
    yield "auto-recharge on", lambda: (tb.auto_recharge_status(True, 5, pack, lang=lang) + "\n"
                                       + _markup(kb.auto_recharge_keyboard(packs, True, lang=lang)))
    yield "auto-recharge off", lambda: (tb.auto_recharge_status(False, None, None, lang=lang) + "\n"
                                        + _markup(kb.auto_recharge_keyboard(packs, False, lang=lang)))
    yield "auto-recharge threshold", lambda: (
        tb.auto_recharge_threshold(pack, lang=lang) + "\n"
        + _markup(kb.auto_recharge_threshold_keyboard(pack, auto_recharge.THRESHOLDS, lang=lang)))
    yield "auto-recharge needs a card", lambda: tb.auto_recharge_needs_card(lang=lang)
    yield "auto-recharge failed, our reasons", lambda: "\n".join(
        tb.auto_recharge_failed(reason, lang=lang) for reason in Reason)
    yield "auto-recharge failed, Stripe's reason", lambda: tb.auto_recharge_failed(
        "Your card was declined.", lang=lang)
    yield "terms", lambda: tb.terms("", lang=lang)
    yield "terms, operator's", lambda: tb.terms("Our <rules> & more", lang=lang)
    yield "paysupport", lambda: tb.paysupport("", lang=lang)
    yield "history", lambda: (tb.history(SUMMARY, ENTRIES, 1, lang=lang) + "\n"
                              + _markup(kb.history_keyboard(1, True, lang=lang)))
    yield "history, nothing yet", lambda: (tb.history(NEWCOMER, [], 0, lang=lang) + "\n"
                                           + _markup(kb.history_keyboard(0, False, lang=lang)))
    yield "history export", lambda: "\n".join([tb.history_export_started(lang=lang),
                                                 tb.history_export_caption(lang=lang)])


def _cases(lang: str) -> Iterator[tuple[str, Callable[[], str]]]:
    cfg = BotSettings()
    new = Profile(None, lang, 0, False, False)
    halfway = Profile(None, lang, 2, False, False)
    yield "welcome new", lambda: xtexts.welcome_with_balance(HOSTILE, new=True, credits=3, cost=1, lang=lang)
    yield "welcome back", lambda: xtexts.welcome_with_balance(HOSTILE, new=False, credits=1, cost=2,
                                                              lang=lang)
    yield "welcome operator text", lambda: xtexts.welcome(
        HOSTILE, new=True, lang=lang, custom="Hi {name}! <3 & {unknown}")
    yield "help", lambda: xtexts.help_text(lang=lang, cost=1)
    for n in (0, 1, 2, 5, 21):
        yield f"credits {n}", lambda n=n: i18n.credits_word(n, lang=lang)
    yield "delivered 1", lambda: texts.delivered(1, 2, pass_active=False, lang=lang)
    yield "delivered 3 pass", lambda: texts.delivered(3, 0, pass_active=True, lang=lang)
    yield "delivered 5 left 1", lambda: texts.delivered(5, 1, pass_active=False, lang=lang)
    yield "held released 1", lambda: texts.held_released(1, 4, pass_active=False, lang=lang)
    yield "held released 2", lambda: texts.held_released(2, 0, pass_active=False, lang=lang)
    yield "not enough credits", lambda: billing_texts.not_enough_credits(0, 1, lang=lang)
    yield "banned", lambda: texts.banned(lang=lang)
    yield "unsupported message", lambda: texts.unsupported_message(lang=lang)
    yield "too fast", lambda: texts.too_fast(42, lang=lang)
    yield "held messages full", lambda: texts.held_full(100, lang=lang)
    yield "message too long", lambda: texts.message_too_long(1024, lang=lang)
    yield "operator edited", lambda: texts.operator_edited("<i>fixed</i> & done", lang=lang)
    yield "payments unavailable", lambda: xtexts.payments_unavailable(lang=lang)
    yield "payment pending", lambda: xtexts.payment_pending(lang=lang)
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
    yield "unknown command", lambda: str(i18n.t(lang, "unknown_command"))
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
        i18n.t(lang, "reset_done", balance=i18n.credits_word(3, lang=lang)),
        i18n.t(lang, "reset_held", count=2)])
    yield "commands", lambda: "\n".join(
        f"/{c} – {d}" for c, d in command_menu.commands(
            command_menu.USER_COMMANDS + admin_menus.admin_commands(None), lang))
    yield from _billing_cases(lang)


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
        text = xtexts.welcome_with_balance(HOSTILE, new=True, credits=3, cost=1, lang=lang)
        assert "&lt;b&gt;Zoë&lt;/b&gt; &amp; \"Al\" *_x_* [y](z) Иван 李 مرحبا" in text
        assert "<b>Zoë</b>" not in text
