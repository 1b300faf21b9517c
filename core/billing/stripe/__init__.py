"""Stripe: the gateway the product calls and the events it applies."""
