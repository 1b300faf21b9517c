"""What ``/massgift <segment> <gift> [reason]`` orders, read strictly (pure functions).

The gift is credits (``5``), days of pass (``3d``) or both (``5+3d``), per user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.accounts import segments
from core.admin.campaign_compose import segment
from core.admin.refs import Unreadable

MAX_REASON = 200
MAX_GIFT = 1_000_000
#: Days of pass per user: a year (a longer gift is a product, not a gesture).
MAX_DAYS = 365
USAGE = "Write /massgift <segment> <gift> [reason]: credits (5), days of pass (3d) or both (5+3d),"\
        " e.g. /massgift active:30 5 Thank you!"
_GIFT = re.compile(r"(?:([0-9]{1,9})\+)?([0-9]{1,9})d|([0-9]{1,9})")


@dataclass(frozen=True)
class GiftOrder:
    segment: segments.Segment
    credits: int
    reason: str
    #: Days of pass per user (added to a running pass, else from now).
    days: int = 0


def amount(word: str) -> tuple[int, int]:
    """(credits, days of pass) per user that ``5``, ``3d`` or ``5+3d`` gives."""
    found = _GIFT.fullmatch(word.strip().lower())
    if found is None:
        raise Unreadable(f"“{word[:20]}” is not a gift: write credits (5), days of pass (3d)"
                         " or both (5+3d).")
    both, days, alone = found.groups()
    credits = int(alone if alone is not None else both or 0)
    count = int(days or 0)
    if credits == 0 and (alone is not None or both is not None):
        raise Unreadable("A gift of 0 credits changes nothing: give at least 1"
                         + (f" (or write {count}d alone)." if count else "."))
    if days is not None and count == 0:
        raise Unreadable("A pass of 0 days changes nothing: give at least 1 day (1d)"
                         + (f", or write {credits} alone." if credits else "."))
    if credits > MAX_GIFT:
        raise Unreadable(f"At most {MAX_GIFT:,} credits per user.")
    if count > MAX_DAYS:
        raise Unreadable(f"At most {MAX_DAYS} days of pass per user.")
    return credits, count


def gift(payload: str) -> GiftOrder:
    """The gift a ``/massgift`` command orders; :class:`Unreadable` says what is wrong."""
    words = payload.strip().split(maxsplit=2)
    if len(words) < 2:
        raise Unreadable(USAGE)
    audience = segment(words[0])
    credits, days = amount(words[1])
    reason = words[2].strip() if len(words) > 2 else ""
    if len(reason) > MAX_REASON:
        raise Unreadable(f"The reason has at most {MAX_REASON} characters.")
    return GiftOrder(audience, credits, reason, days)
