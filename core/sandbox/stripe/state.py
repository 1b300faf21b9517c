"""The fake Stripe's state and the controls tests and the sandbox drive it with.

The objects live in Postgres, so every process sees one Stripe. This class
adds what belongs to the process serving it: where events are posted, with
which secret, and the URL its pages are reached at.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import asyncpg
import structlog

from core.platform.database import connection
from core.platform.sql import q
from core.sandbox.stripe import checkout, payments, subscriptions
from core.sandbox.stripe.events import post_event, signed_request
from core.sandbox.stripe.rows import SentEvent
from core.sandbox.stripe.store import Tx, sent_event

log = structlog.get_logger(__name__)


class FakeStripe:
    """The fake Stripe over a pool: units of work, event delivery, test controls."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        webhook_secret: str,
        webhook_url: str | None,
        public_base_url: str | None = None,
        enabled_events: Collection[str] | None = None,
        delivery_timeout: float = 10.0,
        open_link: Callable[[str], str] | None = None,
    ) -> None:
        self._pool = pool
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        #: Where pages are reached; None derives it from each request (see api.base_url).
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        #: Like a webhook endpoint's event list: others are recorded, not posted. None: all.
        self.enabled_events = frozenset(enabled_events) if enabled_events is not None else None
        self.delivery_timeout = delivery_timeout
        #: Where this machine really goes for a link the pages send people to (success_url,
        #: cancel_url, return_url): on a phone a t.me link opens Telegram; in the sandbox
        #: the console stands in for it. None: the link as it is.
        self.open_link = open_link

    @asynccontextmanager
    async def unit(self, *, request_id: str | None = None, idempotency_key: str | None = None
                   ) -> AsyncIterator[Tx]:
        """One transaction; the events it emitted are posted after it commits."""
        async with connection(self._pool) as conn, conn.transaction():
            tx = Tx(conn, now=int(time.time()), request_id=request_id, idempotency_key=idempotency_key)
            yield tx
        await self._deliver_new(tx.emitted)

    # --- delivery ---

    async def _deliver_new(self, event_ids: list[str]) -> None:
        if not event_ids or not await self._pool.fetchval(q("state_get_delivery")):
            return
        for event_id in event_ids:
            await self.deliver(event_id)

    async def deliver(self, event_id: str) -> int | None:
        """Post one event to the webhook now (again, if it was before); the HTTP status or None."""
        record = await self._pool.fetchrow(q("state_get_event"), event_id)
        if record is None:
            raise KeyError(event_id)
        event = sent_event(record)
        if self.webhook_url is None or (
            self.enabled_events is not None and event.type not in self.enabled_events
        ):
            return None
        async with aiohttp.ClientSession() as session:
            status, error = await post_event(session, self.webhook_url, self.webhook_secret, event.event,
                                             timeout=self.delivery_timeout)
        await self._pool.execute(q("state_event_attempted"), event_id, status, error)
        if status is None or not 200 <= status < 300:
            # Stripe would retry for days; here deliver_pending() retries on demand.
            log.warning("fake stripe event not delivered", event_id=event_id, type=event.type,
                        status=status, error=error)
        return status

    async def deliver_pending(self) -> int:
        """Post every event not delivered yet, oldest first; how many were accepted."""
        accepted = 0
        for record in await self._pool.fetch(q("state_undelivered_events")):
            status = await self.deliver(record["id"])
            accepted += status is not None and 200 <= status < 300
        return accepted

    async def set_outage(self, seconds: float, *, mode: str = "error", hold_ms: int = 0) -> None:
        """Stripe's API is down for ``seconds`` (0 ends it): ``error`` answers 500,
        ``timeout`` holds each request ``hold_ms`` and drops it unanswered."""
        if mode not in ("error", "timeout"):
            raise ValueError("mode is 'error' or 'timeout'")
        await self._pool.execute(q("state_set_outage"), seconds, mode, hold_ms)

    async def outage_hits(self) -> int:
        """The API requests the outages refused."""
        return int(await self._pool.fetchval(q("state_outage_hits")) or 0)

    async def take_outage(self) -> tuple[str, int] | None:
        """The outage this request meets (mode, hold), counting it; None when up."""
        row = await self._pool.fetchrow(q("state_take_outage"))
        return (row["outage_mode"], row["outage_hold_ms"]) if row else None

    async def set_delivery(self, deliver: bool) -> None:
        """False: "collect only", events are recorded and not posted (shared by every process)."""
        await self._pool.execute(q("state_set_delivery"), deliver)

    def signed(self, event: SentEvent | dict[str, Any], *, timestamp: int | None = None
               ) -> tuple[bytes, dict[str, str]]:
        """Body and headers to post an event yourself, signed with the webhook secret."""
        body = event.event if isinstance(event, SentEvent) else event
        return signed_request(body, self.webhook_secret, timestamp=timestamp)

    async def events(self, event_type: str | None = None) -> list[SentEvent]:
        """Every event created so far, oldest first."""
        return [sent_event(r) for r in await self._pool.fetch(q("state_list_events"), event_type)]

    # --- reading ---

    async def get(self, object_id: str) -> dict[str, Any] | None:
        """Any object as the API would show it."""
        async with self.unit() as tx:
            found = await tx.get(object_id)
        return found.data if found else None

    # --- controls: what happens at Stripe without the product asking ---

    async def complete_session(self, session_id: str) -> dict[str, Any]:
        """The customer pressed Pay on the Checkout page."""
        async with self.unit() as tx:
            return await checkout.complete(tx, session_id)

    async def decline_session(self, session_id: str, decline_code: str = "generic_decline") -> str | None:
        """The customer's card was declined on the Checkout page; the session stays open."""
        async with self.unit() as tx:
            return await checkout.decline(tx, session_id, decline_code)

    async def refund(self, charge_id: str, amount: int | None = None) -> dict[str, Any]:
        """A refund from the Dashboard: ``refund.created`` and ``charge.refunded``."""
        async with self.unit() as tx:
            return await payments.refund(tx, charge_id, amount=amount)

    async def dispute(self, charge_id: str, *, reason: str = "fraudulent") -> dict[str, Any]:
        """The cardholder disputes the charge: ``charge.dispute.created``."""
        async with self.unit() as tx:
            return await payments.open_dispute(tx, charge_id, reason=reason)

    async def close_dispute(self, dispute_id: str, *, won: bool) -> dict[str, Any]:
        async with self.unit() as tx:
            return await payments.close_dispute(tx, dispute_id, won=won)

    async def renew_subscription(self, subscription_id: str) -> dict[str, Any]:
        """The next period starts: a new invoice, ``invoice.paid`` (or ``invoice.payment_failed``)."""
        async with self.unit() as tx:
            return await subscriptions.renew(tx, subscription_id)

    async def cancel_subscription(self, subscription_id: str) -> dict[str, Any]:
        """Canceled at Stripe (the portal, the Dashboard): ``customer.subscription.deleted``."""
        async with self.unit() as tx:
            return await subscriptions.cancel(tx, subscription_id)

    async def set_card_declines(self, customer_id: str, declines: bool = True, *,
                                decline_code: str = "generic_decline") -> None:
        """Make the customer's saved cards decline (off-session charges and renewals) or work again."""
        async with self.unit() as tx:
            await payments.set_card_declines(tx, customer_id, decline_code if declines else None)

    async def delete_customer(self, customer_id: str) -> dict[str, Any]:
        async with self.unit() as tx:
            return await payments.delete_customer(tx, customer_id)
