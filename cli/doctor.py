"""``doctor``: check a deployment end to end and say what is wrong and how to fix it.

The environment, the database and its migrations, the bot token (``getMe``),
each admin group (a forum, the bot an administrator with the rights the relay
needs), the Stripe key, and the webhook (set to this deployment, without
delivery errors). Exit status 1 when anything failed; warnings alone pass.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import asyncpg
import stripe

from cli.telegram import RECENT_ERROR, WEBHOOK_PATH, healthy
from cli.wiring import CliError, Exit, Invocation
from core.ops import backups, migrations, webhook_status
from core.platform.config import Settings
from core.platform.errors import BotError
from core.telegram.bot_api import BotApi

#: What the relay and the control center need of the bot in an admin group.
RIGHTS = {
    "can_manage_topics": "manage topics (create users' topics, close and reopen them)",
    "can_delete_messages": "delete messages",
    "can_pin_messages": "pin messages (the customer summary)",
}


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    level: Level
    what: str
    detail: str
    fix: str | None = None


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor", help="check the configuration, database, bot, admin groups, Stripe and webhook",
        description="Check everything a deployment needs and print, for each problem, how to fix it. "
                    "Exit status 1 when a check failed (warnings alone exit 0).")
    p.set_defaults(run=doctor)


async def doctor(inv: Invocation) -> int:
    try:
        settings = inv.settings
    except CliError as exc:
        _print(inv, [Finding(Level.FAIL, "environment", str(exc),
                             "fix the variable named, see .env.example")])
        return Exit.FAILED
    findings = _environment(settings)
    try:
        async with inv.connection() as conn:
            findings += await _database(conn, settings, inv.env)
            api = inv.bot_api(conn)
            try:
                findings += await _telegram(api, settings)
                findings += await _webhook(conn, api, settings)
            finally:
                await api.close()
    except CliError as exc:
        findings.append(Finding(Level.FAIL, "database", str(exc),
                                "set DATABASE_URL to a reachable Postgres (postgres://user:pass@host/db)"))
    findings += await _stripe(settings)
    _print(inv, findings)
    return Exit.FAILED if any(f.level is Level.FAIL for f in findings) else Exit.OK


def _print(inv: Invocation, findings: list[Finding]) -> None:
    for f in findings:
        inv.say(f"{f.level.value:<5} {f.what}: {f.detail}")
        if f.fix and f.level is not Level.OK:
            inv.say(f"      fix: {f.fix}")
    failed = sum(f.level is Level.FAIL for f in findings)
    warned = sum(f.level is Level.WARN for f in findings)
    inv.say(f"{failed} problem(s), {warned} warning(s)")


def _environment(s: Settings) -> list[Finding]:
    found = [Finding(Level.OK, "environment", "every variable reads")]
    if s.sandbox:
        found.append(Finding(Level.WARN, "mode", "sandbox: BOT_TOKEN is unset, the stand-in Telegram answers",
                             "set BOT_TOKEN, TELEGRAM_API_ID, TELEGRAM_API_HASH for real Telegram"))
        return found
    if not s.admin_user_ids:
        found.append(Finding(Level.FAIL, "owners",
                             "ADMIN_USER_ID is empty: nobody can run the control center",
                             "set ADMIN_USER_ID to your Telegram id (ask @userinfobot)"))
    if s.metrics_token is None:
        found.append(Finding(Level.WARN, "metrics", "METRICS_TOKEN is unset: GET /metrics answers 403",
                             "set METRICS_TOKEN (16+ characters) and give it to Prometheus as a "
                             "bearer token"))
    return found


async def _database(conn: asyncpg.Connection, s: Settings, env: Mapping[str, str]) -> list[Finding]:
    version = await backups.server_version(conn)
    found = [Finding(Level.OK, "database", f"PostgreSQL {version} answers")]
    try:
        missing = await migrations.pending(conn, sandbox=s.sandbox, env=env)
    except migrations.MigrationsMissing as exc:
        return [*found, Finding(Level.FAIL, "migrations", str(exc), "run from the project's folder")]
    if missing:
        found.append(Finding(Level.FAIL, "migrations",
                             f"{len(missing)} not applied: {', '.join(missing[:4])}",
                             "run `paid-desk migrate`"))
    else:
        found.append(Finding(Level.OK, "migrations", "all applied"))
    return found


async def _telegram(api: BotApi, s: Settings) -> list[Finding]:
    try:
        me = await api.call("getMe")
    except BotError as exc:
        return [Finding(Level.FAIL, "bot token", f"getMe failed: {exc}",
                        "copy the token from @BotFather (/mybots) into BOT_TOKEN")]
    found = [Finding(Level.OK, "bot", f"@{me.get('username')} (id {me.get('id')})")]
    if not s.sandbox and me.get("username") and me["username"].lower() != s.bot_username.lower():
        found.append(Finding(Level.WARN, "bot username", f"BOT_USERNAME is {s.bot_username}, the bot is "
                             f"@{me['username']}: links back after paying go to the wrong bot",
                             f"set BOT_USERNAME={me['username']}"))
    for group in s.admin_group_ids:
        found += await _admin_group(api, group, int(me["id"]), sandbox=s.sandbox)
    return found


async def _admin_group(api: BotApi, group: int, bot_id: int, *, sandbox: bool) -> list[Finding]:
    what = f"admin group {group}"
    try:
        chat = await api.call("getChat", {"chat_id": group})
        member = await api.call("getChatMember", {"chat_id": group, "user_id": bot_id})
    except BotError as exc:
        if sandbox:
            return [Finding(Level.WARN, what, f"not there yet ({exc})",
                            "start a worker (./scripts/run): the stand-in Telegram creates the group")]
        return [Finding(Level.FAIL, what, f"not reachable: {exc}",
                        "add the bot to the group, and check ADMIN_GROUP_ID (-100...)")]
    problems = []
    if chat.get("type") != "supergroup" or not chat.get("is_forum"):
        problems.append(Finding(Level.FAIL, what, f"“{chat.get('title')}” is not a forum: users' topics "
                                "cannot be created", "turn on Topics in the group's settings"))
    if member.get("status") != "administrator":
        problems.append(Finding(Level.FAIL, what, f"the bot is {member.get('status')}, not an administrator",
                                "make the bot an administrator of the group"))
    else:
        missing = [text for right, text in RIGHTS.items() if not member.get(right)]
        if missing:
            problems.append(Finding(Level.FAIL, what, "the bot may not " + "; ".join(missing),
                                    "give the bot these administrator rights in the group"))
    return problems or [Finding(Level.OK, what, f"“{chat.get('title')}”: a forum, the bot an administrator "
                                "with the rights it needs")]


async def _webhook(conn: asyncpg.Connection, api: BotApi, s: Settings) -> list[Finding]:
    status = await webhook_status.check(conn, api)
    if status.check_error is not None:
        return [Finding(Level.FAIL, "webhook", f"getWebhookInfo failed: {status.check_error}")]
    expected = f"{s.webhook_url}{WEBHOOK_PATH}" if s.webhook_url else None
    found = []
    if expected is None:
        level = Level.WARN if s.sandbox else Level.FAIL
        found.append(Finding(level, "WEBHOOK_URL", "unset: Telegram cannot be pointed at this deployment",
                             "set WEBHOOK_URL to the web process's public https:// address"))
    if not status.url:
        found.append(Finding(Level.WARN if s.sandbox else Level.FAIL, "webhook",
                             "not set: Telegram posts updates nowhere", "run `paid-desk set-webhook`"))
    elif expected is not None and status.url != expected:
        found.append(Finding(Level.FAIL, "webhook", f"points at {status.url}, not {expected}",
                             "run `paid-desk set-webhook`"))
    elif not healthy(status):
        minutes = int(RECENT_ERROR.total_seconds() // 60)
        found.append(Finding(Level.WARN, "webhook", f"Telegram failed to deliver within {minutes} min: "
                             f"{status.last_error_message} ({status.pending_update_count} pending)",
                             "check that the web process answers on WEBHOOK_URL (GET /ready)"))
    else:
        pending = status.pending_update_count or 0
        found.append(Finding(Level.OK, "webhook", f"{status.url}, {pending} pending"))
    return found


async def _stripe(s: Settings) -> list[Finding]:
    if s.fake_stripe:
        return [Finding(Level.OK, "Stripe", "sandbox: the fake Stripe in the web process stands in")]
    if s.stripe_api_key is None:
        return [Finding(Level.WARN, "Stripe", "STRIPE_API_KEY is unset: card payments are off (Stars only)",
                        "set STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET to take cards")]
    http = stripe.AIOHTTPClient(timeout=15)
    client = stripe.StripeClient(s.stripe_api_key, http_client=http,
                                 base_addresses={"api": s.stripe_api_base} if s.stripe_api_base else None)
    try:
        await client.v1.balance.retrieve_async()
    except stripe.AuthenticationError:
        return [Finding(Level.FAIL, "Stripe", "the key was refused",
                        "copy a secret or restricted key from the Stripe dashboard into STRIPE_API_KEY")]
    except stripe.PermissionError:
        return [Finding(Level.OK, "Stripe", "the restricted key works (it may not read the balance)")]
    except stripe.StripeError as exc:
        return [Finding(Level.FAIL, "Stripe", f"not reachable: {exc.user_message or type(exc).__name__}")]
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]
    mode = "test" if s.stripe_api_key.startswith(("sk_test_", "rk_test_")) else "live"
    return [Finding(Level.OK, "Stripe", f"the key works ({mode} mode)")]
