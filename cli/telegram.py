"""``set-webhook`` and ``webhook-info``: the webhook Telegram posts updates to."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cli.wiring import CliError, Exit, Invocation
from core.jobs.routing import HANDLED
from core.ops import webhook_status
from core.ops.webhook_status import WebhookStatus
from core.platform.errors import BotError

#: Where the ingress takes Telegram's updates, under WEBHOOK_URL.
WEBHOOK_PATH = "/webhooks/telegram"
#: A delivery error Telegram reported more recently than this needs attention.
RECENT_ERROR = timedelta(minutes=15)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "set-webhook", help="point Telegram's webhook at this deployment",
        description="Call setWebhook with $WEBHOOK_URL/webhooks/telegram, the secret "
                    "(TELEGRAM_WEBHOOK_SECRET), the update types the ingress routes and max_connections; "
                    "then show what Telegram reports.")
    p.add_argument("--url", help="the full webhook URL (default: $WEBHOOK_URL/webhooks/telegram)")
    p.add_argument("--max-connections", type=int, default=40, metavar="N",
                   help="parallel connections Telegram may open, 1-100 (default 40)")
    p.add_argument("--drop-pending-updates", action="store_true",
                   help="discard the updates Telegram holds for the old webhook")
    p.set_defaults(run=set_webhook)

    p = sub.add_parser(
        "webhook-info", help="what Telegram says about the webhook",
        description="Call getWebhookInfo and record the answer where /metrics reads it. Exit status 3 "
                    f"when no webhook is set or Telegram reported a delivery error in the last "
                    f"{int(RECENT_ERROR.total_seconds() // 60)} minutes.")
    p.add_argument("--json", action="store_true", help="print Telegram's WebhookInfo object as JSON")
    p.set_defaults(run=webhook_info)


async def set_webhook(inv: Invocation) -> int:
    settings = inv.settings
    args = inv.args
    url = args.url or (f"{settings.webhook_url}{WEBHOOK_PATH}" if settings.webhook_url else None)
    if url is None:
        raise CliError("WEBHOOK_URL is not set: set it to the public https:// address of the web "
                       "process, or pass --url", Exit.USAGE)
    if not url.startswith("https://"):
        raise CliError(f"{url} is not an https:// URL: Telegram only calls HTTPS webhooks", Exit.USAGE)
    if not 1 <= args.max_connections <= 100:
        raise CliError("--max-connections must be between 1 and 100", Exit.USAGE)
    params: dict[str, Any] = {
        "url": url, "secret_token": settings.webhook_secret, "max_connections": args.max_connections,
        "allowed_updates": list(HANDLED), "drop_pending_updates": args.drop_pending_updates,
    }
    async with inv.connection() as conn:
        api = inv.bot_api(conn)
        try:
            await api.call("setWebhook", params)
            status = await webhook_status.check(conn, api)
        except BotError as exc:
            raise CliError(f"Telegram refused setWebhook: {exc}") from None
        finally:
            await api.close()
    inv.say(f"webhook set: {url}")
    inv.say(f"  max_connections {args.max_connections}; updates: {', '.join(HANDLED)}")
    _show(inv, status)
    return Exit.OK


async def webhook_info(inv: Invocation) -> int:
    async with inv.connection() as conn:
        api = inv.bot_api(conn)
        try:
            status = await webhook_status.check(conn, api)
        finally:
            await api.close()
    if status.check_error is not None:
        raise CliError(f"getWebhookInfo failed: {status.check_error}")
    if inv.args.json:
        inv.say(json.dumps(status.raw, indent=2, sort_keys=True))
    else:
        _show(inv, status)
    return Exit.OK if healthy(status) else Exit.REFUSED


def healthy(status: WebhookStatus) -> bool:
    if not status.url:
        return False
    if status.last_error_at is None:
        return True
    return datetime.now(UTC) - status.last_error_at > RECENT_ERROR


def _show(inv: Invocation, status: WebhookStatus) -> None:
    inv.say(f"url: {status.url or '(none: Telegram does not post updates anywhere)'}")
    inv.say(f"pending updates: {status.pending_update_count or 0}")
    if status.max_connections:
        inv.say(f"max connections: {status.max_connections}")
    if status.allowed_updates:
        inv.say(f"allowed updates: {', '.join(status.allowed_updates)}")
    if status.last_error_at is not None:
        when = status.last_error_at.isoformat(timespec="seconds")
        inv.say(f"last error: {when}: {status.last_error_message}")
    else:
        inv.say("last error: none reported")
