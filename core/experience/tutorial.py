"""The onboarding tour: three steps with buttons, resumable, with a one-time bonus.

Steps: how messaging and credits work; how to buy; where balance, history and
billing are. The step shown is stored (``tutorial_step``) until the tour is
finished (``tutorial_completed``), so /tutorial or the welcome's button resumes
there. Finishing grants ``tutorial_bonus_credits`` through the ledger under the
key ``tutorial_bonus:<user id>``: a second finish, from an old message or after
a /reset, finds the key and grants nothing. Skipping shows the main menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts import ledger
from core.accounts.events import CreditsArrived
from core.accounts.profile import Profile
from core.accounts.users import User
from core.dispatch.callback_data import CallbackData
from core.dispatch.screens import Screen
from core.experience import menus
from core.i18n import Html, credits_word, label, t
from core.platform.bot_settings import BotSettings
from core.platform.sql import q
from core.telegram.markup import Keyboard, button, keyboard

STEPS = 3
BONUS_REASON = "tutorial_bonus"


@dataclass(frozen=True)
class TourStart(CallbackData, prefix="tut:start"):
    """From the welcome: the tour as a new message, at the step the user left."""


@dataclass(frozen=True)
class TourSkip(CallbackData, prefix="tut:skip"):
    pass


@dataclass(frozen=True)
class TourDone(CallbackData, prefix="tut:done"):
    pass


@dataclass(frozen=True)
class TourStep(CallbackData, prefix="tut"):
    step: int


def bonus_key(user_id: int) -> str:
    return f"tutorial_bonus:{user_id}"


def resume_step(profile: Profile) -> int:
    if profile.tutorial_completed or profile.tutorial_step < 1:
        return 1
    return min(profile.tutorial_step, STEPS)


def offer_text(profile: Profile, cfg: BotSettings, lang: str) -> Html:
    if cfg.tutorial_bonus_credits > 0 and not profile.tutorial_bonus_granted:
        return t(lang, "tutorial_offer_bonus", count=cfg.tutorial_bonus_credits)
    return t(lang, "tutorial_offer")


def offer_button(profile: Profile, lang: str) -> dict[str, str]:
    step = resume_step(profile)
    if step > 1:
        return button(label(lang, "btn_tour_resume", step=step), TourStart().pack())
    return button(label(lang, "btn_tour_start"), TourStart().pack())


def step_text(step: int, cfg: BotSettings, lang: str) -> Html:
    return t(lang, f"tutorial_step_{step}", cost=credits_word(cfg.message_cost, lang=lang))


def step_markup(step: int, lang: str) -> Keyboard:
    back = button(label(lang, "btn_back"), TourStep(step - 1).pack()) if step > 1 else None
    if step < STEPS:
        forward = button(label(lang, "btn_next"), TourStep(step + 1).pack())
    else:
        forward = button(label(lang, "btn_finish"), TourDone().pack())
    first_row = [b for b in (back, forward) if b is not None]
    skip_row = [button(label(lang, "btn_skip"), TourSkip().pack())] if step < STEPS else []
    return keyboard(first_row, skip_row)


async def show_step(screen: Screen, cfg: BotSettings, user_id: int, step: int) -> None:
    await screen.tx.conn.execute(q("tutorial_step"), user_id, step)
    await screen.show(step_text(step, cfg, screen.lang), step_markup(step, screen.lang))


async def finish(screen: Screen, cfg: BotSettings, user: User) -> str | None:
    """Complete the tour and grant the bonus once; returns a notice when it was granted before."""
    conn = screen.tx.conn
    await conn.fetchval(q("tutorial_complete"), user.id, STEPS)
    granted = 0
    already = False
    if cfg.tutorial_bonus_credits > 0:
        change = await ledger.apply(conn, user.id, cfg.tutorial_bonus_credits, reason=BONUS_REASON,
                                    key=bonus_key(user.id))
        if change.outcome is ledger.Outcome.APPLIED:
            granted = cfg.tutorial_bonus_credits
            await conn.execute(q("tutorial_bonus_granted"), user.id)
            # Messages held for lack of credits may go through now (core.relay, subscribed).
            await screen.tx.publish(CreditsArrived(user.id))
        else:
            already = True
    text = t(screen.lang, "tutorial_done_bonus", count=granted) if granted else t(
        screen.lang, "tutorial_done")
    await screen.show(text, menus.menu_markup(screen.lang))
    return label(screen.lang, "tutorial_bonus_already") if already else None

