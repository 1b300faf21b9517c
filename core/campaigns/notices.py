"""A mass gift's notice, in each recipient's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import i18n
from core.campaigns.rows import Campaign
from core.telegram.markup import PARSE_MODE


def gift_notice(c: Campaign) -> Mapping[str, Mapping[str, Any]]:
    """The sendMessage parameters per catalog language (the runner picks the recipient's)."""
    out: dict[str, Mapping[str, Any]] = {}
    for lang in i18n.LANGUAGES:
        if c.reason:
            text = i18n.t(lang, "gift_notice_reason", credits=c.credits, reason=c.reason)
        else:
            text = i18n.t(lang, "gift_notice", credits=c.credits)
        out[lang] = {"text": str(text), "parse_mode": PARSE_MODE}
    return out
