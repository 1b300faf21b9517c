"""Payments: the catalog, Stripe (Checkout, portal, events, subscriptions) and
Telegram Stars into one ledger, grants, refunds, auto-recharge and history.
Imports the shared layers; reacts to the relay through events (core.jobs.bus).
"""

from __future__ import annotations

from core.billing.router import router
from core.billing.subscribers import SUBSCRIPTIONS

__all__ = ["SUBSCRIPTIONS", "router"]
