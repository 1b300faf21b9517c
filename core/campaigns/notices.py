"""A mass gift's notice, in each recipient's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import i18n
from core.campaigns.rows import Campaign
from core.i18n import Html
from core.telegram.markup import PARSE_MODE


def notice_text(lang: str, credits: int, days: int, reason: str | None) -> Html:
    """What a recipient of ``credits`` and ``days`` of pass is told (the preview shows it too)."""
    if not days:
        if reason:
            return i18n.t(lang, "gift_notice_reason", credits=credits, reason=reason)
        return i18n.t(lang, "gift_notice", credits=credits)
    text = (i18n.t(lang, "gift_notice_pass_credits", count=days, credits=credits) if credits
            else i18n.t(lang, "gift_notice_pass", count=days))
    # The reason as the operator typed it, on a line of its own (no sentence to fit it in).
    return Html(f"{text}\n{i18n.html(reason)}") if reason else text


def gift_notice(c: Campaign) -> Mapping[str, Mapping[str, Any]]:
    """The sendMessage parameters per catalog language (the runner picks the recipient's)."""
    return {lang: {"text": str(notice_text(lang, c.credits, c.pass_days, c.reason)), "parse_mode": PARSE_MODE}
            for lang in i18n.LANGUAGES}
