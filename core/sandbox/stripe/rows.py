"""The fake Stripe's rows, and the refusal it answers with where Stripe would refuse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: Decline codes the fake knows, with the error code and message Stripe gives
#: for them (https://docs.stripe.com/declines/codes).
DECLINES: dict[str, tuple[str, str]] = {
    "generic_decline": ("card_declined", "Your card was declined."),
    "insufficient_funds": ("card_declined", "Your card has insufficient funds."),
    "lost_card": ("card_declined", "Your card was declined."),
    "expired_card": ("expired_card", "Your card has expired."),
    "authentication_required": (
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
}


class StripeRefusal(Exception):
    """Stripe refused the request; ``body()`` is the error JSON it answers with.

    Raised by the fake's operations for what Stripe refuses (a missing
    parameter, an unknown object); the HTTP layer turns it into the answer and
    the controls let it reach the test that asked for the impossible.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",  # Stripe's field name
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}

    @classmethod
    def missing(cls, kind: str, object_id: str, *, param: str | None = None) -> StripeRefusal:
        return cls(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)

    @classmethod
    def invalid(cls, message: str, *, param: str | None = None, code: str | None = None) -> StripeRefusal:
        return cls(400, message, code=code, param=param)


@dataclass(frozen=True)
class StoredObject:
    """One Stripe object: ``data`` is what the API shows, ``hidden`` what only the fake knows."""

    id: str
    object: str
    customer: str | None
    data: dict[str, Any]
    hidden: dict[str, Any]


@dataclass(frozen=True)
class SentEvent:
    """An event the fake created, and what became of posting it to the webhook."""

    id: str
    type: str
    event: dict[str, Any]
    attempts: int
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None

    @property
    def object(self) -> dict[str, Any]:
        """``data.object``: the snapshot of the object the event is about."""
        obj: dict[str, Any] = self.event["data"]["object"]
        return obj
