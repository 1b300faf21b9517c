"""The main menu's buttons that other features handle.

The menu (core.experience) and the low-credit warning (core.relay) show
buttons that open billing's screens; the payloads live here, below every
feature, so each can build the button and billing alone handles it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.dispatch.callback_data import CallbackData


@dataclass(frozen=True)
class OpenCatalog(CallbackData, prefix="menu:buy"):
    """The catalog of packs and passes (/buy)."""


@dataclass(frozen=True)
class OpenHistory(CallbackData, prefix="menu:history"):
    """Purchases and spending (/history)."""


@dataclass(frozen=True)
class OpenBillingPortal(CallbackData, prefix="menu:billing"):
    """Stripe's customer portal (/billing)."""
