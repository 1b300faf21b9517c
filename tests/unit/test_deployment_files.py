"""The image and the compose file, checked as far as this machine can without a
container engine: the files parse, say what the README promises, and install the
project as scripts/setup does."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml

from core.jobs.queues import Queue

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"migrate", "web", *(q.value for q in Queue)}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def _seconds(value: str) -> float:
    found = re.fullmatch(r"(\d+)(s|m)", value)
    assert found, value
    return int(found.group(1)) * (60 if found.group(2) == "m" else 1)


def test_the_image_installs_the_project_as_scripts_setup_does_without_dev_tools() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    setup = (ROOT / "scripts" / "setup").read_text()
    install = (ROOT / "scripts" / "install").read_text()
    # One install step, in scripts/install: setup runs it with the dev tools, the image without.
    assert '"$root/scripts/install" "$venv/bin/python" dev' in setup
    assert "pip install" not in setup
    joined = dockerfile.replace("\\\n", " ")
    words = [w for line in joined.splitlines() if line.startswith("RUN ") for w in shlex.split(line[4:])]
    at = words.index("scripts/install")
    assert words[at + 1] == "/opt/venv/bin/python"
    assert words[at + 2] == "&&", "no extras: tests and linters stay out of the image"
    assert "pip install" not in dockerfile
    assert 'pip install --quiet -c "$root/constraints.txt" -e "$root${extras:+[$extras]}"' in install
    dev = re.search(r"dev = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), re.DOTALL)
    assert dev is not None
    assert "pytest" in dev.group(1)


def _name(requirement: str) -> str:
    # PEP 503's normal form of the distribution's name, without extras, versions or markers.
    found = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert found, requirement
    return re.sub(r"[-_.]+", "-", found.group(0)).lower()


def test_every_declared_dependency_is_pinned_in_constraints_txt() -> None:
    # An unpinned dependency would install whatever is newest on the next fresh machine.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]}
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pins = dict(line.split("==", 1) for line in lines if line and not line.startswith("#"))
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in pins.values()), pins
    assert declared - {_name(n) for n in pins} == set()


def test_the_image_is_slim_python_311_runs_as_a_user_and_serves_the_web_process_by_default() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")
    assert re.search(r'^CMD \["python", "-m", "webhooks"\]$', dockerfile, re.MULTILINE)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".data", "tests", ".env", ".git"} <= set(ignored)


def test_compose_runs_postgres_the_migrations_once_then_web_and_a_worker_per_queue() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgres", *APP_SERVICES}

    postgres = services["postgres"]
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"], "a named volume keeps the data"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    migrate = services["migrate"]
    assert migrate["command"] == ["paid-desk", "migrate"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"

    procfile = _procfile()
    assert procfile["release"] == "paid-desk migrate"
    for name in APP_SERVICES - {"migrate"}:
        service = services[name]
        # The same image, the Procfile's command, the migrations applied first.
        assert service["build"] == "."
        assert service["image"] == "paid-desk:latest"
        assert " ".join(service["command"]) == procfile[name]
        assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert _seconds(service["stop_grace_period"]) >= 25
    for name in APP_SERVICES:
        service = services[name]
        assert service["env_file"][0]["path"] == ".env"
        assert "@postgres:5432/" in service["environment"]["DATABASE_URL"]

    web = services["web"]
    assert web["environment"]["PORT"] == "8080"
    assert web["ports"][0].endswith(":8080")
    probe = " ".join(web["healthcheck"]["test"])
    assert "/ready" in probe


def test_every_procfile_process_is_a_compose_service() -> None:
    assert set(_procfile()) - {"release"} == APP_SERVICES - {"migrate"}
