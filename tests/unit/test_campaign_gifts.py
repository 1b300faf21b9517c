"""/massgift read strictly: credits, days of pass or both per user, and what is refused;
the notice a recipient of each kind of gift reads."""

from __future__ import annotations

import pytest

from core import campaigns
from core.admin import campaign_gift_compose
from core.admin.refs import Unreadable


@pytest.mark.parametrize(("payload", "credits", "days", "reason"), [
    ("lang:uk+paid 25 Thanks for staying with us", 25, 0, "Thanks for staying with us"),
    ("all 3d", 0, 3, ""),
    ("all 3D Sorry for the outage", 0, 3, "Sorry for the outage"),
    ("active:7 5+3d", 5, 3, ""),
    ("all 1000000+365d max", 1_000_000, 365, "max"),
])
def test_a_mass_gift_reads_credits_and_pass_days(payload: str, credits: int, days: int, reason: str) -> None:
    order = campaign_gift_compose.gift(payload)
    assert (order.credits, order.days, order.reason) == (credits, days, reason)


@pytest.mark.parametrize(("payload", "says"), [
    ("all", "Write /massgift"),
    ("all 0", "0 credits changes nothing"),
    ("all 0d", "0 days changes nothing"),
    ("all 0+3d", "write 3d alone"),
    ("all 5+0d", "write 5 alone"),
    ("all -5", "is not a gift"),
    ("all 3days", "is not a gift"),
    ("all 3d+5", "is not a gift"),
    ("all 5+", "is not a gift"),
    ("all d", "is not a gift"),
    ("all 1.5d", "is not a gift"),
    ("all 2000000", "At most 1,000,000 credits"),
    ("all 366d", "At most 365 days"),
    ("all 5+9999999999d", "is not a gift"),
    ("all 5 " + "x" * 201, "at most 200"),
    ("bogus 5", "unknown segment"),
])
def test_bad_mass_gifts_are_refused(payload: str, says: str) -> None:
    with pytest.raises(Unreadable, match=says):
        campaign_gift_compose.gift(payload)


def test_the_notice_says_what_was_given_in_the_users_language() -> None:
    assert campaigns.notice_text("en", 7, 0, None) == "🎁 You received <b>7</b> credits."
    assert campaigns.notice_text("en", 0, 1, None).startswith("🎁 You received a pass for <b>1</b> day:")
    assert campaigns.notice_text("en", 5, 3, "<3 us") == ("🎁 You received <b>5</b> credits and a pass for"
                                                          " <b>3</b> days.\n&lt;3 us")
    assert "абонемент на <b>3</b> дні" in campaigns.notice_text("uk", 0, 3, None)
    assert "passe de <b>3</b> dias" in campaigns.notice_text("pt", 2, 3, None)
