"""/reset: a user resets their own account, for trying the bot out, when the operator allows it.

Nothing is deleted. The balance goes back to the signup amount through a
ledger row (reason ``reset``, keyed by the request, so a redelivered update
resets once); held messages become ``refused`` (they were never charged); the
tour starts over; and an ``account_resets`` row keeps what was reset. The tour
bonus stays once per user: its ledger key outlives resets.
"""

from __future__ import annotations

from core.accounts import ledger
from core.accounts.profile import Profile
from core.accounts.users import User
from core.dispatch.screens import Screen
from core.experience.tutorial import offer_button, offer_text
from core.i18n import credits_word, t
from core.platform.bot_settings import BotSettings
from core.platform.sql import q
from core.telegram.markup import keyboard

REASON = "reset"


async def reset(screen: Screen, cfg: BotSettings, user: User, profile: Profile, request: str) -> None:
    """Reset ``user``'s account for the request ``request`` (its update), or say it is disabled."""
    if not cfg.reset_enabled:
        await screen.show(t(screen.lang, "reset_disabled"))
        return
    conn = screen.tx.conn
    balance = await ledger.lock_balance(conn, user.id)
    key = f"{REASON}:{user.id}:{request}"
    target = max(cfg.signup_credits, 0)
    held = int(await conn.fetchval(q("reset_refuse_held"), user.id))
    recorded = await conn.fetchval(
        q("reset_record_reset"), user.id, key, balance.credits, target,
        profile.tutorial_step, profile.tutorial_completed, held,
    )
    if recorded is None:
        return  # this request reset the account already
    if target != balance.credits:
        await ledger.apply(conn, user.id, target - balance.credits, reason=REASON, key=key)
    await conn.execute(q("reset_user"), user.id)
    fresh = Profile(profile.language, profile.language_code, 0, False, profile.tutorial_bonus_granted)
    lines = [t(screen.lang, "reset_done", balance=credits_word(target, lang=screen.lang))]
    if held:
        lines.append(t(screen.lang, "reset_held", count=held))
    lines.append(offer_text(fresh, cfg, screen.lang))
    await screen.show("\n".join(lines), keyboard([offer_button(fresh, screen.lang)]))
