"""``/product new``: a product made step by step, each answer checked as it is typed.

Kind (a button or typed), code, name, credits or days, card price, Stars
price, and for a pass whether it is a monthly subscription; then a summary
with a Create button that works once. A wrong answer says which rule it
breaks and asks again; /cancel drops the draft. A custom package is created
hidden: it is sold by its own link, whose card says how to limit it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core import billing
from core.admin import audit, confirm, fmt, pending
from core.admin.navigation import confirm_row, nav_row
from core.admin.product_screens import ProductNew, ProductsPage, show_card
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.billing import InvalidProduct, Kind, ProductValues
from core.dispatch.callback_data import CallbackData
from core.telegram.markup import button, keyboard

router = AdminRouter("product_wizard")

QUESTION = "product.new"
RECURRING_DAYS = (1, 7, 30, 31, 365)

PROMPTS = {
    "kind": "Which kind of product? <b>credits</b> (a pack of credits), <b>pass</b> (days of unlimited "
            "messages) or <b>custom</b> (a package of credits sold only by its own link).",
    "code": "Its code: 2 to 32 of a-z, 0-9 and _, starting with a letter, e.g. <code>pack200</code>. "
            "It appears in links and buttons and cannot change later.",
    "name": "Its name as buyers see it (at most 32 characters: it is the invoice's title).",
    "credits": "How many credits it grants, e.g. 200.",
    "days": "How many days of unlimited messages it grants, e.g. 7.",
    "price": "Its card price with the currency, e.g. <code>4.99usd</code>, or <code>none</code> if it is "
             "not sold by card.",
    "stars": "Its price in Stars (a whole number, 1 to 10,000), or <code>none</code> if it is not sold "
             "for Stars.",
    "recurring": "Is it a subscription, billed by card every period? <code>on</code> or <code>off</code>.",
}


@dataclass(frozen=True)
class WizardKind(CallbackData, prefix="adm:prd:wk"):
    kind: Kind


async def _ask(ctx: AdminContext, draft: Mapping[str, Any], step: str, error: str | None = None) -> None:
    params = {**draft, "step": step}
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, QUESTION, params, ctx.place, ctx.message_id)
    text = PROMPTS[step] + "\n/cancel drops this new product."
    if error:
        text = f"❌ {fmt.esc(error)}\n\n{text}"
    if step == "kind":
        await ctx.screen.show(text, keyboard([button(k.value, WizardKind(k).pack()) for k in Kind],
                                             nav_row(ProductsPage(0))))
    else:
        await ctx.screen.say(text)


async def start(ctx: AdminContext) -> None:
    await _ask(ctx, {}, "kind")


def _values(draft: Mapping[str, Any], sort: int) -> ProductValues:
    kind = Kind(draft["kind"])
    price = billing.parse_price(draft["price"]) if draft.get("price") else None
    return ProductValues(
        name=draft["name"], kind=kind, credits=int(draft.get("credits") or 0),
        pass_days=int(draft["days"]) if kind is Kind.PASS else None,
        recurring=bool(draft.get("recurring")), stripe_amount=price.amount if price else None,
        stripe_currency=price.currency if price else None,
        stars_amount=int(draft["stars"]) if draft.get("stars") is not None else None, badge=None, sort=sort,
        active=True, hidden=kind is Kind.CUSTOM, for_telegram_id=None, max_uses=None, expires_at=None,
    )


def _next(draft: Mapping[str, Any], step: str) -> str | None:
    order = ["kind", "code", "name", "days" if draft.get("kind") == Kind.PASS.value else "credits", "price",
             "stars"]
    if (draft.get("kind") == Kind.PASS.value and draft.get("price") and
            int(draft.get("days") or 0) in RECURRING_DAYS):
        order.append("recurring")
    at = order.index(step) if step in order else len(order) - 1
    return order[at + 1] if at + 1 < len(order) else None


async def _read(ctx: AdminContext, step: str, text: str) -> object:
    """The answer to ``step``, checked; raises InvalidProduct."""
    if step == "kind":
        return billing.parse_kind(text).value
    if step == "code":
        code = billing.parse_code(text)
        if await billing.product_code_taken(ctx.tx.conn, code):
            raise InvalidProduct(f"A product with the code {code} exists already: choose another code.")
        return code
    if step == "name":
        return billing.parse_name(text)
    if step in ("credits", "days"):
        what, field = (("credits", billing.ProductField.CREDITS) if step == "credits"
                       else ("days", billing.ProductField.DAYS))
        value = billing.parse_product_value(field, text, datetime.now(UTC))
        if not isinstance(value, int) or value <= 0:
            raise InvalidProduct(f"The number of {what} must be at least 1.")
        return value
    if step == "price":
        return None if text.strip().lower() == "none" else str(billing.parse_price(text))
    if step == "stars":
        return None if text.strip().lower() == "none" else billing.parse_stars(text)
    return billing.parse_switch(text)


async def advance(ctx: AdminContext, draft: Mapping[str, Any], step: str, text: str) -> None:
    try:
        value = await _read(ctx, step, text)
    except InvalidProduct as exc:
        await _ask(ctx, draft, step, str(exc))
        return
    draft = {**draft, step: value}
    following = _next(draft, step)
    if step == "stars" and draft.get("price") is None and value is None:
        await _ask(ctx, draft, "price",
                   "A product needs a price on at least one rail: a card price or Stars.")
        return
    if following is not None:
        await _ask(ctx, draft, following)
        return
    await _summary(ctx, draft)


async def _summary(ctx: AdminContext, draft: Mapping[str, Any]) -> None:
    try:
        values = _values(draft, 0)
        values.check()
    except InvalidProduct as exc:
        await _ask(ctx, draft, "price", str(exc))
        return
    token = await confirm.propose(ctx.tx.conn, ctx.operator.telegram_id, "product.create",
                                  {k: v for k, v in draft.items() if k != "step"})
    card = f"💳 {fmt.money(values.stripe_amount, values.stripe_currency)}" if values.stripe_amount and \
        values.stripe_currency else "💳 —"
    stars = f"⭐ {values.stars_amount:,}" if values.stars_amount else "⭐ —"
    every = " · subscription" if values.recurring else ""
    grants = f"{values.pass_days} days{every}" if values.kind is Kind.PASS else f"{values.credits:,} credits"
    hidden = "\nA custom package is hidden: it is sold by its own link, shown on its card." \
        if values.kind is Kind.CUSTOM else ""
    await ctx.screen.say(
        f"<b>New product</b> <code>{draft['code']}</code>: <b>{fmt.esc(values.name)}</b> · "
        f"{values.kind.value}"
        f" · {grants}\n{card} · {stars}{hidden}")
    await ctx.screen.fresh().show("Create it?",
                                  keyboard(confirm_row(token, "✅ Create"), nav_row(ProductsPage(0))))


@router.callback(ProductNew, can=Can.PRODUCTS_EDIT)
async def on_new(ctx: AdminContext, data: ProductNew) -> str | None:
    await start(ctx)
    return None


@router.callback(WizardKind, can=Can.PRODUCTS_EDIT)
async def on_kind(ctx: AdminContext, data: WizardKind) -> str | None:
    await advance(ctx, {}, "kind", data.kind.value)
    return None


@router.answer(QUESTION, can=Can.PRODUCTS_EDIT)
async def on_answer(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    draft = dict(question.params)
    await advance(ctx, draft, str(draft.get("step") or "kind"), text)


@router.action("product.create", can=Can.PRODUCTS_EDIT)
async def create_confirmed(ctx: AdminContext, params: Mapping[str, Any]) -> str | None:
    conn = ctx.tx.conn
    try:
        values = _values(params, await billing.next_product_sort(conn))
        product = await billing.create_product(conn, str(params["code"]), values, by=ctx.operator.telegram_id)
    except InvalidProduct as exc:
        await ctx.screen.say(f"❌ {fmt.esc(exc)} Nothing was created.")
        return "Not created."
    after = {k: v for k, v in params.items() if v is not None}
    await audit.record(conn, ctx.operator, "product.create", cause=ctx.tx.cause, target=product.code,
                       after=after)
    await show_card(ctx, product.id, "✅ Created. Stripe is being set up for it.")
    return None

