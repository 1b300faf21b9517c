"""Payments: the catalog, Stripe (Checkout, portal, events, subscriptions) and
Telegram Stars into one ledger, grants, refunds, auto-recharge and history.
Imports the shared layers; reacts to the relay through events (core.jobs.bus).

The control center (core.admin) and the experience use billing through these
exports: the catalog and its edits, custom packages and their links, and
refunds asked by operators.
"""

from __future__ import annotations

from core.billing.catalog import Badge, Kind, Product
from core.billing.catalog import by_code as product_by_code
from core.billing.catalog import by_id as product_by_id
from core.billing.catalog import by_row as product_from_row
from core.billing.catalog_edits import MONEY_FIELDS, STRIPE_FIELDS
from core.billing.catalog_edits import Field as ProductField
from core.billing.catalog_edits import ReportTo as SyncReportTo
from core.billing.catalog_edits import Values as ProductValues
from core.billing.catalog_edits import code_taken as product_code_taken
from core.billing.catalog_edits import create as create_product
from core.billing.catalog_edits import next_sort as next_product_sort
from core.billing.catalog_edits import parse_field as parse_product_field
from core.billing.catalog_edits import parse_value as parse_product_value
from core.billing.catalog_edits import preview as preview_product_edit
from core.billing.catalog_edits import request_sync as request_stripe_sync
from core.billing.catalog_edits import save as save_product_field
from core.billing.package_sales import open_link as open_package_link
from core.billing.packages import PREFIX as PACKAGE_LINK_PREFIX
from core.billing.packages import code_of as package_code_of
from core.billing.packages import link as package_link
from core.billing.packages import uses as package_uses
from core.billing.passes import PassChange
from core.billing.passes import extend as extend_pass
from core.billing.passes import extend_many as extend_passes
from core.billing.passes import shorten as shorten_pass
from core.billing.product_rules import (
    CardPrice,
    parse_amount,
    parse_code,
    parse_kind,
    parse_name,
    parse_price,
    parse_stars,
    parse_switch,
)
from core.billing.product_rules import Invalid as InvalidProduct
from core.billing.rails import Rail
from core.billing.rails import load as load_rails
from core.billing.refund_requests import NotRefundable, left_to_refund
from core.billing.refund_requests import Preview as RefundPreview
from core.billing.refund_requests import preview as preview_refund
from core.billing.refund_requests import request as request_refund
from core.billing.router import router
from core.billing.subscribers import SUBSCRIPTIONS
from core.billing.transactions import Status as PaymentStatus
from core.billing.transactions import Transaction
from core.billing.transactions import get as payment_by_id

# Passes granted or ended by operators (core.admin) go through the same rows as paid ones.
__all__ = [
    "MONEY_FIELDS",
    "PACKAGE_LINK_PREFIX",
    "STRIPE_FIELDS",
    "SUBSCRIPTIONS",
    "Badge",
    "CardPrice",
    "InvalidProduct",
    "Kind",
    "NotRefundable",
    "PassChange",
    "PaymentStatus",
    "Product",
    "ProductField",
    "ProductValues",
    "Rail",
    "RefundPreview",
    "SyncReportTo",
    "Transaction",
    "create_product",
    "extend_pass",
    "extend_passes",
    "left_to_refund",
    "load_rails",
    "next_product_sort",
    "open_package_link",
    "package_code_of",
    "package_link",
    "package_uses",
    "parse_amount",
    "parse_code",
    "parse_kind",
    "parse_name",
    "parse_price",
    "parse_product_field",
    "parse_product_value",
    "parse_stars",
    "parse_switch",
    "payment_by_id",
    "preview_product_edit",
    "preview_refund",
    "product_by_code",
    "product_by_id",
    "product_code_taken",
    "product_from_row",
    "request_refund",
    "request_stripe_sync",
    "router",
    "save_product_field",
    "shorten_pass",
]
