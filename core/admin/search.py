"""🔍 Search: ``/search <text>`` (or the category asks for it) finds users, payments and messages.

One term is searched as every kind it can be (core.admin.search_terms): the
screen counts each kind on its switch buttons and shows a page of one, the
first that found something. The term is kept in ``admin_searches`` and the
buttons name its row: a term does not fit in a button's 64 bytes. What
counting its messages found is kept there too (counting a common word is the
costly part), so a page turned later shows the same search. Messages need
Can.SEARCH_MESSAGES (analysts may search users and payments only): their
buttons are declared with it, so a forwarded one is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.admin import fmt, pending, search_messages, search_records, search_view
from core.admin.navigation import PAGE_SIZE, Category, Open, nav_row, pager
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter, not_allowed
from core.admin.search_hits import Found, Kind, MessageHit
from core.admin.search_messages import FIRST, NEWEST, Edge
from core.admin.search_terms import MAX_TERM, Term, Unsearchable, read
from core.dispatch.callback_data import CallbackData
from core.platform.sql import q
from core.telegram.markup import Button, button, keyboard

router = AdminRouter("search")

#: The question Search asks (core.admin.pending).
QUESTION = "search"
PROMPT = ("<b>🔍 Search</b>\n\nSend what to look for:\n"
          "• a name or part of it (<i>mar sil</i>), an @username or a Telegram id;\n"
          "• a payment: Stripe id (<code>cs_…</code>, <code>pi_…</code>, <code>ch_…</code>, "
          "<code>in_…</code>, <code>cus_…</code>), Stars charge id, or amount (<i>9.99</i>, <i>$9.99</i>, "
          "<i>500⭐</i>);\n"
          "• words from a message (<i>refund</i>, <i>\"credit card\"</i>, <i>refund -stripe</i>).\n\n"
          "/cancel to stop.")
_BACK = Open(Category.SEARCH)


@dataclass(frozen=True)
class Results(CallbackData, prefix="adm:sr"):
    """A page of users or payments of a kept search."""

    search: int
    kind: Kind
    page: int


@dataclass(frozen=True)
class MessageResults(CallbackData, prefix="adm:srm"):
    """A page of messages of a kept search: ``page`` (for the screen) holds the
    messages older than ``edge`` (newer, when ``older`` is false; 0: the newest)."""

    search: int
    page: int
    older: bool
    edge: int


async def open_search(ctx: AdminContext, payload: str) -> None:
    """The category: ``/search refund`` searches at once; otherwise it asks what to look for."""
    if payload.strip():
        await search(ctx, payload)
    else:
        await _ask(ctx, PROMPT)


async def _ask(ctx: AdminContext, text: str) -> None:
    await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, QUESTION, {}, ctx.place, ctx.message_id)
    await ctx.screen.show(text, keyboard(nav_row()))


async def search(ctx: AdminContext, typed: str) -> None:
    try:
        term = read(typed)
    except Unsearchable as exc:
        # Asked again: the operator's next message is the next try.
        await _ask(ctx, f"🔍 {fmt.esc(exc)}\n\nSend another search, or /cancel.")
        return
    search_id = int(await ctx.tx.conn.fetchval(q("search_save"), ctx.operator.telegram_id, term.text))
    await show(ctx, search_id, term, None, 0, truncated=term.truncated)


@router.answer(QUESTION, can=Can.SEARCH)
async def on_answer(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    await search(ctx, text)


async def _press(ctx: AdminContext, search_id: int, kind: Kind, page: int, edge: Edge = FIRST) -> str | None:
    kept = await ctx.tx.conn.fetchrow(q("search_load"), search_id)
    if kept is None:
        return "This search has expired: search again."
    messages = search_messages.known(kept["messages"]) if kept["messages"] is not None else None
    await show(ctx, search_id, read(kept["term"]), kind, page, edge, messages=messages)
    return None


@router.callback(Results, can=Can.SEARCH)
async def on_results(ctx: AdminContext, data: Results) -> str | None:
    if data.kind is Kind.MESSAGES and not ctx.can(Can.SEARCH_MESSAGES):
        return not_allowed(ctx)
    return await _press(ctx, data.search, data.kind, data.page)


@router.callback(MessageResults, can=Can.SEARCH_MESSAGES)
async def on_messages(ctx: AdminContext, data: MessageResults) -> str | None:
    edge = Edge(data.older, data.edge or NEWEST)
    return await _press(ctx, data.search, Kind.MESSAGES, data.page, edge)


async def _count_of(ctx: AdminContext, search_id: int, kind: Kind, term: Term,
                    messages: Found | None) -> Found:
    if kind is not Kind.MESSAGES:
        return await search_records.count(ctx.tx.conn, kind, term)
    if messages is not None:
        return messages
    found = await search_messages.count(ctx.tx.conn, term)
    if found.searched and not found.slow:
        await ctx.tx.conn.execute(q("search_keep_messages"), search_id, search_messages.kept(found))
    return found


async def show(ctx: AdminContext, search_id: int, term: Term, kind: Kind | None, page: int,
               edge: Edge = FIRST, *, truncated: bool = False, messages: Found | None = None) -> None:
    """The results screen: counts per kind, a page of ``kind`` (None: the first that found something).
    ``messages``: what counting them found before, kept with the search."""
    kinds = [Kind.USERS, Kind.PAYMENTS] + ([Kind.MESSAGES] if ctx.can(Can.SEARCH_MESSAGES) else [])
    counted = {k: await _count_of(ctx, search_id, k, term, messages) for k in kinds}
    if kind is None or kind not in counted:
        searched = [k for k in kinds if counted[k].searched] or kinds
        kind, page, edge = next((k for k in searched if counted[k].total), searched[0]), 0, FIRST
    if kind is Kind.MESSAGES:
        shown = await search_messages.page(ctx.tx.conn, counted[kind], term, edge)
        page = _message_page(shown, page)
    else:
        page = max(0, min(page, counted[kind].pages - 1))
        shown = await search_records.page(ctx.tx.conn, counted[kind], term, page)
    lines = [f"<b>🔍 Search</b> {search_view.echo(term.text)}",
             " · ".join(f"{search_view.LABELS[k]}: {search_view.count(counted[k])}" for k in kinds)]
    if not ctx.can(Can.SEARCH_MESSAGES):
        lines[-1] += " · 💬 Messages: not for your role"
    if truncated:
        lines.append(f"✂️ Only the first {MAX_TERM} characters were searched.")
    lines += ["", *search_view.body(shown, term, page)]
    rows: list[list[Button]] = [[_switch(search_id, k, counted[k], k is kind) for k in kinds]]
    rows.append(_message_pager(search_id, page, shown) if kind is Kind.MESSAGES else
                pager(page, shown.total, Results, search=search_id, kind=kind))
    rows.append(nav_row(_BACK))
    await ctx.screen.show("\n".join(lines), keyboard(*rows))


def _ids(shown: Found) -> list[int]:
    return [hit.id for hit in shown.hits if isinstance(hit, MessageHit)]


def _message_page(shown: Found, page: int) -> int:
    """The page number of what is shown: exact when every match is known, else as the buttons said."""
    ids = _ids(shown)
    if ids and ids[0] in shown.ids:
        return list(shown.ids).index(ids[0]) // PAGE_SIZE
    return max(page, 0)


def _message_pager(search_id: int, page: int, shown: Found) -> list[Button]:
    """◀️ / ▶️ from the page's first and last message (keyset: the same cost at any depth)."""
    ids = _ids(shown)
    if not ids:
        return [button("◀️", MessageResults(search_id, page - 1, False, 0).pack())] if page > 0 else []
    first, last = ids[0], ids[-1]
    row = []
    if page > 0:
        row.append(button("◀️", MessageResults(search_id, page - 1, False, first).pack()))
    if shown.total > PAGE_SIZE:
        of = f"{shown.pages:,}" + ("+" if shown.capped and not shown.estimated else "")
        of = f"≈{of}" if shown.estimated else of
        row.append(button(f"{page + 1}/{of}", MessageResults(search_id, page, True, first + 1).pack()))
    if page + 1 < shown.pages or (shown.capped and len(shown.hits) == PAGE_SIZE):
        row.append(button("▶️", MessageResults(search_id, page + 1, True, last).pack()))
    return row


def _switch(search_id: int, kind: Kind, found: Found, current: bool) -> Button:
    label = f"{'• ' if current else ''}{search_view.LABELS[kind]} {search_view.count(found)}"
    data = MessageResults(search_id, 0, True, 0) if kind is Kind.MESSAGES else Results(search_id, kind, 0)
    return button(label, data.pack())
