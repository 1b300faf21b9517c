"""GET /ready goes 503 with the reason when the process should get no traffic, and
back to 200 when the cause is gone; /health stays a cheap liveness answer."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer

from core.platform import database
from tests.harness import System, free_port
from webhooks import __main__ as webhooks_main


async def _ready(system: System, base_url: str | None = None) -> tuple[int, dict[str, object]]:
    async with system.http.get(f"{base_url or system.base_url}/ready") as r:
        return r.status, await r.json()


async def test_ready_goes_503_while_a_migration_is_missing_and_back(system: System) -> None:
    assert await _ready(system) == (200, {"ready": True, "reasons": []})
    await system.pool.execute("DELETE FROM schema_migrations WHERE name = '0021_operations.sql'")
    status, body = await _ready(system)
    assert status == 503
    assert body["reasons"] == ["migrations not applied: 0021_operations.sql (run `paid-desk migrate`)"]
    # Liveness is not readiness: the process is alive all along.
    async with system.http.get(f"{system.base_url}/health") as r:
        assert r.status == 200
    await system.pool.execute("INSERT INTO schema_migrations (name) VALUES ('0021_operations.sql')")
    assert (await _ready(system))[0] == 200


async def test_ready_goes_503_while_the_database_takes_no_writes_and_back(system: System) -> None:
    name = await system.pool.fetchval("SELECT current_database()")
    await system.pool.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    await system.pool.expire_connections()
    try:
        status, body = await _ready(system)
        assert status == 503
        assert any("read-only" in str(reason) for reason in body["reasons"])
    finally:
        async with system.pool.acquire() as conn:
            await conn.execute("SET default_transaction_read_only = off")
            await conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        await system.pool.expire_connections()
    assert (await _ready(system))[0] == 200


async def test_ready_is_503_when_the_database_is_unreachable(system: System) -> None:
    pool = await database.create_pool("postgresql://nobody@127.0.0.1:1/none")
    server = TestServer(webhooks_main.build_web_app(system.settings, pool), host="127.0.0.1",
                        port=free_port())
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http, http.get(server.make_url("/ready")) as r:
            assert r.status == 503
            reasons = (await r.json())["reasons"]
        assert len(reasons) == 1
        assert reasons[0].startswith("database unreachable")
    finally:
        await server.close()
        await pool.close()


async def test_a_process_shutting_down_is_not_ready(system: System) -> None:
    server = TestServer(webhooks_main.build_web_app(system.settings, system.pool), host="127.0.0.1",
                        port=free_port())
    await server.start_server()
    from webhooks.probes import STOPPING

    server.app[STOPPING].set()  # what SIGTERM's shutdown does first
    try:
        async with aiohttp.ClientSession() as http, http.get(server.make_url("/ready")) as r:
            assert (r.status, (await r.json())["reasons"]) == (503, ["shutting down"])
    finally:
        await server.close()


async def test_the_sandbox_console_answers_503_while_the_database_is_unreachable(system: System) -> None:
    # Seen walking scripts/run: POST /sandbox/send during a Postgres restart answered
    # 500 with a traceback in the log.
    pool = await database.create_pool("postgresql://nobody@127.0.0.1:1/none")
    server = TestServer(webhooks_main.build_web_app(system.settings, pool), host="127.0.0.1",
                        port=free_port())
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            for method, path, body in [
                ("POST", "/sandbox/send", {"chat_id": 1, "from_id": 1, "text": "hello"}),
                ("POST", "/sandbox/users", {"first_name": "Ada"}),
                ("GET", "/sandbox/world", None),
                ("GET", "/sandbox/chat?chat_id=1", None),
            ]:
                async with http.request(method, server.make_url(path), json=body) as r:
                    answer = await r.json()
                    assert (path, r.status) == (path, 503)
                    assert answer["ok"] is False
                    assert "database is not answering" in answer["error"]
    finally:
        await server.close()
        await pool.close()
