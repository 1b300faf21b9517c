"""The control center assembled: every screen's router, and which screen each category opens.

Built at import: a command, button prefix, question or action declared twice
fails here.
"""

from __future__ import annotations

from core.admin import (
    campaign_id_lists,
    campaign_screens,
    dashboard,
    desk_analytics,
    desk_conversations,
    desk_replies,
    desk_reply_files,
    home,
    operators,
    payment_screens,
    product_edits,
    product_screens,
    product_wizard,
    refund_screens,
    revenue,
    search,
    settings,
    settings_edit,
    system,
    user_commands,
    user_flows,
    users_screens,
)
from core.admin.home import Categories
from core.admin.navigation import Category
from core.admin.router import AdminDispatcher

CATEGORIES = Categories({
    Category.SETTINGS: settings.open_settings,
    Category.SYSTEM: system.open_system,
    Category.USERS: users_screens.open_users,
    Category.PRODUCTS: product_screens.open_products,
    Category.BILLING: payment_screens.open_billing,
    Category.SEARCH: search.open_search,
    Category.DASHBOARD: dashboard.open_dashboard,
    Category.CONVERSATIONS: desk_conversations.open_conversations,
    Category.QUICK_REPLIES: desk_replies.open_quick_replies,
    Category.ANALYTICS: desk_analytics.open_analytics,
    Category.BROADCAST: campaign_id_lists.open_broadcast,
    Category.MASS_GIFT: campaign_id_lists.open_massgift,
})


def _categories() -> Categories:
    return CATEGORIES


DISPATCHER = AdminDispatcher([
    home.router,
    home.category_commands(_categories),
    operators.router,
    settings.router,
    settings_edit.router,
    system.router,
    users_screens.router,
    user_commands.router,
    user_flows.router,
    product_screens.router,
    product_edits.router,
    product_wizard.router,
    payment_screens.router,
    refund_screens.router,
    revenue.router,
    search.router,
    dashboard.router,
    desk_conversations.router,
    desk_replies.router,
    desk_reply_files.router,
    desk_analytics.router,
    campaign_screens.router,
    campaign_id_lists.router,
])

#: What the ingress sends to the admin queue from a private chat: these commands.
COMMANDS = DISPATCHER.commands

__all__ = ["CATEGORIES", "COMMANDS", "DISPATCHER", "Category"]
