"""What happens to a user's credits, as events other features subscribe to (core.jobs.bus)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CreditsArrived:
    """Credits or pass time were granted (a payment, a bonus, an operator's gift):
    messages waiting for credits may go through now."""

    user_id: int


@dataclass(frozen=True)
class BalanceDebited:
    """Messages were charged, leaving ``balance``; ``auto_recharge`` is the user's opt-in,
    so subscribers that only care about it skip a query for everyone else."""

    user_id: int
    balance: int
    auto_recharge: bool


@dataclass(frozen=True)
class CreditsShort:
    """A user's first message is waiting for credits: tell them, and offer packs."""

    user_id: int
    telegram_id: int
    balance: int
    cost: int
