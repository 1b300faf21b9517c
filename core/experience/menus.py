"""The main menu and help: quick actions as inline buttons.

Buy, history and billing belong to payments; their buttons carry
``menu:buy``, ``menu:history`` and ``menu:billing``, which the purchases code
is asked about first. Where it does not handle them, the answer points to the
command instead of leaving the button dead.
"""

from __future__ import annotations

from core import i18n
from core.accounts import ledger
from core.dispatch.screens import Keyboard, Screen, button, keyboard
from core.i18n import Html, label
from core.platform.bot_settings import BotSettings
from core.relay import texts

MENU = "menu:main"  # shown in place of the message the button is on
OPEN_MENU = "menu:open"  # shown as a new message (from the welcome, which stays)
POINTERS = {"menu:buy": "menu_pointer_buy", "menu:history": "menu_pointer_history",
            "menu:billing": "menu_pointer_billing"}


def until_text(balance: ledger.Balance) -> str:
    assert balance.pass_expires_at is not None
    return f"{balance.pass_expires_at:%Y-%m-%d %H:%M} UTC"


def status_line(balance: ledger.Balance, cfg: BotSettings, lang: str) -> Html:
    if balance.pass_active:
        return texts.pass_line(until_text(balance), lang=lang)
    return texts.balance_line(balance.credits, cfg.message_cost, lang=lang)


def menu_markup(lang: str) -> Keyboard:
    return keyboard(
        [button(label(lang, "btn_balance"), "menu:balance"), button(label(lang, "btn_buy"), "menu:buy")],
        [button(label(lang, "btn_history"), "menu:history"),
         button(label(lang, "btn_billing"), "menu:billing")],
        [button(label(lang, "btn_help"), "menu:help"),
         button(label(lang, "btn_language"), "menu:language")],
    )


def back_to_menu(lang: str) -> Keyboard:
    return keyboard([button(label(lang, "btn_menu"), MENU)])


async def show_menu(screen: Screen, cfg: BotSettings, user_id: int) -> None:
    balance = await ledger.lock_balance(screen.tx.conn, user_id)
    text = i18n.t(screen.lang, "menu_title", status=status_line(balance, cfg, screen.lang))
    await screen.show(text, menu_markup(screen.lang))


async def show_help(screen: Screen, cfg: BotSettings) -> None:
    await screen.show(texts.help_text(lang=screen.lang, cost=cfg.message_cost),
                      back_to_menu(screen.lang))


def pointer(data: str, lang: str) -> str | None:
    """The notice for a payments button nothing else handled: which command to send."""
    key = POINTERS.get(data)
    return None if key is None else label(lang, key)
