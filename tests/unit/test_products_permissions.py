"""Who may do what on 🛒 Products and 💰 Billing: the matrix, read from the routers themselves.

Every route that changes something (a product, a price, the Stripe mirror, a
refund) needs PRODUCTS_EDIT or PAYMENTS_ACT, which only owners and admins
have; reading needs PRODUCTS_VIEW or PAYMENTS_VIEW, which analysts have too.
The acceptance tests check that a refusal changes nothing.
"""

from __future__ import annotations

from core.admin import (
    payment_screens,
    product_edits,
    product_screens,
    product_wizard,
    refund_screens,
    revenue,
)
from core.admin.center import DISPATCHER
from core.admin.menus import admin_commands
from core.admin.roles import ROLE_CAN, Can, Role
from core.admin.router import AdminRouter

WRITES = frozenset({Can.PRODUCTS_EDIT, Can.PAYMENTS_ACT})
READS = frozenset({Can.PRODUCTS_VIEW, Can.PAYMENTS_VIEW})
#: Routes that only read, by router: everything else there is a write.
READING = {
    "products": {"callback:adm:prd:l", "callback:adm:prd:c"},
    "payments": {"callback:adm:pay:h", "callback:adm:pay:l", "callback:adm:pay:p", "callback:adm:pay:c"},
    "revenue": {"callback:adm:rev", "callback:adm:rev:csv"},
    "product_edits": {"command:product"},  # reads a card; new, edit and sync check PRODUCTS_EDIT inside
}


def _routes(router: AdminRouter) -> dict[str, Can | None]:
    found: dict[str, Can | None] = {}
    found.update({f"command:{k}": r.capability for k, r in router.commands.items()})
    found.update({f"callback:{k}": r.capability for k, (_, r) in router.callbacks.items()})
    found.update({f"answer:{k}": r.capability for k, r in router.answers.items()})
    found.update({f"action:{k}": r.capability for k, r in router.actions.items()})
    return found


ROUTERS = [product_screens.router, product_edits.router, product_wizard.router, payment_screens.router,
           refund_screens.router, revenue.router]


def test_every_route_names_its_capability_and_writes_need_a_write_capability() -> None:
    for router in ROUTERS:
        for route, capability in _routes(router).items():
            assert capability is not None, (router.name, route)
            if route in READING.get(router.name, set()):
                assert capability in READS, (router.name, route, capability)
            else:
                assert capability in WRITES, (router.name, route, capability)


def test_only_owners_and_admins_may_write() -> None:
    for role in Role:
        allowed = ROLE_CAN[role] & WRITES
        assert (allowed == WRITES) == (role in (Role.OWNER, Role.ADMIN)), role
        assert not allowed or role in (Role.OWNER, Role.ADMIN), role
    assert ROLE_CAN[Role.ANALYST] >= READS
    assert not READS & ROLE_CAN[Role.AGENT]


def test_the_new_commands_are_served_and_listed_by_role() -> None:
    assert {"product", "refund", "products", "payments"} <= DISPATCHER.commands
    assert DISPATCHER.command_capability("refund") is Can.PAYMENTS_ACT
    assert "refund" not in admin_commands(Role.ANALYST)
    assert "product" in admin_commands(Role.ANALYST)
    assert {"product", "refund"} <= set(admin_commands(Role.ADMIN))
    assert not {"product", "refund", "products", "payments"} & set(admin_commands(Role.AGENT))
