"""A campaign's progress message: a bar, sent / failed / blocked / remaining, an
ETA, and Pause / Resume / Cancel.

The broadcast worker edits it every few seconds (core.campaigns.runner, handed
:func:`render_progress` by its wiring); the buttons are the control center's
(core.admin.campaign_screens).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import asyncpg

from core.admin import fmt
from core.admin.navigation import nav_row
from core.dispatch.callback_data import CallbackData
from core.telegram.markup import Keyboard, button, keyboard

BAR = 12
#: Send rates of the lanes (messages a second, within the margin kept below Telegram's).
FREE_RATE = 30 * 0.975
PAID_RATE = 1000 * 0.975
#: Telegram's fee for a paid broadcast, in Stars per message (tenths).
PAID_STARS_TENTHS = 1


@dataclass(frozen=True)
class CampaignAct(CallbackData, prefix="adm:cmp"):
    """Pause, resume or cancel a campaign (``p``, ``r``, ``c``), or its CSV (``x``)."""

    act: str
    campaign_id: int


class CampaignView(Protocol):
    """What the progress message reads of a campaign (core.campaigns.Campaign)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def segment(self) -> str: ...
    @property
    def lane(self) -> str: ...
    @property
    def credits(self) -> int: ...
    @property
    def pass_days(self) -> int: ...
    @property
    def notice(self) -> bool: ...
    @property
    def audience(self) -> int: ...
    @property
    def selection_done(self) -> bool: ...
    @property
    def selected(self) -> int: ...
    @property
    def granted(self) -> int: ...
    @property
    def sent(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def blocked(self) -> int: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def scheduled_at(self) -> datetime | None: ...


def bar(done: int, total: int) -> str:
    filled = BAR if total <= 0 else min(BAR, done * BAR // total)
    return "▓" * filled + "░" * (BAR - filled)


def gift_totals(c: CampaignView) -> str:
    """What a mass gift gave so far: credits and pass days in all."""
    parts = []
    if c.credits:
        parts.append(f"{fmt.number(c.granted * c.credits)} credits")
    if c.pass_days:
        parts.append(f"{fmt.number(c.granted * c.pass_days)} pass days")
    return " + ".join(parts)


def estimate(count: int, rate: float) -> str:
    return fmt.duration(timedelta(seconds=max(count / rate, 1)))


def paid_stars(count: int) -> int:
    """Telegram's fee for sending ``count`` messages on the paid lane, in whole Stars."""
    return (count * PAID_STARS_TENTHS + 9) // 10


STATUS = {"scheduled": "🕒 scheduled", "running": "▶️ sending", "paused": "⏸ paused", "done": "✅ done",
          "cancelled": "✖️ cancelled",
          "draft": "📝 draft"}


def _eta(c: CampaignView, remaining: int) -> str:
    if c.status != "running" or remaining <= 0 or c.started_at is None:
        return ""
    elapsed = (datetime.now(UTC) - c.started_at).total_seconds()
    done = c.sent + c.failed + c.blocked
    rate = done / elapsed if done and elapsed > 5 else (PAID_RATE if c.lane == "paid" else FREE_RATE)
    return f" · ETA {estimate(remaining, rate)}"


def render_progress(c: CampaignView) -> tuple[str, Keyboard | None]:
    """The progress message's text and buttons."""
    total = c.selected if c.selection_done else max(c.audience, c.selected)
    title = "📢 Broadcast" if c.kind == "broadcast" else "🎁 Mass gift"
    lines = [f"<b>{title} #{c.id}</b> · {STATUS.get(c.status, c.status)}",
             f"Audience: <code>{fmt.esc(c.segment)}</code> · {fmt.number(total)} users"]
    if c.status == "scheduled" and c.scheduled_at is not None:
        lines.append(f"Starts {c.scheduled_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    if c.kind == "gift":
        lines.append(f"Granted: {fmt.number(c.granted)} users · {gift_totals(c)}")
        if not c.notice:
            lines.insert(1, bar(c.granted, total))
            return "\n".join(lines), _buttons(c)
    settled = c.sent + c.failed + c.blocked
    remaining = max(total - settled, 0)
    lines.insert(1, f"{bar(settled, total)} {settled * 100 // total if total else 100}%")
    lines.append(f"Sent {fmt.number(c.sent)} · failed {fmt.number(c.failed)}"
                 f" · blocked {fmt.number(c.blocked)}"
                 f" · remaining {fmt.number(remaining)}{_eta(c, remaining)}")
    return "\n".join(lines), _buttons(c)


def _buttons(c: CampaignView) -> Keyboard | None:
    row = []
    if c.status == "running":
        row.append(button("⏸ Pause", CampaignAct("p", c.id).pack()))
    if c.status == "paused":
        row.append(button("▶️ Resume", CampaignAct("r", c.id).pack()))
    if c.status in ("running", "paused", "scheduled"):
        row.append(button("✖️ Cancel", CampaignAct("c", c.id).pack()))
    rows: list[Sequence[Mapping[str, Any]]] = [row] if row else []
    rows.append([button("📄 CSV", CampaignAct("x", c.id).pack())])
    rows.append(nav_row())
    return keyboard(*rows)


@dataclass(frozen=True)
class CampaignRow:
    """A campaign as the control center reads it (its own query of ``campaigns``)."""

    id: int
    kind: str
    status: str
    segment: str
    lane: str
    credits: int
    notice: bool
    audience: int
    selection_done: bool
    selected: int
    granted: int
    sent: int
    failed: int
    blocked: int
    started_at: datetime | None
    created_by: int
    created_at: datetime
    reason: str | None
    scheduled_at: datetime | None
    pass_days: int = 0

    @classmethod
    def of(cls, r: Mapping[str, Any] | asyncpg.Record) -> CampaignRow:
        return cls(r["id"], r["kind"], r["status"], r["segment"], r["lane"], r["credits"], r["notice"],
                   r["audience"] or 0, r["selection_done"], r["selected"], r["granted"], r["sent"],
                   r["failed"],
                   r["blocked"], r["started_at"], r["created_by"], r["created_at"], r["reason"],
                   r["scheduled_at"], r["pass_days"])
