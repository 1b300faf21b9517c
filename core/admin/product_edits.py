"""Changing products: ``/product edit <code> <field> <value>``, the card's buttons, the Stripe sync.

Every value is checked with the rest of the product (core.billing's rules)
and a refusal names the rule that failed; nothing changes then. A change of
what a product costs or grants (price, Stars, credits, days) shows the value
before and after and waits for a Confirm that works once; every change is
audited. Enabling, disabling and hiding take effect at once for ``/buy`` and
the quick commands; checkouts already open keep what they were opened with.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from core import billing
from core.admin import audit, confirm, fmt, pending, product_wizard, refs
from core.admin.navigation import confirm_row, nav_row
from core.admin.product_screens import ProductAsk, ProductCard, ProductsSync, ProductSwitch, show_card
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter, not_allowed
from core.admin.screens import GROUP_PRIORITY
from core.billing import InvalidProduct, Product, ProductField
from core.telegram.markup import keyboard
from core.telegram.updates import Command

router = AdminRouter("product_edits")

USAGE = ("<b>/product</b> — <code>/product &lt;code&gt;</code> opens a product; "
         "<code>/product new</code> creates one step by step; "
         "<code>/product edit &lt;code&gt; &lt;field&gt; &lt;value&gt;</code> changes a field "
         "(name, credits, days, recurring on|off, price 4.99usd|none, stars 250|none, "
         "badge popular|best_value|none, sort, active on|off, hidden on|off; for custom packages user "
         "@name|id|none, uses N|none, expires 7d|2026-12-31|none); "
         "<code>/product sync</code> reconciles every product with Stripe.")

#: What the question for each field says (the value's form and an example).
PROMPTS: dict[ProductField, str] = {
    ProductField.NAME: "the new name (at most 32 characters: it is the invoice's title)",
    ProductField.CREDITS: "how many credits it grants, e.g. 25",
    ProductField.DAYS: "how many days of unlimited messages it grants, e.g. 7",
    ProductField.PRICE: "the card price with its currency, e.g. 4.99usd (none: not sold by card)",
    ProductField.STARS: "the price in Stars, a whole number from 1 to 10,000 (none: not sold for Stars)",
    ProductField.BADGE: "the badge: popular, best_value or none",
    ProductField.SORT: "its place in the catalog, a whole number (lower comes first)",
    ProductField.USER: "the only Telegram user who may buy it: @username or id (none: anyone)",
    ProductField.USES: "how many times it may be sold, e.g. 1 (none: no limit)",
    ProductField.EXPIRES: "when its link stops working: 7d, 48h or 2026-12-31 (none: never)",
    ProductField.RECURRING: "on (a monthly subscription) or off",
    ProductField.ACTIVE: "on (sold) or off (disabled)",
    ProductField.HIDDEN: "on (sold only by its link) or off (in /buy)",
}


async def _value(ctx: AdminContext, field: ProductField, text: str) -> object:
    """The typed value, read; a buyer named by @username is looked up. Raises InvalidProduct."""
    if field is ProductField.USER and text.strip().lower() not in ("none", "off", "-"):
        try:
            ref = refs.parse_ref(text)
        except refs.Unreadable as exc:
            raise InvalidProduct(str(exc)) from None
        found = await refs.find_user(ctx.tx.conn, ref)
        if found is not None:
            return found.telegram_id
        if isinstance(ref, str):
            raise InvalidProduct(f"No user @{ref} is known to the bot: use their numeric Telegram id.")
        return ref
    return billing.parse_product_value(field, text, _now())


def _now() -> datetime:
    return datetime.now(UTC)


def _shown(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {'none' if v is None else v}" for k, v in values.items())


async def edit(ctx: AdminContext, product: Product, field: ProductField, text: str, *,
               confirmed: bool = False) -> None:
    """Check and apply (or, for money, propose) a change of one field; the card shows the result."""
    try:
        value = await _value(ctx, field, text)
        change = billing.preview_product_edit(product, field, value)
    except InvalidProduct as exc:
        await ctx.screen.say(f"❌ {fmt.esc(exc)} Nothing was changed.")
        return
    if change is None:
        await show_card(ctx, product.id, f"ℹ️ {field.value} is {_shown(change_of(product, field))} already.")
        return
    before, after = change
    if field in billing.MONEY_FIELDS and not confirmed:
        token = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, "product.edit",
                                      {"product_id": product.id, "field": field.value, "text": text})
        await ctx.screen.show(
            f"Change <b>{fmt.esc(product.name)}</b> (<code>{product.code}</code>): "
            f"{fmt.esc(_shown(before))} → <b>{fmt.esc(_shown(after))}</b>?\n\n"
            "New purchases pay and get the new value; checkouts already open keep theirs.",
            keyboard(confirm_row(token), nav_row(ProductCard(product.id))))
        return
    edited = await billing.save_product_field(ctx.tx.conn, product, field, value)
    if edited is None:
        return
    await audit.record(ctx.tx.conn, ctx.operator, f"product.{field.value}", cause=ctx.tx.cause,
                       target=product.code, before=edited.before, after=edited.after)
    stripe = " Stripe is being updated." if field in billing.STRIPE_FIELDS else ""
    done = f"✅ {fmt.esc(_shown(edited.before))} → <b>{fmt.esc(_shown(edited.after))}</b>.{stripe}"
    await show_card(ctx, product.id, done)


def change_of(product: Product, field: ProductField) -> Mapping[str, Any]:
    return {field.value: billing.ProductValues.of(product).shown(field)}


async def _product(ctx: AdminContext, code: str) -> Product | None:
    found = await billing.product_by_code(ctx.tx.conn, code.lower())
    if found is None:
        await ctx.screen.say(f"No product has the code “{fmt.esc(code[:40])}”. /products lists them.")
    return found


async def _sync(ctx: AdminContext, product_ids: list[int] | None) -> None:
    report = billing.SyncReportTo(ctx.place.chat_id, ctx.place.thread_id,
                                  GROUP_PRIORITY if ctx.place.in_group else 0)
    await billing.request_stripe_sync(ctx.tx.conn, product_ids, report=report, cause=ctx.tx.cause)
    await audit.record(ctx.tx.conn, ctx.operator, "product.sync", cause=ctx.tx.cause,
                       target=",".join(map(str, product_ids)) if product_ids else "all")


@router.command("product", can=Can.PRODUCTS_VIEW)
async def product_command(ctx: AdminContext, command: Command) -> None:
    args = command.payload.split(maxsplit=3)
    if not args:
        await ctx.screen.say(USAGE)
        return
    verb = args[0].lower()
    if verb in ("new", "edit", "sync") and not ctx.can(Can.PRODUCTS_EDIT):
        await ctx.screen.say(not_allowed(ctx))
        return
    if verb == "new":
        await product_wizard.start(ctx)
    elif verb == "sync":
        await _sync(ctx, None)
        await ctx.screen.say("🔄 Syncing every product with Stripe; the report follows here.")
    elif verb == "edit":
        if len(args) < 4:
            await ctx.screen.say(f"Which product, field and value? {USAGE}")
            return
        product = await _product(ctx, args[1])
        if product is None:
            return
        try:
            field = billing.parse_product_field(args[2])
        except InvalidProduct as exc:
            await ctx.screen.say(f"❌ {fmt.esc(exc)}")
            return
        await edit(ctx, product, field, args[3])
    else:
        found = await _product(ctx, verb)
        if found is not None:
            await show_card(ctx, found.id)


@router.callback(ProductSwitch, can=Can.PRODUCTS_EDIT)
async def on_switch(ctx: AdminContext, data: ProductSwitch) -> str | None:
    product = await billing.product_by_id(ctx.tx.conn, data.product_id)
    if product is None or data.field not in (ProductField.ACTIVE, ProductField.HIDDEN):
        return "That product no longer exists."
    await edit(ctx, product, data.field, "on" if data.on else "off")
    return None


@router.callback(ProductAsk, can=Can.PRODUCTS_EDIT)
async def on_ask(ctx: AdminContext, data: ProductAsk) -> str | None:
    product = await billing.product_by_id(ctx.tx.conn, data.product_id)
    if product is None:
        return "That product no longer exists."
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, "product.field",
                      {"product_id": product.id, "field": data.field.value}, ctx.place, ctx.message_id)
    prompt = PROMPTS.get(data.field, data.field.value)
    await ctx.screen.say(f"<b>{fmt.esc(product.name)}</b>: type {prompt}.\n/cancel keeps it as it is.")
    return None


@router.answer("product.field", can=Can.PRODUCTS_EDIT)
async def on_field_answer(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    product = await billing.product_by_id(ctx.tx.conn, int(question.params["product_id"]))
    if product is None:
        await ctx.screen.say("That product no longer exists.")
        return
    await edit(ctx, product, ProductField(str(question.params["field"])), text)


@router.action("product.edit", can=Can.PRODUCTS_EDIT)
async def edit_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    product = await billing.product_by_id(ctx.tx.conn, int(params["product_id"]))
    if product is None:
        return "That product no longer exists."
    await edit(ctx, product, ProductField(str(params["field"])), str(params["text"]), confirmed=True)
    return None


@router.callback(ProductsSync, can=Can.PRODUCTS_EDIT)
async def on_sync(ctx: AdminContext, data: ProductsSync) -> str | None:
    await _sync(ctx, [data.product_id] if data.product_id else None)
    return "🔄 Syncing with Stripe; the report follows."
