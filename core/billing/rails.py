"""The payment rails the operator offers (Stripe, Telegram Stars) and links back into the bot.

The operator turns each rail on or off in ``bot_settings`` (``stripe_enabled``,
``stars_enabled``); Stripe is only offered where the process has a key. The
texts of ``/terms`` and ``/paysupport`` can be replaced the same way
(``terms_text``, ``paysupport_text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from core.platform.config import Settings
from core.platform.sql import q

#: The sandbox bot's username, used until the configuration names the real one.


class Rail(StrEnum):
    STRIPE = "stripe"
    STARS = "stars"


@dataclass(frozen=True)
class Rails:
    stripe: bool
    stars: bool
    terms_text: str = ""
    paysupport_text: str = ""

    @property
    def enabled(self) -> tuple[Rail, ...]:
        return tuple(r for r, on in ((Rail.STRIPE, self.stripe), (Rail.STARS, self.stars)) if on)

    @property
    def primary(self) -> Rail | None:
        """Where ``/buy25`` goes straight to: the card when offered, else Stars."""
        enabled = self.enabled
        return enabled[0] if enabled else None


def _flag(value: object, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def from_rows(rows: dict[str, object], *, stripe_configured: bool) -> Rails:
    return Rails(
        stripe=stripe_configured and _flag(rows.get("stripe_enabled"), True),
        stars=_flag(rows.get("stars_enabled"), True),
        terms_text=_text(rows.get("terms_text")),
        paysupport_text=_text(rows.get("paysupport_text")),
    )


async def load(conn: asyncpg.Connection, settings: Settings) -> Rails:
    rows = await conn.fetch(q("rails_settings_all"))
    return from_rows({r["key"]: r["value"] for r in rows},
                     stripe_configured=settings.stripe_api_key is not None)


def bot_username(settings: Settings) -> str:
    return settings.bot_username


def bot_link(settings: Settings) -> str:
    return f"https://t.me/{bot_username(settings)}"


def start_link(settings: Settings, payload: str) -> str:
    """A link that opens the bot with ``/start <payload>`` (at most 64 of A-Za-z0-9_-)."""
    return f"https://t.me/{bot_username(settings)}?start={payload}"


def stripe_lock(telegram_id: int) -> str:
    """The lock of a user's jobs that call Stripe: one at a time, but apart from the user's
    messages (``user:<id>``), so a Stripe outage's retries never hold up the relay or the
    10-second answer to a pre-checkout query."""
    return f"stripe:user:{telegram_id}"
