"""SQL statements loaded by name from the ``.sql`` files beside the modules that run them.

Each file holds statements under ``-- name: <name>`` headers (the layout
procrastinate uses), so SQL stays in .sql files and code refers to it by
name. A name starts with its file's name (``outbox_add`` lives in
``delivery/outbox.sql``): names are unique across the product, and a name
says where its statement is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def parse(text: str, stem: str | None = None) -> dict[str, str]:
    """The statements of one file; with ``stem``, each name must start with it."""
    parts = _HEADER.split(text)
    found: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if stem is not None and not name.startswith(f"{stem}_"):
            raise ValueError(f"query {name} in {stem}.sql: its name must start with {stem}_")
        lines = [line for line in body.strip().splitlines() if not line.startswith("--")]
        if name in found:
            raise ValueError(f"duplicate query name {name}")
        found[name] = "\n".join(lines).strip()
    return found


def _sql_files(folder: Traversable) -> Iterator[Traversable]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            yield from _sql_files(entry)
        elif entry.name.endswith(".sql"):
            yield entry


@cache
def load() -> Mapping[str, str]:
    queries: dict[str, str] = {}
    for entry in _sql_files(resources.files("core")):
        stem = entry.name.removesuffix(".sql")
        for name, sql in parse(entry.read_text(encoding="utf-8"), stem).items():
            if name in queries:
                raise ValueError(f"query {name} defined twice (again in {entry.name})")
            queries[name] = sql
    return queries


def q(name: str) -> str:
    """The SQL text of the named query."""
    return load()[name]
