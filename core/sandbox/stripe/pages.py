"""The pages a person opens: the Checkout page behind a session's ``url`` and the portal.

Plain HTML forms, so a browser, curl or a test's HTTP client can press the
buttons. Pay completes the session; Decline fails a card attempt and leaves the
session open with Stripe's decline message, as Checkout does; "Back" goes to
the cancel_url. These pages take money without asking who presses them: they
exist only in sandbox mode and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from html import escape
from typing import Any

from aiohttp import web

from core.sandbox.stripe.api import FAKE_STRIPE
from core.sandbox.stripe.rows import StripeRefusal

#: Currencies without minor units (https://docs.stripe.com/currencies#zero-decimal).
ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                          "vnd", "vuv", "xaf", "xof", "xpf"})

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
          ".error{color:#b00020}.muted{color:#666}button{font-size:1rem;padding:.5rem 1.5rem;"
          "margin-right:.5rem}form{display:inline}")


def money(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount / 100:.2f} {currency.upper()}"


def _page(title: str, body: str, *, status: int = 200) -> web.Response:
    html = (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><p class='muted'>Fake Stripe (sandbox)</p>"
            f"<h1>{escape(title)}</h1>{body}</body></html>")
    return web.Response(status=status, text=html, content_type="text/html")


def _link(url: str | None, label: str) -> str:
    return f"<p><a href='{escape(url, quote=True)}'>{escape(label)}</a></p>" if url else ""


def _opener(request: web.Request) -> Callable[[str], str]:
    """How this machine opens the links the pages send people to (see FakeStripe.open_link)."""
    opened = request.app[FAKE_STRIPE].open_link
    return opened if opened is not None else (lambda url: url)


def _after_payment(session: dict[str, Any]) -> str | None:
    url = session["success_url"]
    return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None


def _checkout_page(session: dict[str, Any], hidden: dict[str, Any], error: str | None = None, *,
                   opened: Callable[[str], str] = str) -> web.Response:
    rows = []
    for line in hidden.get("lines", []):
        every = f" every {line['interval_count']} {line['interval']}" if line["interval"] else ""
        rows.append(f"<li>{escape(line['name'])} × {line['quantity']}: "
                    f"{money(line['unit_amount'] * line['quantity'], line['currency'])}{escape(every)}</li>")
    total = f"<p><strong>Total: {money(session['amount_total'], session['currency'])}</strong></p>"
    body = f"<ul>{''.join(rows)}</ul>{total}"
    if session["status"] == "complete":
        after = _after_payment(session)
        body += "<p>Paid.</p>" + _link(opened(after) if after else None, "Continue")
    elif session["status"] == "expired":
        body += "<p class='error'>This Checkout Session has expired.</p>"
    else:
        if error:
            body += f"<p class='error'>{escape(error)}</p>"
        # No action attribute: the forms post back to this page, wherever the fake is mounted.
        body += ("<form method='post'><input type='hidden' name='action' value='pay'>"
                 "<button type='submit'>Pay</button></form>"
                 "<form method='post'><input type='hidden' name='action' value='decline'>"
                 "<button type='submit'>Decline</button></form>"
                 + _link(opened(session["cancel_url"]) if session["cancel_url"] else None, "← Back"))
    return _page("Checkout", body)


async def _session(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]] | None:
    async with request.app[FAKE_STRIPE].unit() as tx:
        stored = await tx.get(request.match_info["session_id"], "checkout.session")
    return (stored.data, stored.hidden) if stored else None


async def show_checkout(request: web.Request) -> web.Response:
    found = await _session(request)
    if found is None:
        return _page("Not found", "<p>No such Checkout Session.</p>", status=404)
    return _checkout_page(*found, opened=_opener(request))


async def submit_checkout(request: web.Request) -> web.Response:
    fake = request.app[FAKE_STRIPE]
    session_id = request.match_info["session_id"]
    if await _session(request) is None:
        return _page("Not found", "<p>No such Checkout Session.</p>", status=404)
    action = (await request.post()).get("action")
    error = None
    if action == "pay":
        session = await fake.complete_session(session_id)
        target = _after_payment(session)
        if target and session["status"] == "complete":
            raise web.HTTPSeeOther(_opener(request)(target))
    elif action == "decline":
        error = await fake.decline_session(session_id)
    else:
        return _page("Bad request", "<p>Press Pay or Decline.</p>", status=400)
    found = await _session(request)
    assert found is not None
    return _checkout_page(*found, error=error, opened=_opener(request))


async def _portal(request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    async with request.app[FAKE_STRIPE].unit() as tx:
        portal = await tx.get(request.match_info["portal_id"], "billing_portal.session")
        if portal is None:
            return None
        subs = await tx.customer_objects(portal.data["customer"], "subscription")
    return portal.data, [s.data for s in subs]


async def show_portal(request: web.Request) -> web.Response:
    found = await _portal(request)
    if found is None:
        return _page("Not found", "<p>No such portal session.</p>", status=404)
    portal, subs = found
    rows = []
    for sub in subs:
        item = sub["items"]["data"][0]
        price = money(item["price"]["unit_amount"], item["price"]["currency"])
        row = f"<li>{escape(sub['id'])}: {price} every {escape(item['price']['recurring']['interval'])}, " \
              f"{escape(sub['status'])}"
        if sub["status"] in ("active", "past_due"):
            row += (f" <form method='post'><input type='hidden' name='subscription' "
                    f"value='{escape(sub['id'], quote=True)}'><button type='submit'>Cancel</button></form>")
        rows.append(row + "</li>")
    back = portal["return_url"]
    body = (f"<ul>{''.join(rows)}</ul>" if rows else "<p>No subscriptions.</p>") + _link(
        _opener(request)(back) if back else None, "← Return")
    return _page("Billing", body)


async def submit_portal(request: web.Request) -> web.Response:
    found = await _portal(request)
    if found is None:
        return _page("Not found", "<p>No such portal session.</p>", status=404)
    _, subs = found
    chosen = (await request.post()).get("subscription")
    if chosen not in {s["id"] for s in subs}:
        return _page("Bad request", "<p>No such subscription for this customer.</p>", status=400)
    # Canceled meanwhile (another tab): the page shows it canceled either way.
    with suppress(StripeRefusal):
        await request.app[FAKE_STRIPE].cancel_subscription(str(chosen))
    raise web.HTTPSeeOther(str(request.rel_url))
