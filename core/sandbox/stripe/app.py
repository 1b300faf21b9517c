"""The fake Stripe as an aiohttp application.

Mounted inside the web process in sandbox mode (``app.add_subapp("/fake-stripe",
...)``, with ``STRIPE_API_BASE`` pointing there) or served alone in tests with
aiohttp's ``TestServer``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import asyncpg
from aiohttp import web

from core.sandbox.stripe import pages
from core.sandbox.stripe.api import FAKE_STRIPE, ROUTES, endpoint, unknown_endpoint
from core.sandbox.stripe.state import FakeStripe


def fake_stripe_app(fake: FakeStripe) -> web.Application:
    """The application serving ``fake``: the /v1 API, the Checkout page and the portal."""
    app = web.Application()
    app[FAKE_STRIPE] = fake
    for method, path, fn in ROUTES:
        app.router.add_route(method, path, endpoint(fn))
    app.router.add_get("/pay/{session_id}", pages.show_checkout, name="pay")
    app.router.add_post("/pay/{session_id}", pages.submit_checkout)
    app.router.add_get("/portal/{portal_id}", pages.show_portal)
    app.router.add_post("/portal/{portal_id}", pages.submit_portal)
    # Last, so it only answers what nothing above does.
    app.router.add_route("*", "/{tail:.*}", unknown_endpoint)
    return app


def build_fake_stripe_app(
    pool: asyncpg.Pool,
    *,
    webhook_secret: str,
    webhook_url: str | None,
    public_base_url: str | None = None,
    enabled_events: Collection[str] | None = None,
    open_link: Callable[[str], str] | None = None,
) -> web.Application:
    """A fake Stripe over ``pool``; its controls are ``app[FAKE_STRIPE]``.

    ``public_base_url`` is where the app is reached (e.g.
    ``http://127.0.0.1:8080/fake-stripe``); None derives it from each request.
    ``open_link``: see :attr:`FakeStripe.open_link`.
    """
    fake = FakeStripe(pool, webhook_secret=webhook_secret, webhook_url=webhook_url,
                      public_base_url=public_base_url, enabled_events=enabled_events, open_link=open_link)
    return fake_stripe_app(fake)
