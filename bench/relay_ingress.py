"""``python -m webhooks``, unchanged except that it listens on 127.0.0.1 only.

The ingress binds every interface (a PaaS routes to it); a benchmark must not
open a port to the network, and the ingress has no setting for its host, so
this shim narrows aiohttp's TCPSite before handing over to the real entry
point. Everything else (settings, pool, group commit, handlers) is the
production code path.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

_TCPSite = web.TCPSite


class LoopbackSite(_TCPSite):
    def __init__(self, runner: web.BaseRunner, host: str | None = None, port: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(runner, "127.0.0.1", port, **kwargs)


def main() -> None:
    web.TCPSite = LoopbackSite  # type: ignore[misc]
    from webhooks.__main__ import main as ingress_main

    ingress_main()


if __name__ == "__main__":
    main()
