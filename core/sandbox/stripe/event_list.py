"""``GET /v1/events``: the events the fake emitted, as Stripe lists them.

Newest first, filtered by ``types`` and ``created`` (gt/gte/lt/lte), paged with
``limit`` (1..100) and ``starting_after`` (an event id: the page continues
after it, towards older events). What the product's missed-event
reconciliation (core/billing/stripe/reconcile.py) reads.
"""

from __future__ import annotations

from typing import Any

from core.platform.sql import q
from core.sandbox.stripe import objects
from core.sandbox.stripe.forms import Params
from core.sandbox.stripe.rows import StripeRefusal
from core.sandbox.stripe.store import Tx

_BOUNDS = ("gt", "gte", "lt", "lte")


def _types(p: Params) -> list[str] | None:
    raw = p.raw.get("types")
    p.ignore("types")
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) and t for t in raw):
        raise StripeRefusal.invalid("Invalid array: types", param="types")
    if len(raw) > 20:
        raise StripeRefusal.invalid("types may list at most 20 event types.", param="types")
    return list(raw)


async def list_events(tx: Tx, p: Params) -> dict[str, Any]:
    types = _types(p)
    created = p.sub("created")
    bounds = {b: created.integer(b) for b in _BOUNDS}
    limit = p.integer("limit", minimum=1) or 10
    after = p.text("starting_after")
    p.ignore("expand")
    p.refuse_unknown()
    if limit > 100:
        raise StripeRefusal.invalid("This value must be less than or equal to 100.", param="limit")
    after_seq = None
    if after is not None:
        after_seq = await tx.conn.fetchval(q("event_list_seq"), after)
        if after_seq is None:
            raise StripeRefusal.invalid(f"No such event: '{after}'", param="starting_after",
                                        code="resource_missing")
    rows = await tx.conn.fetch(q("event_list_page"), types, *(bounds[b] for b in _BOUNDS), after_seq,
                               limit + 1)
    found = [r["event"] for r in rows]
    return objects.list_object("/v1/events", found[:limit], has_more=len(found) > limit)
