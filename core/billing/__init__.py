"""Payments: the catalog, Stripe (Checkout, portal, events, subscriptions) and
Telegram Stars into one ledger, grants, refunds, auto-recharge and history.
Imports the shared layers; reacts to the relay through events (core.jobs.bus).
"""

from __future__ import annotations

from core.billing.passes import PassChange
from core.billing.passes import extend as extend_pass
from core.billing.passes import shorten as shorten_pass
from core.billing.router import router
from core.billing.subscribers import SUBSCRIPTIONS

# Passes granted or ended by operators (core.admin) go through the same rows as paid ones.
__all__ = ["SUBSCRIPTIONS", "PassChange", "extend_pass", "router", "shorten_pass"]
