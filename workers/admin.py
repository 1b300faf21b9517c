"""The ``admin`` queue: the control center (core.admin), and Telegram's word
that an admin group moved to a new id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from procrastinate import App

from core.admin import campaign_id_lists, desk_inline, desk_reply_files, intake
from core.delivery import chat_migrations, engine
from core.delivery.effects import Effects
from core.desk import reports
from core.jobs.processed import Source
from core.jobs.queues import Task
from core.jobs.routing import migration_of
from core.platform import bot_settings
from workers.runtime import Container, apply_once, job

log = structlog.get_logger(__name__)


async def handle_update(c: Container, update: Mapping[str, Any], *, handed_over: bool = False) -> None:
    """``handed_over``: an operator's answer to a question, passed on by the messaging
    worker, which recorded the update itself (see core.admin.pending)."""
    message = update.get("message")
    if c.sandbox is not None and isinstance(message, Mapping) and not migration_of(update):
        # Sandbox only: the stand-in Telegram learns the chat and message it answers in.
        await c.sandbox.record_incoming(message)

    async def effects(tx: Effects) -> None:
        moved = migration_of(update)
        if moved is not None:
            # The group became a supergroup: conversations and waiting calls follow it,
            # and the calls moved go out after commit like this job's own.
            recorded = await chat_migrations.record(tx.conn, *moved, c.hooks)
            tx.outbox_ids.extend(recorded.outbox_ids)
            c.settings.live_admin_groups.learn(moved[0], recorded.new_chat_id)
            return
        cfg = await bot_settings.load(tx.conn)
        callback = update.get("callback_query")
        inline = update.get("inline_query")
        if isinstance(inline, Mapping):
            await desk_inline.on_inline_query(tx, c.settings, inline)
        elif isinstance(update.get("chosen_inline_result"), Mapping):
            pass  # the chosen result posts !name in the topic, which does the work
        elif isinstance(callback, Mapping):
            await intake.on_callback(tx, c.settings, cfg, callback)
        elif isinstance(message, Mapping):
            await intake.on_message(tx, c.settings, cfg, message, c.settings.admin_group_ids)

    if handed_over:
        await apply_once(c, Source.INTERNAL, f"answer:{update['update_id']}", effects)
    else:
        await apply_once(c, Source.TELEGRAM, str(update["update_id"]), effects)


def register(app: App, c: Container) -> None:
    @job(app, c, Task.ADMIN_UPDATE, bind=lambda a: {"update_id": a["update"].get("update_id")})
    async def admin_update(c: Container, update: dict[str, Any], handed_over: bool = False) -> None:
        await handle_update(c, update, handed_over=handed_over)

    @job(app, c, Task.ADMIN_DESK_REPORT)
    async def desk_report(c: Container, request: dict[str, Any]) -> None:
        async def deliver(ids: list[int]) -> None:
            await engine.deliver(c.courier, ids)

        await reports.run(c.pool, c.methods, deliver, reports.Request.of(request))

    @job(app, c, Task.ADMIN_DESK_IMPORT)
    async def desk_import(c: Container, **args: Any) -> None:
        async def effects(tx: Effects) -> None:
            await desk_reply_files.run_import(tx, c.settings, c.courier.gateway, args)

        await apply_once(c, Source.INTERNAL, f"desk_import:{args['file_id']}:{args['operator_id']}", effects)

    @job(app, c, Task.ADMIN_CAMPAIGN_IDS)
    async def campaign_ids(c: Container, **args: Any) -> None:
        async def effects(tx: Effects) -> None:
            await campaign_id_lists.run(tx, c.settings, c.courier.gateway, args)

        # Once per command: a retried job finds its list and preview made.
        key = f"campaign_ids:{args['chat_id']}:{args['message_id']}:{args['operator_id']}"
        await apply_once(c, Source.INTERNAL, key, effects)
