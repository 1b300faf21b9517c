"""👥 Users: find a user (``/users <text>``, or the answer to the screen's question),
filter and sort the list, page through it, open a card.

A search for an id, an @username or a Stripe customer id opens that user's
card; words of a name list every user whose name has words starting so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from core.admin import fmt, pending, user_card, users_search
from core.admin.navigation import PAGE_SIZE, Home, nav_row, pager, rows_of
from core.admin.refs import Unreadable
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.admin.users_buttons import FilterChoices, Pick, UserFilters, UserList, UsersHome, card
from core.admin.users_search import COUNT_CAP, Exact, Listed
from core.admin.users_view import Sort, View, describe, name_words, parse_typed
from core.dispatch.callback_data import CallbackData
from core.telegram.markup import Button, button, keyboard

router = AdminRouter("users")

PROMPT = ("Send a name, a Telegram id, an @username or a Stripe customer id (<code>cus_…</code>) to find"
          " someone, or choose filters. /cancel to stop.")
TYPE_HINT = "Type <code>/users &lt;name, id, @username or cus_…&gt;</code> to find someone."
BALANCES = (1, 5, 10, 50, 100)
JOINED = (1, 7, 30, 90, 365)
_NOT_FOUND = {"@": "No user has the username {key}.", "c": "No user has the Stripe customer id {key}.",
              "0": "No user has the Telegram id {key}."}


def _user_line(n: int, u: Listed, now: datetime) -> str:
    flags = ("⛔" if u.is_banned else "") + ("🎟" if u.pass_expires_at and u.pass_expires_at > now else "") \
        + ("🚫" if u.blocked_bot_at else "")
    # Card totals add up minor units of whatever currencies were sold: no symbol claims one.
    card_minor = u.spent_card_minor
    spent = [f"card {card_minor // 100:,}.{card_minor % 100:02d}"] if card_minor else []
    spent += [fmt.money(u.spent_stars, "xtr")] if u.spent_stars else []
    return (f"{n}. {fmt.name_of(u.first_name, u.last_name, u.username, u.telegram_id)} {flags}".rstrip()
            + f" · {fmt.number(u.credits)} cr · {fmt.esc(u.tier)}"
            + (f" · spent {' + '.join(spent)}" if spent else "") + f" · seen {fmt.ago(u.last_seen_at, now)}")


def render_list(page: users_search.Page, view: View, search_text: str | None, now: datetime) -> str:
    head = f"👥 <b>Users</b> · {describe(view, search_text)}"
    if not page.users:
        return f"{head}\n\nNo user matches."
    first = page.page * PAGE_SIZE + 1
    total = f"more than {fmt.number(COUNT_CAP)}" if page.capped else fmt.number(page.total)
    lines = [head, f"{fmt.number(first)}–{fmt.number(first + len(page.users) - 1)} of {total}", ""]
    lines += [_user_line(first + i, u, now) for i, u in enumerate(page.users)]
    return "\n".join(lines)


async def show_list(ctx: AdminContext, view: View, number: int) -> None:
    search_text = await users_search.recall(ctx.tx.conn, view.search) if view.search is not None else None
    words = tuple(name_words(search_text)) if search_text else None
    page = await users_search.page(ctx.tx.conn, view, words, number)
    if not page.users and number > 0:
        page = await users_search.page(ctx.tx.conn, view, words, 0)
    packed = view.pack()
    first = page.page * PAGE_SIZE + 1
    picks = [button(f"{first + i}. {(u.first_name or str(u.telegram_id))[:20]}",
                    card(u.id, page.page, packed).pack()) for i, u in enumerate(page.users)]
    await ctx.screen.show(render_list(page, view, search_text, datetime.now(UTC)), keyboard(
        *rows_of(picks, 2), pager(page.page, page.total, UserList, view=packed),
        [button("🔎 Filters and sort", UserFilters(packed).pack())], nav_row(UsersHome())))


def _toggle(label: str, on: bool, changed: View) -> Button | None:
    """A filter's button, or None when the view it leads to would not fit in a button."""
    return button(("✅ " if on else "") + label, UserFilters(changed.pack()).pack()) if changed.fits else None


def _choice(label: str, on: bool, pick: Pick, packed: str) -> Button:
    """A filter with values (tier, balance, joined): opens their choice."""
    return button(("✅ " if on else "") + label, FilterChoices(pick, packed).pack())


async def show_filters(ctx: AdminContext, view: View, *, ask: bool = False) -> None:
    """The Users screen: the filters of ``view`` as buttons (and, from /users, the search prompt)."""
    search_text = await users_search.recall(ctx.tx.conn, view.search) if view.search is not None else None
    asking = ask and ctx.place.thread_id is None  # in a topic the answer would go to the customer
    if asking:
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, "users.search", {}, ctx.place,
                          ctx.message_id)
    packed = view.pack()
    joined = f"last {view.joined_days} d" if view.joined_days else "any"
    sort = "lifetime spend" if view.sort is Sort.SPEND else "last seen"
    other_sort = Sort.SEEN if view.sort is Sort.SPEND else Sort.SPEND
    buttons = [
        _choice(f"💎 Tier: {view.tier or 'any'}", view.tier is not None, Pick.TIER, packed),
        _toggle("⛔ Banned", view.banned, replace(view, banned=not view.banned)),
        _toggle("🎟 Pass active", view.pass_active, replace(view, pass_active=not view.pass_active)),
        _choice(f"🪫 Balance under: {view.balance_under or 'any'}", view.balance_under is not None,
                Pick.BALANCE, packed),
        _toggle("💳 Paid ever", view.paid, replace(view, paid=not view.paid)),
        _toggle("🚫 Blocked the bot", view.blocked, replace(view, blocked=not view.blocked)),
        _choice(f"🆕 Joined: {joined}", view.joined_days is not None, Pick.JOINED, packed),
        _toggle(f"↕️ Sort: {sort}", False, replace(view, sort=other_sort)),
    ]
    rows = rows_of([b for b in buttons if b is not None], 2)
    rows.append([button("📋 Show users", UserList(0, packed).pack())])
    if view.filtered:
        cleared = replace(View(), search=view.search)
        rows.append([button("✖️ Clear filters", UserFilters(cleared.pack()).pack())])
    back: CallbackData = UserList(0, packed) if view.search is not None else Home()
    text = f"👥 <b>Users</b>\n{PROMPT if asking else TYPE_HINT}\n\nShowing: {describe(view, search_text)}"
    await ctx.screen.show(text, keyboard(*rows, nav_row(back)))


async def open_users(ctx: AdminContext, payload: str) -> None:
    """``/users`` (and the Users button): the screen; ``/users <text>``: a search at once."""
    if payload.strip():
        await search(ctx, payload)
    else:
        await show_filters(ctx, View(), ask=True)


async def search(ctx: AdminContext, text: str) -> bool:
    """Run a typed search; False when it did not read (the answer says why)."""
    try:
        view, words = parse_typed(text)
        if not view.fits:
            raise Unreadable("Too many filters at once for the buttons: drop one or two.")
        found = users_search.classify(words) if words else None
    except Unreadable as exc:
        await ctx.screen.say(fmt.esc(exc))
        return False
    if found is None:
        await show_list(ctx, view, 0)
    elif isinstance(found, Exact):
        user_id = await users_search.exact(ctx.tx.conn, found.key)
        if user_id is None:
            kind = "0" if found.key.isdigit() else found.key[:1]
            await ctx.screen.say(_NOT_FOUND[kind].format(key=fmt.esc(found.key)))
        else:
            await user_card.show(ctx, user_id)
    else:
        search_id = await users_search.remember(ctx.tx.conn, ctx.operator.telegram_id, words)
        await show_list(ctx, replace(view, search=search_id), 0)
    return True


@router.answer("users.search", can=Can.USERS_VIEW)
async def on_search_answer(ctx: AdminContext, question: pending.Pending, text: str) -> None:
    if not await search(ctx, text):
        # A search that did not read is asked again rather than dropped.
        await pending.ask(ctx.tx.conn, ctx.operator.telegram_id, question.kind, question.params,
                          question.place, question.message_id)


def _view_of(packed: str) -> View | None:
    try:
        return View.unpack(packed)
    except ValueError:
        return None


STALE = "This button is no longer active. Send /users to continue."


@router.callback(UsersHome, can=Can.USERS_VIEW)
async def on_home(ctx: AdminContext, data: UsersHome) -> str | None:
    await show_filters(ctx, View(), ask=True)
    return None


@router.callback(UserList, can=Can.USERS_VIEW)
async def on_list(ctx: AdminContext, data: UserList) -> str | None:
    view = _view_of(data.view)
    if view is None or data.page < 0:
        return STALE
    await show_list(ctx, view, data.page)
    return None


@router.callback(UserFilters, can=Can.USERS_VIEW)
async def on_filters(ctx: AdminContext, data: UserFilters) -> str | None:
    view = _view_of(data.view)
    if view is None:
        return STALE
    await show_filters(ctx, view)
    return None


@router.callback(FilterChoices, can=Can.USERS_VIEW)
async def on_choices(ctx: AdminContext, data: FilterChoices) -> str | None:
    view = _view_of(data.view)
    if view is None:
        return STALE
    if data.pick is Pick.TIER:
        options = [(t, replace(view, tier=t)) for t in await users_search.tiers(ctx.tx.conn)]
        what, clear = "tier", replace(view, tier=None)
    elif data.pick is Pick.BALANCE:
        options = [(f"under {n}", replace(view, balance_under=n)) for n in BALANCES]
        what, clear = "balance", replace(view, balance_under=None)
    else:
        options = [(f"last {n} day{'s' if n != 1 else ''}", replace(view, joined_days=n)) for n in JOINED]
        what, clear = "joined", replace(view, joined_days=None)
    picks = [button("any", UserFilters(clear.pack()).pack())]
    picks += [button(label, UserFilters(v.pack()).pack()) for label, v in options if v.fits]
    await ctx.screen.show(f"👥 <b>Users</b> · filter by {what}\nShowing: {describe(view)}",
                          keyboard(*rows_of(picks, 3), nav_row(UserFilters(data.view))))
    return None
