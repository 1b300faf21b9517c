"""The fake Stripe's storage: one unit of work (:class:`Tx`) over a Postgres transaction.

Every API request and every control runs in one transaction, so an object and
the events announcing it appear together or not at all; the events are posted
only after the commit (see :class:`core.sandbox.stripe.state.FakeStripe`).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from core.platform.sql import q
from core.sandbox.stripe.events import build_event
from core.sandbox.stripe.rows import SentEvent, StoredObject, StripeRefusal


def _stored(record: asyncpg.Record) -> StoredObject:
    return StoredObject(
        id=record["id"], object=record["object"], customer=record["customer"],
        data=record["data"], hidden=record["hidden"],
    )


def sent_event(record: asyncpg.Record) -> SentEvent:
    return SentEvent(
        id=record["id"], type=record["type"], event=record["event"], attempts=record["attempts"],
        delivered_at=record["delivered_at"], last_status=record["last_status"],
        last_error=record["last_error"],
    )


def _owner(data: dict[str, Any]) -> str | None:
    customer = data.get("customer")
    return customer if isinstance(customer, str) else None


class Tx:
    """A transaction of the fake, its clock, and the events it created (in order)."""

    def __init__(self, conn: asyncpg.Connection, *, now: int, request_id: str | None = None,
                 idempotency_key: str | None = None) -> None:
        self.conn = conn
        self.now = now
        self.request_id = request_id
        self.idempotency_key = idempotency_key
        self.emitted: list[str] = []

    # --- objects ---

    async def get(self, object_id: str, kind: str | None = None, *, lock: bool = False
                  ) -> StoredObject | None:
        record = await self.conn.fetchrow(
            q("store_lock_object" if lock else "store_get_object"), object_id
        )
        if record is None or (kind is not None and record["object"] != kind):
            return None
        return _stored(record)

    async def need(self, object_id: str, kind: str, *, lock: bool = False,
                   param: str | None = None) -> StoredObject:
        """The object, or Stripe's 404 naming it."""
        found = await self.get(object_id, kind, lock=lock)
        if found is None:
            raise StripeRefusal.missing(kind, object_id, param=param)
        return found

    async def insert(self, data: dict[str, Any], *, hidden: dict[str, Any] | None = None
                     ) -> dict[str, Any]:
        await self.conn.execute(
            q("store_insert_object"), data["id"], data["object"], _owner(data), data, hidden or {}
        )
        return data

    async def save(self, data: dict[str, Any], *, hidden: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.conn.execute(q("store_update_object"), data["id"], data, _owner(data), hidden)
        return data

    async def customer_objects(self, customer: str, kind: str, *, limit: int = 100
                               ) -> list[StoredObject]:
        records = await self.conn.fetch(q("store_customer_objects"), customer, kind, limit)
        return [_stored(r) for r in records]

    # --- events ---

    async def emit(self, event_type: str, obj: dict[str, Any], *,
                   previous_attributes: dict[str, Any] | None = None) -> dict[str, Any]:
        """Record an event with a snapshot of ``obj`` as it is now; it is posted after commit."""
        event = build_event(
            event_type, obj, created=self.now, previous_attributes=previous_attributes,
            request_id=self.request_id, idempotency_key=self.idempotency_key,
        )
        await self.conn.execute(q("store_insert_event"), event["id"], event_type, event)
        self.emitted.append(event["id"])
        return event

    # --- idempotency ---

    async def claim_key(self, key: str, request: str, params: dict[str, Any]
                        ) -> tuple[int, dict[str, Any]] | None:
        """None when the key is new (this request runs); else the answer the key got before."""
        if await self.conn.fetchval(q("store_claim_key"), key, request, params) is not None:
            return None
        earlier = await self.conn.fetchrow(q("store_get_key"), key)
        assert earlier is not None
        if earlier["request"] != request or earlier["params"] != params:
            raise StripeRefusal(
                400,
                "Keys for idempotent requests can only be used with the same parameters they were "
                f"first used with. Try using a key other than '{key}' if you meant to execute a "
                "different request.",
                type="idempotency_error",
            )
        return earlier["status"], earlier["body"]

    async def save_key(self, key: str, status: int, body: dict[str, Any]) -> None:
        await self.conn.execute(q("store_save_key"), key, status, body)
