"""Payments: the catalog, Stripe (Checkout, portal, events, subscriptions) and
Telegram Stars into one ledger, grants, refunds, auto-recharge and history.
Imports the shared layers and core.relay.incoming's exports.
"""
