"""Pyrogram's raw TL namespace, as the fake uses it: deliberately loosely typed.

``pyrogram.raw``'s packages import their thousand classes without re-exporting
them, which strict mypy (no implicit re-export) rejects one name at a time.
The fake's MTProto objects are checked where it counts instead: every request
and every answer goes through TL bytes and back (``client._wire``), which fails
on a missing field or a wrong type just as Telegram's server would.
"""

from __future__ import annotations

from typing import Any

from pyrogram import raw as _raw

raw: Any = _raw
