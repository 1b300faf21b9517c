"""The console's way into the ingress when the ingress gives no answer."""

from __future__ import annotations

import socket

from webhooks.console.state import NO_ANSWER, Ingress


async def test_an_ingress_that_is_gone_gives_no_answer_instead_of_raising() -> None:
    # A port nobody listens on: as during a shutdown, when the web process goes away.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ingress = Ingress(f"http://127.0.0.1:{port}/webhooks/telegram", "sandbox-secret")
    try:
        status, answer = await ingress.post({"update_id": 1})
    finally:
        await ingress.close()
    assert status == NO_ANSWER
    assert answer == {"ok": False, "error": "ClientConnectorError"}
