"""What a user sees around messaging: welcome, tour, menu, balance card,
language and reset. Imports the shared layers and the exports of core.relay
and core.billing.
"""

from __future__ import annotations

from core.experience.router import router

__all__ = ["router"]
