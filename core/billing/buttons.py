"""Billing's buttons: typed payloads (core.dispatch.callback_data).

Their packed forms (``buy:pack10``, ``pay:stars:pack10``, ``hist:2``,
``ar:on:pack25:5``) are what keyboards already sent to users carry: keep them
readable by these types, or old buttons answer as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.billing.rails import Rail
from core.dispatch.callback_data import CallbackData


@dataclass(frozen=True)
class Buy(CallbackData, prefix="buy"):
    """A product, rail still to choose (straight to payment when one rail sells it)."""

    code: str


@dataclass(frozen=True)
class Pay(CallbackData, prefix="pay"):
    rail: Rail
    code: str


@dataclass(frozen=True)
class PayPackage(CallbackData, prefix="pkg"):
    """A custom package (a hidden product sold by its link) on a rail: its limits are checked again."""

    rail: Rail
    code: str


@dataclass(frozen=True)
class HistoryPage(CallbackData, prefix="hist"):
    page: int


@dataclass(frozen=True)
class HistoryCsv(CallbackData, prefix="hist:csv"):
    pass


@dataclass(frozen=True)
class AutoRechargeOff(CallbackData, prefix="ar:off"):
    pass


@dataclass(frozen=True)
class AutoRechargePack(CallbackData, prefix="ar:p"):
    """A pack chosen for auto-recharge: next, its threshold."""

    code: str


@dataclass(frozen=True)
class AutoRechargeOn(CallbackData, prefix="ar:on"):
    code: str
    threshold: int
