"""SQL statements loaded by name from ``core/queries/*.sql``.

Each file holds statements under ``-- name: <name>`` headers (the same layout
procrastinate uses), so SQL stays in .sql files and code refers to it by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def parse(text: str) -> dict[str, str]:
    parts = _HEADER.split(text)
    found: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        lines = [line for line in body.strip().splitlines() if not line.startswith("--")]
        if name in found:
            raise ValueError(f"duplicate query name {name}")
        found[name] = "\n".join(lines).strip()
    return found


@cache
def load() -> Mapping[str, str]:
    queries: dict[str, str] = {}
    for entry in sorted(resources.files("core").joinpath("queries").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            for name, sql in parse(entry.read_text(encoding="utf-8")).items():
                if name in queries:
                    raise ValueError(f"query {name} defined twice (again in {entry.name})")
                queries[name] = sql
    return queries


def q(name: str) -> str:
    """The SQL text of the named query."""
    return load()[name]
