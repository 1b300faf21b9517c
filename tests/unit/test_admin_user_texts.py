"""What users are told when an operator changes their account, per language, against reviewed
snapshots (``tests/snapshots/admin_users.<lang>.txt``; write them with ``UPDATE_SNAPSHOTS=1``
and review the diff, as tests/unit/test_texts_snapshots.py explains)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core import i18n
from core.admin import user_texts
from core.billing import texts as billing_texts

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
UNTIL = datetime(2025, 11, 30, 9, 5, tzinfo=UTC)


def render(lang: str) -> str:
    cases = {
        "credits added 1": user_texts.credits_added(1, 4, lang=lang),
        "credits added 25": user_texts.credits_added(25, 28, lang=lang),
        "credits removed 1": user_texts.credits_removed(1, 2, lang=lang),
        "credits removed 22": user_texts.credits_removed(22, 0, lang=lang),
        "pass granted": user_texts.pass_granted(UNTIL, lang=lang),
        "pass ended": user_texts.pass_ended(lang=lang),
        "unbanned": user_texts.unbanned(lang=lang),
        "history reasons": "\n".join(i18n.label(lang, f"history_reason_{r}")
                                     for r in ("operator_grant", "operator_take", "operator")),
    }
    return "".join(f"### {name}\n{text}\n\n" for name, text in cases.items())


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_operator_changes_read_well_in_every_language(lang: str) -> None:
    path = SNAPSHOTS / f"admin_users.{lang}.txt"
    rendered = render(lang)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: write it with UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == path.read_text(encoding="utf-8")


def test_every_language_has_its_own_words_for_them() -> None:
    english = render("en")
    for lang in i18n.LANGUAGES[1:]:
        assert render(lang) != english
        for key in ("operator_credits_added", "operator_pass_granted", "unbanned", "history_reason_operator"):
            assert key in i18n.catalogs().messages[lang], (lang, key)


def test_history_names_operator_changes_in_words() -> None:
    assert billing_texts._reason("operator_grant", "pt") == "da equipe"
