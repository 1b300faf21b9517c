"""What the console page reads: the chats, one chat's messages, the command menu, files,
and the side panel (the same figures /health and the control center read)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import asyncpg
from aiohttp import web

from core.admin import roles
from core.billing import history
from core.delivery.outbox import counts as outbox_counts
from core.jobs import inbox, stalls
from core.jobs.queues import queue_depths
from core.platform.config import Settings
from core.platform.database import connection
from core.sandbox.console import panel, world
from webhooks.console.items import render
from webhooks.console.state import CONSOLE
from webhooks.console.updates import BOT_NAME
from webhooks.responses import refuse

#: The languages offered for a new user: the bot's catalogs, and one it does not speak.
LANGUAGES = [("en", "English"), ("pt-br", "Português (Brasil)"), ("es", "Español"),
             ("uk", "Українська"), ("de", "Deutsch (no catalog: English)")]


#: Images the page shows inline; any other file is offered as a download.
INLINE_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def _int(request: web.Request, name: str, *, required: bool = True) -> int | None:
    raw = request.query.get(name)
    if raw in (None, "") and not required:
        return None
    try:
        return int(raw or "")
    except ValueError:
        raise web.HTTPBadRequest(
            text=f'{{"ok": false, "error": "{name} must be an integer"}}', content_type="application/json",
        ) from None


def _preview(p: world.Preview) -> dict[str, Any] | None:
    if p.kind is None:
        return None
    return {"kind": p.kind, "text": (p.text or "")[:80], "from_bot": p.from_bot,
            "at": p.at.isoformat() if p.at else None}


def _name(first: str | None, last: str | None, fallback: object) -> str:
    return " ".join(x for x in (first, last) if x) or str(fallback)


async def operators(settings: Settings, conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Who may write in the admin groups: the owners (ADMIN_USER_ID) and the operators table."""
    owners = settings.admin_user_ids
    names = await world.people(conn, owners)
    found = [{"id": o, "name": names[o].name if o in names and names[o].name != str(o) else f"Owner {o}",
              "username": names[o].username if o in names else None, "role": "owner"} for o in owners]
    found += [{"id": op.telegram_id, "name": op.name, "username": op.username, "role": op.role.value}
              for op in await roles.listed(conn) if op.telegram_id not in owners]
    return found


async def world_view(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    settings = console.settings
    async with connection(console.pool) as conn:
        chats = await world.chats(conn)
        groups = []
        for c in chats:
            if c.type != "supergroup":
                continue
            topics = await world.topics(conn, c.id) if c.is_forum else []
            groups.append({
                "chat_id": c.id, "title": c.title or str(c.id), "is_forum": c.is_forum,
                "admin_group": c.id in settings.admin_group_ids, "last": _preview(c.last),
                "topics": [{"topic_id": t.topic_id, "name": t.name, "icon_color": t.icon_color,
                            "closed": t.closed, "last": _preview(t.last)} for t in topics],
            })
        people = await operators(settings, conn)
    users = [{"chat_id": c.id, "name": _name(c.first_name, c.last_name, c.id), "first_name": c.first_name,
              "last_name": c.last_name, "username": c.username, "language_code": c.language_code,
              "blocked": c.blocked, "last": _preview(c.last)}
             for c in chats if c.type == "private" and c.id != console.model.bot_id]
    return web.json_response({
        "bot": {"id": console.model.bot_id, "name": BOT_NAME, "username": settings.bot_username},
        "users": users, "groups": groups, "operators": people,
        "languages": [{"code": code, "name": name} for code, name in LANGUAGES],
    })


async def chat_view(request: web.Request) -> web.Response:
    """GET /sandbox/chat?chat_id=&thread_id=&before=: both sides of a chat (or topic), oldest first."""
    console = request.app[CONSOLE]
    chat_id = _int(request, "chat_id")
    assert chat_id is not None
    thread_id = _int(request, "thread_id", required=False)
    before = _int(request, "before", required=False)
    async with connection(console.pool) as conn:
        found = await world.messages(conn, chat_id, thread_id, before=before, limit=world.PAGE + 1)
        more = len(found) > world.PAGE
        shown = found[1:] if more else found
        staff = {p["id"]: p["name"] for p in await operators(console.settings, conn)}
        items = await render(conn, shown, bot_name=BOT_NAME, names=staff)
    return web.json_response({"chat_id": chat_id, "thread_id": thread_id, "messages": items, "more": more})


async def commands_view(request: web.Request) -> web.Response:
    """GET /sandbox/commands?chat_id=&from_id=: the bot's menu there, as a Telegram client lists it."""
    console = request.app[CONSOLE]
    chat_id = _int(request, "chat_id")
    assert chat_id is not None
    from_id = _int(request, "from_id", required=False) or chat_id
    async with connection(console.pool) as conn:
        staff = {p["id"] for p in await operators(console.settings, conn)}
    language = await console.model.language_of(from_id)
    listed = await console.model.commands_shown(chat_id, from_id, language, administrator=from_id in staff)
    return web.json_response({"commands": listed})


async def file_view(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    stored = await console.model.file(request.match_info["unique_id"])
    if stored is None:
        return refuse(404, "no such file in the sandbox")
    headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
    if stored.mime_type not in INLINE_IMAGES:
        # Shown as a download, never rendered in the console's origin (an SVG or HTML could script it).
        name = stored.file_name or "file"
        plain = name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
        disposition = f'attachment; filename="{plain}"'
        if plain != name:  # RFC 6266: the real name, UTF-8, for browsers that read it
            disposition += f"; filename*=UTF-8''{quote(name)}"
        headers["Content-Disposition"] = disposition
    return web.Response(body=stored.content, content_type=stored.mime_type, headers=headers)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def panel_view(request: web.Request) -> web.Response:
    """GET /sandbox/panel?chat_id=&thread_id=: the user behind the chat (or topic), and the system."""
    console = request.app[CONSOLE]
    chat_id = _int(request, "chat_id")
    assert chat_id is not None
    thread_id = _int(request, "thread_id", required=False)
    async with connection(console.pool) as conn:
        telegram_id = chat_id if chat_id > 0 else (
            await panel.topic_user(conn, chat_id, thread_id) if thread_id is not None else None)
        user = await panel.bot_user(conn, telegram_id) if telegram_id is not None else None
        ledger: list[dict[str, Any]] = []
        summary = None
        if user is not None:
            entries, _ = await history.page(conn, user.id, 0)
            ledger = [{"at": _iso(e.at), "kind": e.kind, "change": e.change, "balance_after": e.balance_after,
                       "reason": e.reason, "rail": e.rail} for e in entries]
            s = await history.summary(conn, user.id)
            summary = {"bought": s.credits_bought, "spent": s.credits_spent, "messages": s.messages_sent}
        depths = await queue_depths(conn)
        undelivered = await outbox_counts(conn)
        waiting = await inbox.counts(conn)
        stalled = await stalls.status(conn, console.settings.stalled_after_seconds)
        sends = await panel.sends(conn, chat_id)
        keys, rates, bursts = console.settings.send_limits.buckets(chat_id, "normal")
        buckets = await panel.budgets(conn, keys, bursts, rates)
    floods = (await console.model.flood_waits(chat_id))[-5:]
    return web.json_response({
        "chat_id": chat_id, "thread_id": thread_id, "telegram_id": telegram_id,
        "user": None if user is None else {
            "telegram_id": user.telegram_id, "credits": user.credits, "tier": user.tier,
            "pass_until": _iso(user.pass_expires_at), "banned": user.is_banned,
            "blocked_bot": user.blocked_bot, "language": user.language,
            "tutorial": "done" if user.tutorial_completed else f"step {user.tutorial_step}",
            "since": _iso(user.created_at)},
        "summary": summary, "ledger": ledger,
        "queues": {d.queue: {"todo": d.todo, "doing": d.doing, "failed": d.failed} for d in depths},
        "inbox": waiting, "outbox": undelivered,
        "stalled": {"jobs": stalled.stalled_jobs, "live_workers": stalled.live_workers},
        "sends": [{"id": s.id, "method": s.method, "status": s.status, "attempts": s.attempts,
                   "error": s.last_error, "at": _iso(s.created_at)} for s in sends],
        "budgets": [{"key": b.key, "available": round(b.available, 2), "burst": b.burst,
                     "rate": round(b.rate, 3), "blocked_until": _iso(b.blocked_until)} for b in buckets],
        "flood_waits": [{"seconds": f.seconds, "at": _iso(f.at), "messages": f.messages} for f in floods],
    })
