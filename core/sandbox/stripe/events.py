"""Stripe events: their shape, their signature, and posting them to the webhook.

Signed exactly as Stripe signs (``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256
of "<t>.<payload>" keyed with the endpoint secret>``), so the ingress verifies
them with the real ``stripe.Webhook.construct_event``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp
import stripe

from core.sandbox.stripe.objects import new_id


def build_event(event_type: str, obj: dict[str, Any], *, created: int,
                previous_attributes: dict[str, Any] | None = None,
                request_id: str | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": new_id("evt"),
        "object": "event",
        # The version the endpoint is pinned to; the installed library's is the natural one.
        "api_version": stripe.api_version,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        # Events caused by an API request name it; automatic ones (a renewal) do not.
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": event_type,
    }


def payload(event: dict[str, Any]) -> bytes:
    """The body Stripe posts: the same bytes on every delivery of one event."""
    return json.dumps(event, sort_keys=True, indent=2).encode()


def signature_header(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def signed_request(event: dict[str, Any], secret: str, *, timestamp: int | None = None
                   ) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a webhook post, for tests that post events themselves."""
    body = payload(event)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "Stripe-Signature": signature_header(body, secret, timestamp=timestamp),
    }
    return body, headers


async def post_event(session: aiohttp.ClientSession, url: str, secret: str, event: dict[str, Any],
                     *, timeout: float) -> tuple[int | None, str | None]:
    """Post one event; (HTTP status, None) or (None, why it could not be posted)."""
    body, headers = signed_request(event, secret)
    try:
        async with session.post(url, data=body, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            await response.read()
            return response.status, None
    except (aiohttp.ClientError, TimeoutError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
