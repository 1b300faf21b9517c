"""The operator desk: conversations as tickets, quick replies, analytics.

The domain of the control center's 💬 Conversations, 📝 Quick Replies and
📈 Analytics (their screens are core.admin's). Imports the shared layers and
the relay's exports.
"""

from __future__ import annotations

from core.desk import (
    analytics,
    csv_exports,
    files,
    qr_files,
    quick_replies,
    reports,
    sweep,
    tickets,
)
from core.desk.files import METHODS

__all__ = ["METHODS", "analytics", "csv_exports", "files", "qr_files", "quick_replies", "reports", "sweep",
           "tickets"]
