"""The control center assembled: every screen's router, and which screen each category opens.

Built at import: a command, button prefix, question or action declared twice
fails here.
"""

from __future__ import annotations

from core.admin import dashboard, home, operators, search
from core.admin.home import Categories
from core.admin.navigation import Category
from core.admin.router import AdminDispatcher

CATEGORIES = Categories({
    Category.SEARCH: search.open_search,
    Category.DASHBOARD: dashboard.open_dashboard,
})


def _categories() -> Categories:
    return CATEGORIES


DISPATCHER = AdminDispatcher([
    home.router,
    home.category_commands(_categories),
    operators.router,
    search.router,
    dashboard.router,
])

#: What the ingress sends to the admin queue from a private chat: these commands.
COMMANDS = DISPATCHER.commands

__all__ = ["CATEGORIES", "COMMANDS", "DISPATCHER", "Category"]
