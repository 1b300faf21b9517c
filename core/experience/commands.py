"""The user experience around messaging: welcome, tour, menus, balance card, language, reset.

Called by the messaging worker inside the update's transaction; returns True
when it handled the command or callback. The purchases code is asked first,
so payment buttons (``buy:…``, ``menu:buy``) reach it before they reach this.

Every button press is answered (``answerCallbackQuery``), with a short notice
when the button cannot do what it says any more: data no screen knows (an old
keyboard, a removed feature), a language no longer offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.accounts import language, profile
from core.accounts.profile import Profile
from core.accounts.users import User
from core.delivery.effects import Effects
from core.dispatch.screens import Screen, button, keyboard, message_id_of
from core.experience import balance_card, menus, reset, tutorial
from core.i18n import label
from core.platform.bot_settings import BotSettings
from core.platform.config import Settings
from core.relay import texts
from core.telegram.updates import Command

COMMANDS = frozenset({"menu", "balance", "language", "lang", "reset", "tutorial", "help"})


async def welcome(tx: Effects, cfg: BotSettings, user: User, *, new: bool, credits: int) -> None:
    """The answer to /start: greeting, balance, and the tour (offered until finished)."""
    prof = await profile.load(tx.conn, user.id)
    lang = prof.lang
    text = texts.welcome_with_balance(user.display_name, new=new, credits=credits,
                                      cost=cfg.message_cost, lang=lang,
                                      custom=cfg.welcome_text.get(lang))
    rows: list[list[dict[str, str]]] = []
    if not prof.tutorial_completed:
        text += "\n\n" + tutorial.offer_text(prof, cfg, lang)
        rows.append([tutorial.offer_button(prof, lang)])
    rows.append([button(label(lang, "btn_menu"), menus.OPEN_MENU)])
    await Screen(tx, user.telegram_id, lang).show(text, keyboard(*rows))


async def on_command(
    tx: Effects, settings: Settings, cfg: BotSettings, user: User, command: Command
) -> bool:
    del settings
    if command.name not in COMMANDS:
        return False
    prof = await profile.load(tx.conn, user.id)
    screen = Screen(tx, user.telegram_id, prof.lang)
    match command.name:
        case "menu":
            await menus.show_menu(screen, cfg, user.id)
        case "balance":
            await balance_card.show(screen, cfg, user.id)
        case "language" | "lang":
            await language.show_picker(screen)
        case "tutorial":
            await tutorial.show_step(screen, cfg, user.id, tutorial.resume_step(prof))
        case "help":
            await menus.show_help(screen, cfg)
        case "reset":
            # The update's id makes the request's key: a redelivery resets once.
            await reset.reset(screen, cfg, user, prof, tx.cause)
    return True


async def _route(
    screen: Screen, cfg: BotSettings, user: User, prof: Profile, data: str
) -> tuple[bool, str | None]:
    """(handled, notice) for the button ``data``."""
    if data.startswith(tutorial.PREFIX):
        return await tutorial.on_callback(screen, cfg, user, prof, data)
    if data.startswith(language.CALLBACK):
        return True, await language.on_choice(screen, user.id, data)
    match data:
        case menus.MENU:
            await menus.show_menu(screen, cfg, user.id)
        case menus.OPEN_MENU:
            await menus.show_menu(screen.fresh(), cfg, user.id)
        case "menu:balance":
            await balance_card.show(screen, cfg, user.id)
        case balance_card.REFRESH:
            await balance_card.show(screen, cfg, user.id)
            return True, label(screen.lang, "card_refreshed")
        case "menu:help":
            await menus.show_help(screen, cfg)
        case "menu:language":
            await language.show_picker(screen)
        case _:
            notice = menus.pointer(data, screen.lang)
            return notice is not None, notice
    return True, None


async def on_callback(
    tx: Effects, settings: Settings, cfg: BotSettings, user: User, query: Mapping[str, Any]
) -> bool:
    del settings
    message = query.get("message")
    chat = message.get("chat") if isinstance(message, Mapping) else None
    if not isinstance(chat, Mapping) or chat.get("id") != user.telegram_id:
        return False  # not a button in the user's chat with the bot
    prof = await profile.load(tx.conn, user.id)
    screen = Screen(tx, user.telegram_id, prof.lang, message_id_of(query))
    data = query.get("data")
    handled, notice = (False, None)
    if isinstance(data, str):
        handled, notice = await _route(screen, cfg, user, prof, data)
    if not handled:
        notice = label(prof.lang, "stale_button")
    params: dict[str, Any] = {"callback_query_id": query["id"]}
    if notice:
        params["text"] = notice
    await tx.send("answerCallbackQuery", user.telegram_id, **params)
    return True
