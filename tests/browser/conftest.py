"""The whole system as ``./scripts/run`` starts it, driven in a real Chromium.

The web process and one worker per queue run as processes of their own
(``python -m webhooks``, ``python -m workers QUEUE``) on a fresh database, so
the page talks to exactly what a person trying the sandbox would. Tests that
need Chromium are marked ``browser`` and are skipped, with the reason in the
summary, when the machine has none. Screenshots of every step are kept in
``artifacts/browser/<test>/`` (ignored by git); the summary prints where.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.browser import chromium
from tests.browser.page import Console
from tests.conftest import ROOT, PgServer, _admin
from tests.harness import GENEROUS_LIMITS, free_port
from tests.processes import WorkerProcesses, worker_env

ARTIFACTS = ROOT / "artifacts" / "browser"
FOUND = chromium.find()
SKIP_REASON = FOUND if isinstance(FOUND, str) else None
#: Starting five Python processes on a shared two-core machine takes a while.
READY_SECONDS = 120


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SKIP_REASON is None:
        return
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {SKIP_REASON}"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    ran = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    browser_tests = [r for r in ran if "tests/browser/" in r.nodeid]
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "tests/browser/" in r.nodeid]
    if skipped and SKIP_REASON is not None:
        terminalreporter.write_sep("-", "browser tests", yellow=True)
        terminalreporter.write_line(f"SKIPPED {len(skipped)} browser tests: {SKIP_REASON}", yellow=True)
    elif browser_tests:
        terminalreporter.write_sep("-", "browser tests")
        terminalreporter.write_line(f"screenshots of every step: {ARTIFACTS}/")


@dataclass
class LiveSystem:
    base_url: str
    database_url: str
    logs: Path

    def db(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database_url, autocommit=True)

    def value(self, sql: str, *args: object) -> Any:
        with self.db() as conn:
            row = conn.execute(sql, args).fetchone()
            return None if row is None else row[0]

    def rows(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        with self.db() as conn:
            return list(conn.execute(sql, args).fetchall())

    def eventually(self, sql: str, *args: object, timeout: float = 30) -> Any:
        """The query's value once it is true (a liveness bound: the workers run on their own)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.value(sql, *args)
            if value or time.monotonic() > deadline:
                assert value, f"still not true after {timeout} s: {sql} {args}"
                return value
            time.sleep(0.1)


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def live_system(pg_server: PgServer, template_db: str, shots: Path) -> Iterator[LiveSystem]:
    name = f"paid_desk_b_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(pg_server, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
    url = pg_server.url_for(name)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = worker_env(url, port, {**GENEROUS_LIMITS, "PUBLIC_URL": base_url, "WORKER_CONCURRENCY": "4",
                                 "LOG_LEVEL": "INFO"})
    logs = shots / "logs"
    logs.mkdir()
    web_log = (logs / "web.log").open("wb")
    web = subprocess.Popen([sys.executable, "-m", "webhooks"], env=env, cwd=ROOT, stdout=web_log,
                           stderr=subprocess.STDOUT)
    workers = WorkerProcesses(env, logs)
    system = LiveSystem(base_url, url, logs)
    try:
        for queue in ("messaging", "billing", "admin", "broadcast"):
            workers.start(queue)
        deadline = time.monotonic() + READY_SECONDS
        while not _ready(base_url):
            assert web.poll() is None, (logs / "web.log").read_text()
            assert time.monotonic() < deadline, "the web process did not answer /health"
            time.sleep(0.2)
        # The admin worker registers the bot's command lists when it starts: the menus are there.
        system.eventually("SELECT count(*) > 0 FROM sandbox_bot_commands", timeout=READY_SECONDS)
        yield system
        workers.check_alive()
    finally:
        workers.stop_all()
        web.terminate()
        try:
            web.wait(20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        web_log.close()
        asyncio.run(_admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _console(system: LiveSystem, shots: Path, **size: Any) -> Iterator[Console]:
    assert not isinstance(FOUND, str)
    driver = chromium.start(FOUND, **size)
    try:
        page = Console(driver, system.base_url, shots)
        yield page
        assert page.script_errors() == []
    finally:
        driver.quit()


@pytest.fixture
def laptop(live_system: LiveSystem, shots: Path) -> Iterator[Console]:
    yield from _console(live_system, shots, width=1440, height=900)


@pytest.fixture
def phone(live_system: LiveSystem, shots: Path) -> Iterator[Console]:
    yield from _console(live_system, shots, width=390, height=844, phone=True)
