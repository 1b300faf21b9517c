"""The user experience around messaging: onboarding, menus, balance card, language, reset.

Called by the messaging worker inside the update's transaction; returns True
when it handled the command or callback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.bot_settings import BotSettings
from core.config import Settings
from core.effects import Effects
from core.updates import Command
from core.users import User


async def on_command(
    tx: Effects, settings: Settings, cfg: BotSettings, user: User, command: Command
) -> bool:
    del tx, settings, cfg, user, command
    return False


async def on_callback(
    tx: Effects, settings: Settings, cfg: BotSettings, user: User, query: Mapping[str, Any]
) -> bool:
    del tx, settings, cfg, user, query
    return False
