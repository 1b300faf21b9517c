"""A bare aiohttp handler that parses the JSON body and answers: the ceiling for the ingress."""

from __future__ import annotations

import asyncio
import json
import sys

from aiohttp import web


async def handle(request: web.Request) -> web.Response:
    json.loads(await request.read())
    return web.json_response({"ok": True})


async def root(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def serve(port: int) -> None:
    app = web.Application()
    app.router.add_post("/webhooks/telegram", handle)
    app.router.add_get("/", root)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=2048).start()
    await asyncio.Event().wait()


def main() -> None:
    port = int(sys.argv[1])
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        asyncio.run(serve(port))
    else:
        uvloop.run(serve(port))


if __name__ == "__main__":
    main()
