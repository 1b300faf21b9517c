"""Real Postgres for every test: embedded unless TEST_DATABASE_URL is set.

The schema is built once per session into a template database by the real
migration script (psql, with the sandbox's tables), and every test gets a
fresh copy of it. Also the stand-in Telegram's client, for the tests that
drive it directly.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from core.platform import database, embedded_postgres
from core.sandbox.telegram.client import FakeClient, create_fake_client
from core.sandbox.telegram.model import TelegramModel
from core.telegram.pyrogram import PyrogramGateway

ROOT = Path(__file__).resolve().parent.parent
MIGRATE = ROOT / "sql" / "migrate.sh"


@dataclass(frozen=True)
class PgServer:
    url: str  # maintenance database
    env: dict[str, str]  # environment where psql is on PATH
    #: The embedded server's data directory (None for TEST_DATABASE_URL), to restart it.
    data_dir: Path | None = None

    def url_for(self, name: str) -> str:
        return embedded_postgres.with_database(self.url, name)

    def migrate(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run sql/migrate.sh on database ``name`` (``"--sandbox"`` adds the stand-ins' tables)."""
        env = dict(self.env, DATABASE_URL=self.url_for(name))
        return subprocess.run(
            ["bash", str(MIGRATE), *args], env=env, capture_output=True, text=True, check=check
        )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield PgServer(url=external, env=dict(os.environ))
        return
    with tempfile.TemporaryDirectory(prefix="paid-desk-pg-") as data:
        server = embedded_postgres.start(Path(data) / "pg", keep_data=False)
        try:
            yield PgServer(url=server.url, env=server.env(), data_dir=Path(data) / "pg")
        finally:
            server.stop()


async def _admin(server: PgServer, sql: str) -> None:
    conn = await asyncpg.connect(server.url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_db(pg_server: PgServer) -> str:
    import asyncio

    name = f"paid_desk_tpl_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(pg_server, f'CREATE DATABASE "{name}"'))
    # The tests drive the system in sandbox mode: its stand-ins need their tables.
    pg_server.migrate(name, "--sandbox")
    return name


@pytest.fixture
async def fresh_database(pg_server: PgServer, template_db: str) -> AsyncIterator[str]:
    """The name of a new database cloned from the migrated template."""
    name = f"paid_desk_t_{uuid.uuid4().hex[:12]}"
    await _admin(pg_server, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    try:
        yield name
    finally:
        await _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(pg_server: PgServer, fresh_database: str) -> str:
    return pg_server.url_for(fresh_database)


@pytest.fixture
async def db_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await database.create_pool(database_url, max_size=10)
    try:
        yield pool
    finally:
        await pool.close()


# --- the stand-in Telegram, driven directly (tests/sandbox, tests/integration) ---
# A module that uses these defines ``model``: the TelegramModel with the chats it needs.


@pytest.fixture
async def client(model: TelegramModel) -> AsyncIterator[FakeClient]:
    client = await create_fake_client(model)
    yield client
    await client.close()


@pytest.fixture
def gateway(client: FakeClient) -> PyrogramGateway:
    return PyrogramGateway(client)
