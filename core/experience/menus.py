"""The main menu and help: quick actions as inline buttons.

Buy, history and billing belong to billing: their payloads are declared in
core.dispatch.menu, and billing's router handles them.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import i18n
from core.accounts import ledger
from core.dispatch.callback_data import CallbackData
from core.dispatch.menu import OpenBillingPortal, OpenCatalog, OpenHistory
from core.dispatch.screens import Screen
from core.experience import texts
from core.i18n import Html, label
from core.platform.bot_settings import BotSettings
from core.telegram.markup import Keyboard, button, keyboard


@dataclass(frozen=True)
class ShowMenu(CallbackData, prefix="menu:main"):
    """The menu, in place of the message the button is on."""


@dataclass(frozen=True)
class OpenMenu(CallbackData, prefix="menu:open"):
    """The menu as a new message (from the welcome, which stays)."""


@dataclass(frozen=True)
class ShowBalance(CallbackData, prefix="menu:balance"):
    pass


@dataclass(frozen=True)
class ShowHelp(CallbackData, prefix="menu:help"):
    pass


@dataclass(frozen=True)
class PickLanguage(CallbackData, prefix="menu:language"):
    pass


def until_text(balance: ledger.Balance) -> str:
    assert balance.pass_expires_at is not None
    return f"{balance.pass_expires_at:%Y-%m-%d %H:%M} UTC"


def status_line(balance: ledger.Balance, cfg: BotSettings, lang: str) -> Html:
    if balance.pass_active:
        return texts.pass_line(until_text(balance), lang=lang)
    return texts.balance_line(balance.credits, cfg.message_cost, lang=lang)


def menu_markup(lang: str) -> Keyboard:
    return keyboard(
        [button(label(lang, "btn_balance"), ShowBalance().pack()),
         button(label(lang, "btn_buy"), OpenCatalog().pack())],
        [button(label(lang, "btn_history"), OpenHistory().pack()),
         button(label(lang, "btn_billing"), OpenBillingPortal().pack())],
        [button(label(lang, "btn_help"), ShowHelp().pack()),
         button(label(lang, "btn_language"), PickLanguage().pack())],
    )


def back_to_menu(lang: str) -> Keyboard:
    return keyboard([button(label(lang, "btn_menu"), ShowMenu().pack())])


async def show_menu(screen: Screen, cfg: BotSettings, user_id: int) -> None:
    balance = await ledger.lock_balance(screen.tx.conn, user_id)
    text = i18n.t(screen.lang, "menu_title", status=status_line(balance, cfg, screen.lang))
    await screen.show(text, menu_markup(screen.lang))


async def show_help(screen: Screen, cfg: BotSettings) -> None:
    await screen.show(texts.help_text(lang=screen.lang, cost=cfg.message_cost),
                      back_to_menu(screen.lang))

