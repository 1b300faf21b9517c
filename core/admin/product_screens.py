"""🛒 Products: the list with prices and sales, and each product's card.

``/products`` (or the category button) opens the list, paged; a product's
button or ``/product <code>`` opens its card. Analysts read; owners and
admins also get the buttons that change things (core.admin.product_edits,
core.admin.product_wizard), which check the role again when pressed.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from core import billing
from core.admin import fmt
from core.admin.navigation import PAGE_SIZE, nav_row, pager, rows_of
from core.admin.product_views import Listed, Sales, SyncState, card_text, list_text
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.billing import Kind, Product, ProductField
from core.dispatch.callback_data import CallbackData
from core.platform.sql import q
from core.telegram.markup import Button, button, copy_button, keyboard

router = AdminRouter("products")

#: The sales window the list and the cards show beside all time.
RECENT_DAYS = 30


@dataclass(frozen=True)
class ProductsPage(CallbackData, prefix="adm:prd:l"):
    page: int


@dataclass(frozen=True)
class ProductCard(CallbackData, prefix="adm:prd:c"):
    product_id: int


@dataclass(frozen=True)
class ProductSwitch(CallbackData, prefix="adm:prd:t"):
    """Enable/disable (``active``) or hide/show (``hidden``)."""

    product_id: int
    field: ProductField
    on: bool


@dataclass(frozen=True)
class ProductAsk(CallbackData, prefix="adm:prd:a"):
    """Ask the operator to type a field's new value."""

    product_id: int
    field: ProductField


@dataclass(frozen=True)
class ProductsSync(CallbackData, prefix="adm:prd:s"):
    """Reconcile with Stripe: one product, or every one (0)."""

    product_id: int


@dataclass(frozen=True)
class ProductNew(CallbackData, prefix="adm:prd:n"):
    pass


def _sales(rows: list[asyncpg.Record], product_id: int) -> list[Sales]:
    return [Sales(r["rail"], r["currency"], int(r["units"]), int(r["gross"]), int(r["refunds"]))
            for r in rows if r["product_id"] == product_id]


async def _listed(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[Listed]:
    ids = [r["id"] for r in rows]
    recent = await conn.fetch(q("product_screens_sales_recent"), ids, RECENT_DAYS)
    total = await conn.fetch(q("product_screens_sales_all"), ids)
    listed = []
    for r in rows:
        product = billing.product_from_row(r)
        uses = await billing.package_uses(conn, product.id) if product.max_uses is not None else None
        sync = SyncState(r["stripe_version"], r["stripe_synced_version"], r["stripe_synced_at"],
                         r["stripe_sync_error"])
        listed.append(Listed(product, sync, _sales(recent, product.id), _sales(total, product.id), uses))
    return listed


async def show_list(ctx: AdminContext, page: int = 0) -> None:
    conn = ctx.tx.conn
    counts = await conn.fetchrow(q("product_screens_counts"))
    assert counts is not None
    pages = max((counts["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    items = await _listed(conn, await conn.fetch(q("product_screens_page"), PAGE_SIZE, page * PAGE_SIZE))
    cards = [button(f"{page * PAGE_SIZE + i + 1}. {item.product.name[:24]}",
                    ProductCard(item.product.id).pack()) for i, item in enumerate(items)]
    actions: list[Button] = []
    if ctx.can(Can.PRODUCTS_EDIT):
        actions = [button("➕ New product", ProductNew().pack()),
                   button("🔄 Sync with Stripe", ProductsSync(0).pack())]
    await ctx.screen.show(list_text(items, counts, page),
                          keyboard(*rows_of(cards, 2), pager(page, counts["total"], ProductsPage), actions,
                                   nav_row()))


async def load(conn: asyncpg.Connection, product_id: int) -> Listed | None:
    row = await conn.fetchrow(q("product_screens_one"), product_id)
    if row is None:
        return None
    return (await _listed(conn, [row]))[0]


def _edit_buttons(p: Product) -> list[list[Button]]:
    amount = ProductField.DAYS if p.kind is Kind.PASS else ProductField.CREDITS
    rows = [
        [button("💳 Price", ProductAsk(p.id, ProductField.PRICE).pack()),
         button("⭐ Stars", ProductAsk(p.id, ProductField.STARS).pack()),
         button("✏️ Name", ProductAsk(p.id, ProductField.NAME).pack())],
        [button("📅 Days" if amount is ProductField.DAYS else "🔢 Credits", ProductAsk(p.id, amount).pack()),
         button("🏷 Badge", ProductAsk(p.id, ProductField.BADGE).pack()),
         button("↕️ Sort", ProductAsk(p.id, ProductField.SORT).pack())],
        [button("⛔ Disable" if p.active else "✅ Enable",
                ProductSwitch(p.id, ProductField.ACTIVE, not p.active).pack()),
         button("👁 Show in /buy" if p.hidden else "🙈 Hide from /buy",
                ProductSwitch(p.id, ProductField.HIDDEN, not p.hidden).pack())],
    ]
    if p.hidden:
        rows.append([button("👤 Buyer", ProductAsk(p.id, ProductField.USER).pack()),
                     button("🔢 Uses", ProductAsk(p.id, ProductField.USES).pack()),
                     button("⏳ Expiry", ProductAsk(p.id, ProductField.EXPIRES).pack())])
    rows.append([button("🔄 Sync with Stripe", ProductsSync(p.id).pack())])
    return rows


async def show_card(ctx: AdminContext, product_id: int, notice: str | None = None) -> None:
    item = await load(ctx.tx.conn, product_id)
    if item is None:
        await ctx.screen.show("That product no longer exists.", keyboard(nav_row(ProductsPage(0))))
        return
    p = item.product
    link = billing.package_link(ctx.settings, p.code) if p.hidden else None
    buyer = None
    if p.for_telegram_id is not None:
        who = await ctx.tx.conn.fetchrow(q("product_screens_buyer"), p.for_telegram_id)
        if who is not None:
            buyer = fmt.name_of(who["first_name"], who["last_name"], who["username"], p.for_telegram_id)
    text = card_text(item, link=link, buyer=buyer)
    if notice:
        text = f"{notice}\n\n{text}"
    rows: list[list[Button]] = []
    if link is not None:
        rows.append([copy_button("📋 Copy link", link)])
    if ctx.can(Can.PRODUCTS_EDIT):
        rows += _edit_buttons(p)
    await ctx.screen.show(text, keyboard(*rows, nav_row(ProductsPage(0))))


async def open_products(ctx: AdminContext, payload: str) -> None:
    """The category's opener: the list, or ``/products <code>``'s card."""
    code = payload.strip().lower()
    if code:
        found = await billing.product_by_code(ctx.tx.conn, code)
        if found is None:
            await ctx.screen.say(f"No product has the code “{fmt.esc(code[:40])}”. /products lists them.")
            return
        await show_card(ctx, found.id)
        return
    await show_list(ctx)


@router.callback(ProductsPage, can=Can.PRODUCTS_VIEW)
async def on_page(ctx: AdminContext, data: ProductsPage) -> str | None:
    await show_list(ctx, data.page)
    return None


@router.callback(ProductCard, can=Can.PRODUCTS_VIEW)
async def on_card(ctx: AdminContext, data: ProductCard) -> str | None:
    await show_card(ctx, data.product_id)
    return None
