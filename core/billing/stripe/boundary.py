"""The boundary with the stripe library: its exceptions translated into the product's error tree.

Retry what may succeed later, give up on what will not, and tell a declined
card apart from both; read an expandable field's id whether Stripe sent the id
or the object.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import stripe

from core.platform.errors import PaymentDeclined, StripeRejected, StripeUnavailable


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as exc:
        error = exc.error
        intent = error.payment_intent if error is not None else None
        raise PaymentDeclined(
            exc.user_message or "The card was declined.", code=exc.code,
            decline_code=error.decline_code if error is not None else None,
            payment_intent_id=intent.id if intent is not None else None,
        ) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        # APIError covers 5xx and 409 (a lock at Stripe): all worth another try.
        raise StripeUnavailable(f"Stripe unavailable: {exc.user_message or type(exc).__name__}") from exc
    except stripe.StripeError as exc:
        # Invalid requests, authentication, permissions, idempotency conflicts: a bug or bad config.
        raise StripeRejected(
            f"Stripe refused the request: {exc.user_message or type(exc).__name__}",
            code=exc.code, http_status=exc.http_status,
        ) from exc


def expanded_id(value: object) -> str | None:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if isinstance(value, str):
        return value
    found = getattr(value, "id", None)
    return found if isinstance(found, str) else None
