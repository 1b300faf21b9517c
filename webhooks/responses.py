"""The ingress's answers: JSON bodies with a specific reason, never a stack trace."""

from __future__ import annotations

from aiohttp import web


def ok(**extra: object) -> web.Response:
    return web.json_response({"ok": True, **extra})


def refuse(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)
