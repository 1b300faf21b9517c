"""The operator CLI (``paid-desk``), each command against the embedded Postgres.

Commands run in-process through ``cli.main.run`` with the test database's
environment (sandbox mode: the stand-in Telegram answers the Bot API), except
where the console script itself is what is tested.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cli.main import run
from core.platform.config import SANDBOX_ADMIN_GROUP_ID
from tests import builders
from tests.acceptance.conftest import assert_ledger_invariant
from tests.builders import MARIA, OWNER, Person
from tests.conftest import ROOT, PgServer, _admin
from tests.harness import System, free_port, running_system

ANA = Person(5550001, "Ana", "Lima", "ana_l", "en")


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result({self.code}, out={self.out!r}, err={self.err!r})"


async def cli(env: Mapping[str, str], *argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = await run(list(argv), env=dict(env), out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def env(database_url: str, pg_server: PgServer) -> dict[str, str]:
    # psql and the Postgres tools on PATH as the tests have them; sandbox mode.
    return {"DATABASE_URL": database_url, "PATH": pg_server.env.get("PATH", ""), "LOG_FORMAT": "console"}


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[System]:
    async with running_system(database_url) as running:
        yield running
        await assert_ledger_invariant(running.pool)


# --- help and exit statuses ---


def test_the_console_script_is_installed_and_every_command_has_help() -> None:
    script = Path(sys.executable).parent / "paid-desk"
    assert script.is_file(), "pyproject.toml declares the paid-desk console script"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0
    commands = ["set-webhook", "webhook-info", "doctor", "migrate", "operator", "credits", "export", "backup",
                "restore", "stripe-reconcile"]
    for command in commands:
        assert command in done.stdout
    assert "exit status" in done.stdout


async def test_each_command_answers_help_and_a_usage_error_is_status_2() -> None:
    for command in (["set-webhook"], ["webhook-info"], ["doctor"], ["migrate"], ["operator", "add"],
                    ["credits"], ["export"], ["backup"], ["restore"]):
        assert (await cli({}, *command, "--help")).code == 0, command
    assert (await cli({}, "credits")).code == 2
    assert (await cli({}, "no-such-command")).code == 2
    bad = await cli({"PORT": "eighty"}, "operator", "list")
    assert bad.code == 2
    assert "PORT must be an integer" in bad.err


# --- migrate ---


async def test_migrate_brings_an_empty_database_up_to_date_once(pg_server: PgServer) -> None:
    name = f"paid_desk_cli_{uuid.uuid4().hex[:8]}"
    await _admin(pg_server, f'CREATE DATABASE "{name}"')
    try:
        env = {"DATABASE_URL": pg_server.url_for(name), "PATH": pg_server.env["PATH"],
               "BOT_TOKEN": "123456:ABCdefGhIJKlmNoPQRstuVWXyz012345678", "TELEGRAM_API_ID": "1",
               "TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef", "TELEGRAM_WEBHOOK_SECRET": "s",
               "ADMIN_GROUP_ID": "-1001500000001"}
        first = await cli(env, "migrate")
        assert first.code == 0, first
        assert "applied 0021_operations.sql" in first.out
        # With a bot token, production's migrations only.
        assert "sandbox/" not in first.out
        again = await cli(env, "migrate")
        assert (again.code, "(0 applied)" in again.out) == (0, True)
        conn = await asyncpg.connect(pg_server.url_for(name))
        try:
            applied = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        finally:
            await conn.close()
        on_disk = {p.name for p in (ROOT / "sql" / "migrations").glob("[0-9]*.sql")}
        assert applied == on_disk
    finally:
        await _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the webhook ---


async def test_set_webhook_points_telegram_at_the_deployment_with_the_secret(
    env: dict[str, str], db_pool: asyncpg.Pool
) -> None:
    unset = await cli(env, "webhook-info")
    assert unset.code == 3, unset  # no webhook: needs attention
    missing = await cli(env, "set-webhook")
    assert (missing.code, "WEBHOOK_URL is not set" in missing.err) == (2, True)
    assert (await cli(env, "set-webhook", "--url", "http://plain.example/x")).code == 2

    done = await cli({**env, "WEBHOOK_URL": "https://desk.example"}, "set-webhook", "--max-connections", "60")
    assert done.code == 0, done
    assert "webhook set: https://desk.example/webhooks/telegram" in done.out
    hook = await db_pool.fetchrow("SELECT * FROM sandbox_webhook")
    assert (hook["url"], hook["secret_token"], hook["max_connections"]) == (
        "https://desk.example/webhooks/telegram", "sandbox-secret", 60)
    assert list(hook["allowed_updates"]) == ["message", "edited_message", "callback_query",
                                             "pre_checkout_query", "my_chat_member", "inline_query",
                                             "chosen_inline_result"]

    info = await cli(env, "webhook-info")
    assert info.code == 0, info
    assert "url: https://desk.example/webhooks/telegram" in info.out
    # Recorded where /metrics reads it.
    assert await db_pool.fetchval("SELECT info->>'url' FROM telegram_webhook_status") == hook["url"]

    await db_pool.execute("UPDATE sandbox_webhook SET pending_update_count = 12, last_error_at = now(),"
                          " last_error_message = 'Wrong response from the webhook: 503'")
    troubled = await cli(env, "webhook-info", "--json")
    assert troubled.code == 3
    assert '"pending_update_count": 12' in troubled.out


# --- doctor ---


async def test_doctor_in_sandbox_passes_with_warnings_and_names_a_group_without_topics(
    env: dict[str, str], system: System
) -> None:
    await system.model.ensure_chat(SANDBOX_ADMIN_GROUP_ID, title="Support desk", is_forum=True)
    ok = await cli(env, "doctor")
    assert ok.code == 0, ok
    assert "ok    database: PostgreSQL" in ok.out
    assert "ok    migrations: all applied" in ok.out
    assert "ok    bot: @paid_desk_bot" in ok.out
    assert f"ok    admin group {SANDBOX_ADMIN_GROUP_ID}" in ok.out
    assert "warn  mode: sandbox" in ok.out

    await system.pool.execute("UPDATE sandbox_chats SET is_forum = false WHERE id = $1",
                              SANDBOX_ADMIN_GROUP_ID)
    await system.pool.execute("DELETE FROM schema_migrations WHERE name = '0021_operations.sql'")
    bad = await cli(env, "doctor")
    assert bad.code == 1
    assert "FAIL  migrations: 1 not applied: 0021_operations.sql" in bad.out
    assert "fix: run `paid-desk migrate`" in bad.out
    assert "is not a forum" in bad.out
    assert "fix: turn on Topics in the group's settings" in bad.out


class FakeBotApi:
    """Telegram's Bot API over HTTP, as much of it as doctor asks."""

    def __init__(self, rights: Mapping[str, bool], webhook_url: str) -> None:
        self.rights = rights
        self.webhook_url = webhook_url
        self.calls: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        self.calls.append(method)
        if token != "123456:ABCdefGhIJKlmNoPQRstuVWXyz012345678":
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"},
                                     status=401)
        body = await request.json()
        result: Any = {
            "getMe": {"id": 123456, "is_bot": True, "first_name": "Desk", "username": "desk_bot"},
            "getChat": {"id": body.get("chat_id"), "type": "supergroup", "title": "Desk", "is_forum": True},
            "getChatMember": {"status": "administrator", "user": {"id": 123456}, **self.rights},
            "getWebhookInfo": {"url": self.webhook_url, "pending_update_count": 0,
                               "has_custom_certificate": False},
        }[method]
        return web.json_response({"ok": True, "result": result})


async def test_doctor_with_a_real_token_checks_the_bots_rights_and_the_webhook(
    env: dict[str, str]
) -> None:
    fake = FakeBotApi({"can_manage_topics": True, "can_delete_messages": True, "can_pin_messages": False},
                      "https://old.example/webhooks/telegram")
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake.handle)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    real = {**env, "BOT_TOKEN": "123456:ABCdefGhIJKlmNoPQRstuVWXyz012345678", "TELEGRAM_API_ID": "1",
            "TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef", "TELEGRAM_WEBHOOK_SECRET": "s3cret",
            "ADMIN_GROUP_ID": "-1001500000001", "ADMIN_USER_ID": "42", "WEBHOOK_URL": "https://desk.example",
            "BOT_USERNAME": "desk_bot", "TELEGRAM_BOT_API_URL": str(server.make_url("")).rstrip("/")}
    try:
        found = await cli(real, "doctor")
    finally:
        await server.close()
    assert found.code == 1, found
    assert "ok    bot: @desk_bot (id 123456)" in found.out
    assert "FAIL  admin group -1001500000001: the bot may not pin messages" in found.out
    assert ("FAIL  webhook: points at https://old.example/webhooks/telegram, not "
            "https://desk.example/webhooks/telegram") in found.out
    assert "warn  metrics: METRICS_TOKEN is unset" in found.out
    assert "warn  Stripe: STRIPE_API_KEY is unset" in found.out
    assert {"getMe", "getChat", "getChatMember", "getWebhookInfo"} <= set(fake.calls)


# --- operators and credits ---


async def test_operator_add_list_remove_are_audited_and_refuse_owners(
    env: dict[str, str], system: System
) -> None:
    await system.write(builders.private_text(ANA, "/start"))
    added = await cli(env, "operator", "add", "@ana_l", "agent")
    assert added.code == 0, added
    assert added.out.strip() == f"Ana Lima ({ANA.id}): not an operator -> agent"
    assert await system.pool.fetchval("SELECT role FROM operators WHERE telegram_id = $1", ANA.id) == "agent"
    audit = await system.pool.fetchrow("SELECT * FROM admin_audit WHERE action = 'operator.set_role'")
    assert (audit["operator_id"], audit["target"], audit["after"]) == (0, str(ANA.id), {"role": "agent"})
    # Her command menu goes out through the outbox, delivered by a messaging worker.
    await system.drain()
    menu = await system.pool.fetchrow("SELECT * FROM outbox WHERE method = 'setMyCommands' AND chat_id = $1",
                                      ANA.id)
    assert menu is not None
    assert menu["status"] == "sent"

    again = await cli(env, "operator", "add", str(ANA.id), "agent")
    assert (again.code, again.out.strip()) == (0, f"Ana Lima ({ANA.id}) is agent already")
    listed = await cli(env, "operator", "list", "--json")
    assert listed.code == 0
    assert f'"telegram_id": {OWNER.id}' in listed.out
    assert '"source": "ADMIN_USER_ID"' in listed.out
    assert f'"telegram_id": {ANA.id}, "role": "agent"' in listed.out

    owner = await cli(env, "operator", "remove", str(OWNER.id))
    assert (owner.code, "ADMIN_USER_ID" in owner.err) == (3, True)
    unknown = await cli(env, "operator", "add", "@nobody_here", "admin")
    assert unknown.code == 3
    assert (await cli(env, "operator", "add", "42", "emperor")).code == 2

    removed = await cli(env, "operator", "remove", "@ana_l")
    assert removed.code == 0, removed
    assert await system.pool.fetchval("SELECT count(*) FROM operators") == 0
    assert (await cli(env, "operator", "remove", "@ana_l")).code == 3
    actions = [r["action"] for r in await system.pool.fetch("SELECT action FROM admin_audit ORDER BY id")]
    assert actions == ["operator.set_role", "operator.remove"]


async def test_credits_grant_once_per_key_refuse_overdrafts_and_release_held_messages(
    env: dict[str, str], system: System
) -> None:
    await system.write(builders.private_text(MARIA, "/start"))
    await system.pool.execute("UPDATE bot_settings SET value = '5' WHERE key = 'message_cost'")
    await system.write(builders.private_text(MARIA, "waiting for credits"))
    held = await system.pool.fetchval("SELECT status FROM messages WHERE text = 'waiting for credits'")
    assert held == "held"

    granted = await cli(env, "credits", str(MARIA.id), "+7", "goodwill", "for", "the", "outage",
                        "--key", "outage-42")
    assert granted.code == 0, granted
    assert granted.out.strip() == f"Maria Silva ({MARIA.id}): 3 -> 10 credits (+7)"
    # The held message went through once the grant was in (charged 5).
    await system.drain_scheduled()
    status = await system.pool.fetchval("SELECT status FROM messages WHERE text = 'waiting for credits'")
    assert status == "relayed"
    assert await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", MARIA.id) == 5

    twice = await cli(env, "credits", "@maria_s", "+7", "goodwill", "--key", "outage-42")
    assert (twice.code, "already applied" in twice.out) == (0, True)
    too_much = await cli(env, "credits", str(MARIA.id), "-6", "correction")
    assert (too_much.code, "has 5 credits" in too_much.err) == (3, True)
    taken = await cli(env, "credits", str(MARIA.id), "-5", "correction")
    assert taken.code == 0, taken
    assert (await cli(env, "credits", "999", "+1", "x")).code == 3
    assert (await cli(env, "credits", str(MARIA.id), "7", "x")).code == 2

    ledger = await system.pool.fetch("SELECT reason, delta, idempotency_key FROM credit_ledger ORDER BY id")
    operator_rows = [(r["reason"], r["delta"]) for r in ledger if r["idempotency_key"].startswith("cli:")]
    assert operator_rows == [("operator_grant", 7), ("operator_take", -5)]
    audited = await system.pool.fetch(
        "SELECT after FROM admin_audit WHERE action = 'user.credits' ORDER BY id")
    assert [a["after"] for a in audited] == [{"credits": 10, "reason": "goodwill for the outage"},
                                            {"credits": 0, "reason": "correction"}]


# --- export ---


async def test_export_streams_users_payments_and_ledger_as_csv(env: dict[str, str], system: System) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(ANA, "/start"),
                       builders.private_text(MARIA, "hello"))
    users = await cli(env, "export", "users")
    assert users.code == 0, users
    rows = list(csv.DictReader(io.StringIO(users.out)))
    assert sorted((int(r["telegram_id"]), int(r["credits"])) for r in rows) == [(ANA.id, 3), (MARIA.id, 2)]
    assert "2 users rows" in users.err

    ledger = list(csv.DictReader(io.StringIO((await cli(env, "export", "ledger")).out)))
    assert sorted((int(r["telegram_id"]), int(r["delta"]), r["reason"]) for r in ledger) == sorted([
        (MARIA.id, 3, "signup_bonus"), (ANA.id, 3, "signup_bonus"), (MARIA.id, -1, "message")])
    payments = await cli(env, "export", "payments")
    assert payments.code == 0
    assert payments.out.splitlines()[0].startswith("id,created_at,updated_at,telegram_id,rail,")


# --- backup and restore ---


async def _state(url: str) -> tuple[list[Any], list[Any], list[Any]]:
    conn = await asyncpg.connect(url)
    try:
        balances = [tuple(r) for r in await conn.fetch(
            "SELECT telegram_id, credits, tier, pass_expires_at FROM users ORDER BY telegram_id")]
        ledger = [tuple(r) for r in await conn.fetch("SELECT * FROM credit_ledger ORDER BY id")]
        payments = [tuple(r) for r in await conn.fetch(
            "SELECT id, status, amount, currency, external_id FROM transactions ORDER BY id")]
    finally:
        await conn.close()
    return balances, ledger, payments


async def test_backup_then_restore_into_an_empty_database_gives_the_same_balances_and_ledger(
    env: dict[str, str], system: System, pg_server: PgServer, tmp_path: Path
) -> None:
    await system.write(builders.private_text(MARIA, "/start"), builders.private_text(ANA, "/start"),
                       builders.private_text(MARIA, "hello"), builders.private_text(MARIA, "again"))
    assert (await cli(env, "credits", str(ANA.id), "+40", "gift")).code == 0
    before = await _state(env["DATABASE_URL"])
    assert len(before[1]) == 5

    dump = tmp_path / "desk.dump"
    made = await cli(env, "backup", "-o", str(dump))
    assert made.code == 0, made
    assert dump.stat().st_size > 0
    assert dump.read_bytes()[:5] == b"PGDMP"

    name = f"paid_desk_restore_{uuid.uuid4().hex[:8]}"
    await _admin(pg_server, f'CREATE DATABASE "{name}"')
    target = {**env, "DATABASE_URL": pg_server.url_for(name)}
    try:
        restored = await cli(target, "restore", str(dump))
        assert restored.code == 0, restored
        assert "restored: 2 users, 44 credits, 5 ledger rows" in restored.out
        assert await _state(target["DATABASE_URL"]) == before
        # The restored ledger is still append-only, and the balances still its sums.
        conn = await asyncpg.connect(target["DATABASE_URL"])
        try:
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await conn.execute("DELETE FROM credit_ledger")
        finally:
            await conn.close()

        # A database holding anything is refused, and nothing changes...
        refused = await cli(target, "restore", str(dump))
        assert (refused.code, "not empty" in refused.err) == (3, True)
        # ...unless told: --force replaces what the backup holds.
        assert (await cli(target, "credits", str(ANA.id), "-40", "oops")).code == 0
        forced = await cli(target, "restore", "--force", str(dump))
        assert forced.code == 0, forced
        assert await _state(target["DATABASE_URL"]) == before
    finally:
        await _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert (await cli(env, "restore", str(tmp_path / "missing.dump"))).code == 2
