"""The experience's commands and buttons: welcome, tour, menu, balance card, language, reset.

Declared on one router (core.dispatch.router), combined with the other
features' by the messaging worker.
"""

from __future__ import annotations

from core import billing
from core.accounts import ledger, profile, users
from core.accounts.users import User
from core.delivery.effects import Effects
from core.dispatch.router import Context, Router
from core.dispatch.screens import Screen
from core.experience import balance_card, language, menus, reset, texts, tutorial
from core.experience.balance_card import RefreshCard
from core.experience.language import ChooseLanguage
from core.experience.menus import OpenMenu, PickLanguage, ShowBalance, ShowHelp, ShowMenu
from core.experience.tutorial import TourDone, TourSkip, TourStart, TourStep
from core.i18n import label
from core.platform.bot_settings import BotSettings
from core.telegram.markup import PARSE_MODE, button, keyboard
from core.telegram.updates import Command

router = Router("experience")


async def _screen(ctx: Context, *, in_place: bool = True) -> tuple[Screen, profile.Profile]:
    prof = await profile.load(ctx.tx.conn, ctx.user.id)
    message_id = ctx.message_id if in_place else None
    return Screen(ctx.tx, ctx.user.telegram_id, prof.lang, message_id), prof


async def welcome(tx: Effects, cfg: BotSettings, user: User, *, new: bool, credits: int) -> str:
    """The answer to /start: greeting, balance, and the tour (offered until finished).

    Returns the language it was written in.
    """
    prof = await profile.load(tx.conn, user.id)
    lang = prof.lang
    text = texts.welcome_with_balance(user.display_name, new=new, credits=credits,
                                      cost=cfg.message_cost, lang=lang, custom=cfg.welcome_text.get(lang))
    rows: list[list[dict[str, str]]] = []
    if not prof.tutorial_completed:
        text += "\n\n" + tutorial.offer_text(prof, cfg, lang)
        rows.append([tutorial.offer_button(prof, lang)])
    rows.append([button(label(lang, "btn_menu"), OpenMenu().pack())])
    await Screen(tx, user.telegram_id, lang).show(text, keyboard(*rows))
    return lang


@router.command("start")
async def start(ctx: Context, command: Command) -> None:
    """A signup bonus for a new user, the deep link's payload, then the welcome."""
    tx, cfg, user = ctx.tx, ctx.cfg, ctx.user
    credits = user.credits
    if ctx.new_user and cfg.signup_credits > 0:
        change = await ledger.apply(tx.conn, user.id, cfg.signup_credits, reason="signup_bonus",
                                    key=f"signup:{user.id}")
        credits = change.balance if change.balance is not None else credits
    payload = command.payload
    if payload:
        referrer = payload[4:] if payload.startswith("ref_") else ""
        await users.record_start_payload(tx.conn, user.id, payload[:200],
                                         int(referrer) if referrer.isdigit() else None)
    lang = await welcome(tx, cfg, user, new=ctx.new_user, credits=credits)
    if payload.startswith("paid_"):
        await tx.send("sendMessage", user.telegram_id, text=texts.payment_pending(lang=lang),
                      parse_mode=PARSE_MODE)
    package = billing.package_code_of(payload)
    if package is not None:
        # A custom package's link: billing shows it, or says why it cannot be bought.
        rails = await billing.load_rails(tx.conn, ctx.settings)
        await billing.open_package_link(tx, user, lang, package, rails)


@router.command("menu")
async def menu(ctx: Context, command: Command) -> None:
    screen, _ = await _screen(ctx)
    await menus.show_menu(screen, ctx.cfg, ctx.user.id)


@router.command("balance")
async def balance(ctx: Context, command: Command) -> None:
    screen, _ = await _screen(ctx)
    await balance_card.show(screen, ctx.cfg, ctx.user.id)


@router.command("language", "lang")
async def pick_language(ctx: Context, command: Command) -> None:
    screen, _ = await _screen(ctx)
    await language.show_picker(screen)


@router.command("tutorial")
async def tour(ctx: Context, command: Command) -> None:
    screen, prof = await _screen(ctx)
    await tutorial.show_step(screen, ctx.cfg, ctx.user.id, tutorial.resume_step(prof))


@router.command("help")
async def help_(ctx: Context, command: Command) -> None:
    screen, _ = await _screen(ctx)
    await menus.show_help(screen, ctx.cfg)


@router.command("reset")
async def reset_account(ctx: Context, command: Command) -> None:
    screen, prof = await _screen(ctx)
    # The update's id makes the request's key: a redelivery resets once.
    await reset.reset(screen, ctx.cfg, ctx.user, prof, ctx.tx.cause)


@router.callback(ShowMenu)
async def on_show_menu(ctx: Context, data: ShowMenu) -> str | None:
    screen, _ = await _screen(ctx)
    await menus.show_menu(screen, ctx.cfg, ctx.user.id)
    return None


@router.callback(OpenMenu)
async def on_open_menu(ctx: Context, data: OpenMenu) -> str | None:
    screen, _ = await _screen(ctx, in_place=False)
    await menus.show_menu(screen, ctx.cfg, ctx.user.id)
    return None


@router.callback(ShowBalance)
async def on_show_balance(ctx: Context, data: ShowBalance) -> str | None:
    screen, _ = await _screen(ctx)
    await balance_card.show(screen, ctx.cfg, ctx.user.id)
    return None


@router.callback(RefreshCard)
async def on_refresh_card(ctx: Context, data: RefreshCard) -> str | None:
    screen, _ = await _screen(ctx)
    await balance_card.show(screen, ctx.cfg, ctx.user.id)
    return label(screen.lang, "card_refreshed")


@router.callback(ShowHelp)
async def on_show_help(ctx: Context, data: ShowHelp) -> str | None:
    screen, _ = await _screen(ctx)
    await menus.show_help(screen, ctx.cfg)
    return None


@router.callback(PickLanguage)
async def on_pick_language(ctx: Context, data: PickLanguage) -> str | None:
    screen, _ = await _screen(ctx)
    await language.show_picker(screen)
    return None


@router.callback(ChooseLanguage)
async def on_choose_language(ctx: Context, data: ChooseLanguage) -> str | None:
    screen, _ = await _screen(ctx)
    return await language.choose(screen, ctx.user.id, data.code)


@router.callback(TourStart)
async def on_tour_start(ctx: Context, data: TourStart) -> str | None:
    screen, prof = await _screen(ctx, in_place=False)
    await tutorial.show_step(screen, ctx.cfg, ctx.user.id, tutorial.resume_step(prof))
    return None


@router.callback(TourStep)
async def on_tour_step(ctx: Context, data: TourStep) -> str | None:
    screen, _ = await _screen(ctx)
    if not 1 <= data.step <= tutorial.STEPS:
        return label(screen.lang, "stale_button")
    await tutorial.show_step(screen, ctx.cfg, ctx.user.id, data.step)
    return None


@router.callback(TourSkip)
async def on_tour_skip(ctx: Context, data: TourSkip) -> str | None:
    screen, _ = await _screen(ctx)
    await menus.show_menu(screen, ctx.cfg, ctx.user.id)
    return label(screen.lang, "tutorial_skipped")


@router.callback(TourDone)
async def on_tour_done(ctx: Context, data: TourDone) -> str | None:
    screen, _ = await _screen(ctx)
    return await tutorial.finish(screen, ctx.cfg, ctx.user)
