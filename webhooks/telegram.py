"""POST /webhooks/telegram: verify, route, record durably, answer."""

from __future__ import annotations

import json
import secrets

import structlog
from aiohttp import web

from core.jobs.routing import migration_of, route_update
from core.platform.errors import BadInput, DatabaseUnavailable
from webhooks.deps import DEPS, MAX_BODY_BYTES
from webhooks.responses import ok, refuse

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def receive_update(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    token = request.headers.get(SECRET_HEADER, "")
    if not secrets.compare_digest(token.encode(), deps.settings.webhook_secret.encode()):
        return refuse(401, f"missing or wrong {SECRET_HEADER}")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return refuse(413, f"update larger than {MAX_BODY_BYTES} bytes")
    try:
        update = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return refuse(400, "body is not valid JSON")
    if not isinstance(update, dict):
        return refuse(400, "an update must be a JSON object")
    try:
        job = route_update(update, deps.settings.admin_group_ids, deps.operator_commands)
    except BadInput as exc:
        return refuse(400, str(exc))
    if job is None:
        return ok(ignored=True)
    try:
        await deps.recorder.record(job)
    except DatabaseUnavailable:
        log.warning("update not recorded: database unavailable", update_id=update["update_id"])
        return refuse(503, "database unavailable, retry later")
    moved = migration_of(update)
    if moved is not None and deps.settings.live_admin_groups.learn(*moved):
        # The new group's next updates are an admin group's, here at once; the
        # admin worker records the move for the other processes.
        log.info("admin group migrated", old_chat_id=moved[0], new_chat_id=moved[1])
    return ok()
