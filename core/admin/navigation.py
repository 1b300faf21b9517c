"""The control center's map: its 12 categories, the Home and Back buttons, paging.

Screen modules build their keyboards from these; core.admin.home opens a
category by its button or its command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from core.admin.roles import Can, Operator
from core.dispatch.callback_data import CallbackData
from core.telegram.markup import Button, button

#: Items on one page of a list.
PAGE_SIZE = 8


class Category(StrEnum):
    CONVERSATIONS = "conversations"
    DASHBOARD = "dashboard"
    ANALYTICS = "analytics"
    USERS = "users"
    PRODUCTS = "products"
    BILLING = "billing"
    BROADCAST = "broadcast"
    MASS_GIFT = "massgift"
    SETTINGS = "settings"
    SYSTEM = "system"
    QUICK_REPLIES = "quickreplies"
    SEARCH = "search"


@dataclass(frozen=True)
class CategoryInfo:
    category: Category
    label: str
    command: str
    capability: Can


CATEGORIES: tuple[CategoryInfo, ...] = (
    CategoryInfo(Category.CONVERSATIONS, "💬 Conversations", "conversations", Can.CONVERSATIONS),
    CategoryInfo(Category.DASHBOARD, "📊 Dashboard", "dashboard", Can.DASHBOARD),
    CategoryInfo(Category.ANALYTICS, "📈 Analytics", "analytics", Can.ANALYTICS),
    CategoryInfo(Category.USERS, "👥 Users", "users", Can.USERS_VIEW),
    CategoryInfo(Category.PRODUCTS, "🛒 Products", "products", Can.PRODUCTS_VIEW),
    CategoryInfo(Category.BILLING, "💰 Billing", "payments", Can.PAYMENTS_VIEW),
    CategoryInfo(Category.BROADCAST, "📢 Broadcast", "broadcast", Can.BROADCAST),
    CategoryInfo(Category.MASS_GIFT, "🎁 Mass Gift", "massgift", Can.MASS_GIFT),
    CategoryInfo(Category.SETTINGS, "⚙️ Settings", "settings", Can.SETTINGS),
    CategoryInfo(Category.SYSTEM, "🔧 System", "system", Can.SYSTEM),
    CategoryInfo(Category.QUICK_REPLIES, "📝 Quick Replies", "quickreplies", Can.QUICK_REPLIES_USE),
    CategoryInfo(Category.SEARCH, "🔍 Search", "search", Can.SEARCH),
)
BY_CATEGORY = {c.category: c for c in CATEGORIES}


def visible(operator: Operator) -> list[CategoryInfo]:
    """The categories the operator's role may open, in the center's order."""
    return [c for c in CATEGORIES if operator.can(c.capability)]


@dataclass(frozen=True)
class Home(CallbackData, prefix="adm:home"):
    pass


@dataclass(frozen=True)
class Open(CallbackData, prefix="adm:cat"):
    category: Category


@dataclass(frozen=True)
class Confirm(CallbackData, prefix="adm:ok"):
    token: str


@dataclass(frozen=True)
class Cancel(CallbackData, prefix="adm:no"):
    token: str


def nav_row(back: CallbackData | None = None) -> list[Button]:
    """⬅️ Back (to the screen this one came from) and 🏠 Home, on every screen."""
    row = [button("⬅️ Back", back.pack())] if back is not None else []
    row.append(button("🏠 Home", Home().pack()))
    return row


def back_to(category: Category) -> Open:
    return Open(category)


def confirm_row(token: str, label: str = "✅ Confirm") -> list[Button]:
    return [button(label, Confirm(token).pack()), button("✖️ Cancel", Cancel(token).pack())]


def pager(page: int, total: int, make: type[CallbackData] | None = None, **fields: object) -> list[Button]:
    """◀️ / ▶️ between pages of ``PAGE_SIZE``; ``make(**fields, page=n)`` is the page's button."""
    if make is None:
        return []
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    row: list[Button] = []
    if page > 0:
        row.append(button("◀️", make(**fields, page=page - 1).pack()))  # type: ignore[call-arg]
    if total > PAGE_SIZE:
        row.append(button(f"{page + 1}/{pages}", make(**fields, page=page).pack()))  # type: ignore[call-arg]
    if page + 1 < pages:
        row.append(button("▶️", make(**fields, page=page + 1).pack()))  # type: ignore[call-arg]
    return row


def rows_of(buttons: Sequence[Button], per_row: int) -> list[list[Button]]:
    return [list(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row)]
