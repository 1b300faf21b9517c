"""Typed user commands: ``/user``, ``/card``, ``/credits``, ``/ban``, ``/unban``, ``/tier``, ``/pass``.

A command names its user by id or @username; in a customer's topic it may
leave them out and means that customer. Typed commands are explicit and
apply at once (buttons go through a confirmation); the update's id is their
idempotency key, so a redelivered update applies once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.admin import fmt, refs, user_actions, user_card, users_search
from core.admin.refs import Unreadable
from core.admin.roles import Can
from core.admin.router import AdminContext, AdminRouter
from core.admin.user_actions import Subject
from core.telegram.updates import Command

router = AdminRouter("user_commands")

USAGE = {
    "user": "<code>/user &lt;id|@username&gt;</code>",
    "credits": "<code>/credits &lt;id|@username&gt; +N|-N [reason]</code>",
    "ban": "<code>/ban &lt;id|@username&gt; [reason]</code>",
    "unban": "<code>/unban &lt;id|@username&gt;</code>",
    "tier": "<code>/tier &lt;id|@username&gt; &lt;tier&gt;</code>",
    "pass": "<code>/pass &lt;id|@username&gt; &lt;days&gt;</code> (0 ends it)",
}


def usage(name: str) -> str:
    return f"Usage: {USAGE[name]}. In a user's topic the id can be left out."


def _explicit_ref(word: str) -> bool:
    """In a topic, only an @username or an id names someone else: any other first word is an argument."""
    return word.startswith("@") or (word.isascii() and word.isdigit())


def operator_key(ctx: AdminContext) -> str:
    """The idempotency key of a change this update asks for (one change per update)."""
    return f"operator:{ctx.tx.cause}"


async def target(ctx: AdminContext, ref_text: str | None, name: str, *, hold: bool = True) -> Subject | str:
    """The user the command names (or the topic's), held for the action (``hold``); else what to answer."""
    if ref_text is None:
        if ctx.topic_user_id is None:
            return usage(name)
        user_id = ctx.topic_user_id
    else:
        ref = refs.parse_ref(ref_text)
        found = await refs.find_user(ctx.tx.conn, ref)
        if found is None:
            who = f"with the Telegram id {ref}" if isinstance(ref, int) else f"@{fmt.esc(ref)}"
            return f"No user {who} is known to the bot. Nothing was changed."
        user_id = found.id
    subject = await user_actions.subject(ctx.tx.conn, user_id, hold=hold)
    return subject if subject is not None else "That user no longer exists."


def _ref_and_tail(ctx: AdminContext, payload: str, *, topic_form: bool) -> tuple[str | None, str]:
    """(the ref typed, what follows it). In a customer's topic the ref is left out when
    ``topic_form`` says the first word is an argument, or it is not an @username or an id."""
    words = payload.split(maxsplit=1)
    if ctx.topic_user_id is not None and (topic_form or not words or not _explicit_ref(words[0])):
        return None, payload.strip()
    if not words:
        return None, ""
    return words[0], words[1] if len(words) > 1 else ""


Act = Callable[[Subject], Awaitable[str]]


async def _run(ctx: AdminContext, name: str, ref: str | None, act: Act) -> None:
    """Find the user, then act; a refusal or a misreading is answered and changes nothing."""
    if ref is None and ctx.topic_user_id is None:
        await ctx.screen.say(usage(name))
        return
    try:
        found = await target(ctx, ref, name)
        await ctx.screen.say(found if isinstance(found, str) else await act(found))
    except Unreadable as exc:
        await ctx.screen.say(fmt.esc(exc))


def _one_word(payload: str) -> bool:
    return len(payload.split()) == 1


@router.command("user", "card", can=Can.USERS_VIEW)
async def user_command(ctx: AdminContext, command: Command) -> None:
    ref, tail = _ref_and_tail(ctx, command.payload, topic_form=False)
    if tail or (ref is None and ctx.topic_user_id is None):
        await ctx.screen.say(usage("user"))
        return
    try:
        found = await target(ctx, ref, "user", hold=False)
    except Unreadable as exc:
        await ctx.screen.say(fmt.esc(exc))
        return
    if isinstance(found, str):
        await ctx.screen.say(found)
        return
    await user_card.show(ctx, found.id)


@router.command("credits", can=Can.USERS_CREDITS)
async def credits_command(ctx: AdminContext, command: Command) -> None:
    first = command.payload.split(maxsplit=1)[:1]
    topic_form = _one_word(command.payload) or (bool(first) and first[0][:1] in "+-")
    ref, tail = _ref_and_tail(ctx, command.payload, topic_form=topic_form)
    change, reason = user_actions.change_and_reason(tail)

    async def act(s: Subject) -> str:
        if not change:
            return usage("credits")
        delta = refs.parse_delta(change)
        return await user_actions.change_credits(ctx, s, delta, user_actions.reason_of(reason),
                                                 key=operator_key(ctx))

    await _run(ctx, "credits", ref, act)


@router.command("ban", can=Can.USERS_BAN)
async def ban_command(ctx: AdminContext, command: Command) -> None:
    ref, reason = _ref_and_tail(ctx, command.payload, topic_form=False)

    async def act(s: Subject) -> str:
        return await user_actions.ban(ctx, s, user_actions.reason_of(reason))

    await _run(ctx, "ban", ref, act)


@router.command("unban", can=Can.USERS_BAN)
async def unban_command(ctx: AdminContext, command: Command) -> None:
    ref, tail = _ref_and_tail(ctx, command.payload, topic_form=False)

    async def act(s: Subject) -> str:
        return usage("unban") if tail else await user_actions.unban(ctx, s)

    await _run(ctx, "unban", ref, act)


@router.command("tier", can=Can.USERS_TIER)
async def tier_command(ctx: AdminContext, command: Command) -> None:
    ref, tail = _ref_and_tail(ctx, command.payload, topic_form=_one_word(command.payload))

    async def act(s: Subject) -> str:
        if not _one_word(tail):
            return usage("tier")
        valid = await users_search.tiers(ctx.tx.conn)
        return await user_actions.set_tier(ctx, s, tail.strip().lower(), valid)

    await _run(ctx, "tier", ref, act)


@router.command("pass", can=Can.USERS_PASS)
async def pass_command(ctx: AdminContext, command: Command) -> None:
    ref, tail = _ref_and_tail(ctx, command.payload, topic_form=_one_word(command.payload))

    async def act(s: Subject) -> str:
        if not _one_word(tail):
            return usage("pass")
        days = refs.parse_count(tail.strip(), what="days", maximum=refs.MAX_PASS_DAYS, allow_zero=True)
        return await user_actions.set_pass(ctx, s, days, key=operator_key(ctx))

    await _run(ctx, "pass", ref, act)
