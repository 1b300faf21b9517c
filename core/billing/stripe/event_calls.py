"""Stripe's list of events, read by the missed-event reconciliation (reconcile.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import stripe
from stripe.params import EventListParams

from core.billing.stripe.boundary import translated

#: Stripe's largest page.
PAGE = 100


class StripeEvents:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    async def pages(self, types: Sequence[str], *, created_gte: int, created_lte: int
                    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Events of ``types`` created in [gte, lte], newest first, a page at a time,
        each as the JSON the webhook would have posted."""
        after: str | None = None
        while True:
            params: EventListParams = {"types": list(types), "limit": PAGE,
                                       "created": {"gte": created_gte, "lte": created_lte}}
            if after is not None:
                params["starting_after"] = after
            with translated():
                page = await self._client.v1.events.list_async(params)
            events = [e.to_dict(recursive=True) for e in page.data]
            if events:
                yield events
            if not page.has_more or not events:
                return
            after = events[-1]["id"]
