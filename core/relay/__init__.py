"""The paid relay: a user's message charged and copied into their topic, the
operators' answers copied back, edits, topics and low-credit warnings.
Imports the shared layers; other features use what this package exports.
"""

from __future__ import annotations

from core.accounts.events import CreditsArrived
from core.jobs.bus import Subscriptions
from core.relay.incoming import on_credits_arrived

SUBSCRIPTIONS: Subscriptions = {CreditsArrived: [on_credits_arrived]}

__all__ = ["SUBSCRIPTIONS"]
