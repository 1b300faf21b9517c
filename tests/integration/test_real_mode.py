"""With a real BOT_TOKEN the processes never load the sandbox's stand-ins, nor serve its routes.

Each case wires the processes in a fresh interpreter (tests/integration/wiring_probe.py),
since this test session itself has imported the stand-ins long ago.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from core.platform.config import load_settings
from tests.conftest import ROOT, PgServer, _admin

#: Syntactically valid credentials of a real bot; nothing here talks to Telegram or Stripe.
REAL_MODE = {
    "BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "TELEGRAM_API_ID": "12345",
    "TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef",
    "TELEGRAM_WEBHOOK_SECRET": "not-the-sandbox-secret",
    "ADMIN_GROUP_ID": "-1001234567890",
    "STRIPE_API_KEY": "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "STRIPE_WEBHOOK_SECRET": "whsec_test",
}
#: The processes' variables this session may have inherited; each case sets its own.
CLEARED = {"BOT_TOKEN", "TELEGRAM_API_ID", "TELEGRAM_API_HASH", "TELEGRAM_WEBHOOK_SECRET",
           "ADMIN_GROUP_ID", "ADMIN_GROUP_IDS", "ADMIN_USER_ID", "STRIPE_API_KEY",
           "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "DATABASE_URL", "PORT"}
#: aiohttp's own answer to a path no route matches.
NOT_ROUTED = [404, "404: Not Found"]
SANDBOX_PATHS = ["GET /sandbox/messages?chat_id=42", "POST /sandbox/pay-invoice",
                 "GET /fake-stripe/v1/customers/cus_1", "GET /console", "GET /sandbox/world",
                 "POST /sandbox/send"]


@pytest.fixture
async def production_database(pg_server: PgServer) -> AsyncIterator[str]:
    """A database with the production migrations only, as a real deployment has."""
    name = f"paid_desk_real_{uuid.uuid4().hex[:8]}"
    await _admin(pg_server, f'CREATE DATABASE "{name}"')
    try:
        await asyncio.to_thread(pg_server.migrate, name)
        yield pg_server.url_for(name)
    finally:
        await _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _probe(env: dict[str, str], out: Path) -> dict[str, Any]:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    subprocess.run([sys.executable, "-m", "tests.integration.wiring_probe", str(out)],
                   env={**base, "LOG_LEVEL": "WARNING", **env}, cwd=ROOT, check=True,
                   capture_output=True, text=True, timeout=120)
    report: dict[str, Any] = json.loads(out.read_text())
    return report


async def probe(env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    return await asyncio.to_thread(_probe, env, tmp_path / "report.json")


async def test_a_real_bot_token_loads_no_stand_in_and_serves_no_sandbox_route(
    production_database: str, tmp_path: Path
) -> None:
    report = await probe({**REAL_MODE, "DATABASE_URL": production_database}, tmp_path)
    assert report["sandbox"] is False
    assert report["loaded"] == []
    status, body = report["answers"]["GET /health"]
    assert (status, json.loads(body)["sandbox"]) == (200, False)
    for path in SANDBOX_PATHS:
        assert report["answers"][path] == NOT_ROUTED, path
    assert report["answers"]["GET / (browser)"] == [200, "application/json"]  # no console
    # Every worker was wired, maintenance included.
    assert all(report["tasks"][queue] for queue in ("messaging", "billing", "admin", "broadcast"))
    assert "maintenance.prune" in report["tasks"]["admin"]


async def test_sandbox_mode_loads_the_stand_ins_and_serves_their_routes(
    database_url: str, tmp_path: Path
) -> None:
    # The probe's counterpart: what the real mode must not have is there without a token.
    report = await probe({"DATABASE_URL": database_url}, tmp_path)
    assert report["sandbox"] is True
    assert {"core.sandbox.telegram.model", "core.sandbox.stripe", "webhooks.sandbox",
            "webhooks.console"} <= set(report["loaded"])
    assert report["answers"]["GET / (browser)"] == [200, "text/html"]
    assert report["answers"]["GET /sandbox/messages?chat_id=42"] == [200, "[]"]
    for path in SANDBOX_PATHS:
        assert report["answers"][path] != NOT_ROUTED, path
    assert "maintenance.prune" in report["tasks"]["admin"]


async def test_the_sandbox_routes_refuse_to_be_mounted_with_a_real_bot_token(db_pool: asyncpg.Pool) -> None:
    from webhooks import sandbox
    from webhooks.app import build_app
    from webhooks.deps import IngressDeps
    from webhooks.recorder import JobRecorder

    settings = load_settings(REAL_MODE)
    deps = IngressDeps(settings=settings, pool=db_pool, recorder=JobRecorder(db_pool))
    with pytest.raises(ValueError, match="only in sandbox mode, and BOT_TOKEN is set"):
        sandbox.mount(build_app(deps), deps)
