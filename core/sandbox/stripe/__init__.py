"""A fake Stripe API, served over HTTP to the real ``stripe`` library, state in Postgres."""

from __future__ import annotations

from core.sandbox.stripe.api import FAKE_STRIPE
from core.sandbox.stripe.app import build_fake_stripe_app, fake_stripe_app
from core.sandbox.stripe.rows import SentEvent, StripeRefusal
from core.sandbox.stripe.state import FakeStripe

__all__ = ["FAKE_STRIPE", "FakeStripe", "SentEvent", "StripeRefusal", "build_fake_stripe_app",
           "fake_stripe_app"]
