"""The ``admin`` queue: the control center driven from the admin group, and
Telegram's word that an admin group moved to a new id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from procrastinate import App

from core.delivery import chat_migrations
from core.delivery.effects import Effects
from core.jobs.processed import Source
from core.jobs.queues import Task
from core.jobs.routing import migration_of
from workers.runtime import Container, apply_once, job

log = structlog.get_logger(__name__)


async def handle_update(c: Container, update: Mapping[str, Any]) -> None:
    async def effects(tx: Effects) -> None:
        callback = update.get("callback_query")
        if isinstance(callback, Mapping):
            await tx.send(
                "answerCallbackQuery", callback["from"]["id"], callback_query_id=callback["id"]
            )
        moved = migration_of(update)
        if moved is not None:
            # The group became a supergroup: conversations and waiting calls follow it,
            # and the calls moved go out after commit like this job's own.
            recorded = await chat_migrations.record(tx.conn, *moved, c.hooks)
            tx.outbox_ids.extend(recorded.outbox_ids)
            c.settings.admin_groups.learn(moved[0], recorded.new_chat_id)

    await apply_once(c, Source.TELEGRAM, str(update["update_id"]), effects)


def register(app: App, c: Container) -> None:
    @job(app, c, Task.ADMIN_UPDATE, bind=lambda a: {"update_id": a["update"].get("update_id")})
    async def admin_update(c: Container, update: dict[str, Any]) -> None:
        await handle_update(c, update)
