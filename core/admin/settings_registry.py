"""Every operator setting the product reads, declared once: type, range, default, meaning.

The Settings screen and ``/set`` are built from this list, so a key is only
editable once it is declared here, with the limits that keep it sensible.
The product reads the keys elsewhere (``core.platform.bot_settings`` and
``core.billing.rails``, with their own defaults); tests/unit/test_settings_registry
fails when one of them reads a key missing here, or when a default differs.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

#: A setting's value as stored (JSON) and as the product reads it.
Value = bool | int | str | Mapping[str, str]


class Kind(StrEnum):
    BOOL = "bool"
    INT = "int"
    TEXT = "text"
    #: A text per catalog language (``{"pt": "Olá {name}!"}``); a language without one
    #: gets the built-in text.
    TEXTS = "texts"


class Group(StrEnum):
    FEATURES = "🔀 Features"
    CREDITS = "💳 Credits"
    TEXTS = "📝 Texts"
    DESK = "💬 Desk"


@dataclass(frozen=True)
class Spec:
    key: str
    kind: Kind
    group: Group
    #: What the screen calls it.
    title: str
    #: One line: what it changes for users or operators.
    description: str
    default: Value
    #: Numbers: the smallest and largest value. Texts: the fewest and most characters,
    #: counted as Telegram counts them (UTF-16 code units: an emoji counts twice).
    minimum: int = 0
    maximum: int = 0
    #: Numbers: what they count (``credit``, ``hour``), singular.
    unit: str = ""
    #: Numbers: what 0 means, when it switches the feature off (``no bonus``).
    zero: str | None = None
    #: Texts: the ``{placeholders}`` the product fills in; any other is refused.
    placeholders: frozenset[str] = frozenset()
    #: Texts: no letters, digits or spaces (a prefix an ordinary reply never starts with).
    symbols_only: bool = False

    @property
    def empty_allowed(self) -> bool:
        """Texts: empty means the built-in text in the user's language."""
        return self.kind in (Kind.TEXT, Kind.TEXTS) and self.minimum == 0


#: Room left in Telegram's 4,096 for what follows a welcome in its message (the balance
#: line and the tour's offer) and for the operator's screens that show a text in full
#: beside its old value.
WELCOME_MAX = 3000

SPECS: tuple[Spec, ...] = (
    Spec("stripe_enabled", Kind.BOOL, Group.FEATURES, "Stripe card payments",
         "Offer card payments through Stripe; only where STRIPE_API_KEY is configured.", True),
    Spec("stars_enabled", Kind.BOOL, Group.FEATURES, "Telegram Stars payments",
         "Offer payments in Telegram Stars.", True),
    Spec("reset_enabled", Kind.BOOL, Group.FEATURES, "Self-service /reset",
         "Let users wipe their own account with /reset (for testing the bot).", False),
    Spec("tutorial_bonus_credits", Kind.INT, Group.FEATURES, "Tutorial bonus",
         "Credits a user gets once, on finishing the tour.", 2,
         minimum=0, maximum=1000, unit="credit", zero="no bonus"),
    Spec("low_credit_threshold", Kind.INT, Group.FEATURES, "Low-credit warning below",
         "A message that leaves a user with fewer credits than this warns them.", 2,
         minimum=0, maximum=1000, unit="credit", zero="never warn"),
    Spec("low_credit_warning_hours", Kind.INT, Group.FEATURES, "Low-credit warning at most every",
         "At most one low-credit warning per user within this many hours.", 24,
         minimum=1, maximum=720, unit="hour"),
    Spec("messages_per_minute", Kind.INT, Group.FEATURES, "Messages per minute",
         "Messages a user may send in a minute; the rest are refused with one notice.", 120,
         minimum=0, maximum=10_000, unit="message", zero="no limit"),
    Spec("max_held_messages", Kind.INT, Group.FEATURES, "Messages waiting for credits",
         "Messages a user without credits may have waiting; more are refused with one notice.", 100,
         minimum=0, maximum=10_000, unit="message", zero="no cap"),
    Spec("first_response_minutes", Kind.INT, Group.DESK, "First-response SLA",
         "A conversation waiting longer than this is marked and alerted once in the General topic.", 15,
         minimum=0, maximum=10_080, unit="minute", zero="no SLA"),
    Spec("topic_status_enabled", Kind.BOOL, Group.DESK, "Status in topic titles",
         "Show each conversation's state in its topic's title (edits use spare group budget only).", True),
    Spec("reply_signature", Kind.BOOL, Group.DESK, "Signed replies",
         "Sign operators' text replies with their alias or first name; off: anonymous, as the business.",
         False),
    Spec("announce_credit_takes", Kind.BOOL, Group.CREDITS, "Announce credits taken",
         "Tell a user when an operator takes credits or ends their pass (grants are always told).",
         True),
    Spec("message_cost", Kind.INT, Group.CREDITS, "Message cost",
         "Credits each message to the operators costs.", 1,
         minimum=0, maximum=1000, unit="credit", zero="messages are free"),
    Spec("signup_credits", Kind.INT, Group.CREDITS, "Signup credits",
         "Credits a new user gets on /start (and what /reset restores).", 3,
         minimum=0, maximum=10_000, unit="credit", zero="none"),
    Spec("mass_gift_cap", Kind.INT, Group.CREDITS, "Mass gift cap",
         "Credits one mass gift may give in all; only an owner may send one over it.", 100_000,
         minimum=0, maximum=1_000_000_000, unit="credit"),
    Spec("timezone", Kind.TEXT, Group.CREDITS, "Time zone",
         "The operators' time zone for scheduled broadcasts (an IANA name: Europe/Lisbon).", "UTC",
         minimum=1, maximum=64),
    Spec("welcome_text", Kind.TEXTS, Group.TEXTS, "Welcome text",
         "The greeting of a new user on /start, per language; {name} is their name.", {},
         maximum=WELCOME_MAX, placeholders=frozenset({"name"})),
    Spec("terms_text", Kind.TEXT, Group.TEXTS, "Terms (/terms)",
         "What /terms shows (Telegram requires it for Stars); empty: the built-in terms.", "",
         maximum=3000),
    Spec("paysupport_text", Kind.TEXT, Group.TEXTS, "Payment support (/paysupport)",
         "What /paysupport shows (Telegram requires it for Stars); empty: the built-in text.", "",
         maximum=1000),
    Spec("note_prefix", Kind.TEXT, Group.TEXTS, "Internal note prefix",
         "Operators' replies starting with this stay in the topic as internal notes.", "//",
         minimum=1, maximum=8, symbols_only=True),
)

BY_KEY: Mapping[str, Spec] = {s.key: s for s in SPECS}

#: Rows of ``bot_settings`` that nothing in this version reads: not offered on the screen
#: (changing them would change nothing), and ``/set`` says why.
UNREAD: Mapping[str, str] = {
    "low_balance_buttons": "seeded in 0006 for the buy buttons under the low-balance notice, which"
                           " are always shown",
}


def in_group(group: Group) -> list[Spec]:
    return [s for s in SPECS if s.group is group]


def ordered() -> list[Spec]:
    """The settings as the screen lists them: by group, then as declared."""
    return [s for g in Group for s in in_group(g)]


def suggest(typed: str, *, limit: int = 3) -> list[str]:
    """Declared keys close to a mistyped one (``mesage_cost`` → ``message_cost``)."""
    typed = typed.lower()
    keys = [s.key for s in SPECS]
    close = difflib.get_close_matches(typed, keys, n=limit, cutoff=0.6)
    partial = [k for k in keys if typed and len(typed) >= 3 and typed in k and k not in close]
    return (close + partial)[:limit]
