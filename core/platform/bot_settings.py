"""Operator-editable settings, typed, with defaults for keys not set yet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import asyncpg
import structlog

from core.platform.sql import q

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class BotSettings:
    message_cost: int = 1
    signup_credits: int = 3
    note_prefix: str = "//"
    #: Credits granted once, when a user finishes the onboarding tour (0: no bonus).
    tutorial_bonus_credits: int = 2
    #: A debit that takes the balance below this warns the user (0: never).
    low_credit_threshold: int = 2
    #: At most one low-credit warning per user within this many hours.
    low_credit_warning_hours: int = 24
    #: Whether users may reset their own account with /reset (for testing the bot).
    reset_enabled: bool = False
    #: Whether a user is told when an operator takes credits or ends their pass
    #: (grants are always announced).
    announce_credit_takes: bool = True
    #: Messages a user may send per minute; the rest of the minute's are refused with
    #: one notice (0: no limit).
    messages_per_minute: int = 120
    #: Messages a user may have waiting for credits; more are refused with one notice
    #: (0: no cap).
    max_held_messages: int = 100
    #: Credits one mass gift may give in all; only an owner may send one over it.
    mass_gift_cap: int = 100_000
    #: The operators' time zone (IANA name): scheduled broadcasts are typed and shown in it.
    timezone: str = "UTC"
    #: The operator's welcome for new users, by language (``{"en": "Hi {name}!"}``);
    #: a language without one gets the catalog's welcome.
    welcome_text: Mapping[str, str] = field(default_factory=dict)
    #: The desk's SLA: a conversation waiting longer than this for its first
    #: reply is marked and alerted once in the General topic (0: no SLA).
    first_response_minutes: int = 15
    #: Whether each topic's title shows its conversation's state (new, waiting,
    #: answered, closed); the edits spend the admin group's budget, on spare slots only.
    topic_status_enabled: bool = True
    #: Whether operators' text replies are signed with the operator's alias (or
    #: first name); off: they go out anonymously, as the business.
    reply_signature: bool = False

    @classmethod
    def from_rows(cls, rows: Mapping[str, Any]) -> BotSettings:
        """Settings from ``bot_settings`` rows (JSON values); a malformed value keeps its default.

        An operator's typo must not stop every update, so it is logged and ignored.
        """
        defaults = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in rows:
                continue
            value = _coerce(rows[f.name], getattr(defaults, f.name))
            if value is None:
                log.warning("malformed setting ignored", key=f.name, value=repr(rows[f.name])[:200])
            else:
                values[f.name] = value
        return cls(**values)


def _coerce(value: Any, default: Any) -> Any:
    """``value`` as the type of ``default``, or None when it cannot be."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return None
    if isinstance(default, int):
        if isinstance(value, bool):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    if isinstance(default, str):
        return value if isinstance(value, str) else None
    if isinstance(default, Mapping):
        if isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
        return None
    return value


async def load(conn: asyncpg.Connection) -> BotSettings:
    rows = await conn.fetch(q("rails_settings_all"))
    return BotSettings.from_rows({r["key"]: r["value"] for r in rows})
