"""Broadcasts and mass gifts on the broadcast queue (core.campaigns.runner), and
the users' ``/notifications`` toggle. The operators' screens that start and
steer campaigns are the control center's (core.admin.campaign_screens); the
broadcast worker's wiring hands the runner their progress renderer.
"""

from core.campaigns.notices import gift_notice, notice_text
from core.campaigns.notifications import router
from core.campaigns.rows import Campaign, Kind, Status
from core.campaigns.runner import Render, Runner, run, wake
from core.campaigns.source_retention import prune as prune_sources

__all__ = ["Campaign", "Kind", "Render", "Runner", "Status", "gift_notice", "notice_text", "prune_sources",
           "router", "run", "wake"]
