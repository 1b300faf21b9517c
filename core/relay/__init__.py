"""The paid relay: a user's message charged and copied into their topic, the
operators' answers copied back, edits, topics and low-credit warnings.
Imports the shared layers; other features use what this package exports.
"""

from __future__ import annotations

from core.accounts.events import CreditsArrived
from core.jobs.bus import Subscriptions
from core.relay.incoming import on_credits_arrived
from core.relay.texts import PARSE_MODE, customer_summary, topic_name

SUBSCRIPTIONS: Subscriptions = {CreditsArrived: [on_credits_arrived]}

__all__ = ["PARSE_MODE", "SUBSCRIPTIONS", "customer_summary", "topic_name"]
