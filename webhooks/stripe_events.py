"""POST /webhooks/stripe: verify the signature with the stripe library, queue on billing."""

from __future__ import annotations

import stripe
import structlog
from aiohttp import web

from core.jobs import payloads
from core.jobs.routing import route_stripe_event
from core.platform.errors import BadInput, DatabaseUnavailable
from webhooks.deps import DEPS
from webhooks.responses import ok, refuse

log = structlog.get_logger(__name__)

#: Stripe's own default: a signature older than this is a replay.
TOLERANCE_SECONDS = 300


async def receive_event(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return refuse(400, "missing Stripe-Signature header")
    try:
        payload = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return refuse(413, "event too large")
    try:
        text = payload.decode("utf-8")
        stripe.Webhook.construct_event(
            text, signature, deps.settings.stripe_webhook_secret, tolerance=TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError:
        return refuse(400, "invalid or expired Stripe signature")
    except (ValueError, UnicodeDecodeError):
        return refuse(400, "body is not valid JSON")
    try:
        event = payloads.decode(payload)
        if not isinstance(event, dict):
            raise BadInput("an event must be a JSON object")
        job = route_stripe_event(event)
    except BadInput as exc:
        return refuse(400, str(exc))
    try:
        await deps.recorder.record(job)
    except DatabaseUnavailable:
        log.warning("event not recorded: database unavailable", event_id=event["id"])
        return refuse(503, "database unavailable, retry later")
    return ok()
