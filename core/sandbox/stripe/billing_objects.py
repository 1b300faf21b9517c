"""Stripe objects of Checkout and Billing, shaped like the API's (every field present).

See :mod:`core.sandbox.stripe.objects` for why every field is there.
"""

from __future__ import annotations

from typing import Any

from core.sandbox.stripe.objects import list_object, new_id, shaped

#: Checkout sessions expire after 24 hours unless told otherwise.
SESSION_LIFETIME = 24 * 3600


def checkout_session(cs_id: str, *, created: int, mode: str, customer: str | None,
                     customer_email: str | None, currency: str, amount: int, metadata: dict[str, str],
                     success_url: str | None, cancel_url: str | None, url: str,
                     client_reference_id: str | None, expires_at: int | None) -> dict[str, Any]:
    return shaped(
        "after_expiration allow_promotion_codes billing_address_collection client_secret "
        "collected_information consent currency_conversion custom_text customer_account "
        "customer_details discounts integration_identifier invoice locale managed_payments "
        "origin_context payment_intent payment_link payment_method_configuration_details "
        "permissions recovered_from saved_payment_method_options setup_intent "
        "shipping_address_collection shipping_cost subscription submit_type wallet_options",
        id=cs_id, object="checkout.session", created=created, livemode=False, mode=mode,
        adaptive_pricing={"enabled": False}, amount_subtotal=amount, amount_total=amount,
        automatic_tax={"enabled": False, "liability": None, "provider": None, "status": None},
        cancel_url=cancel_url, client_reference_id=client_reference_id,
        consent_collection=None, currency=currency, custom_fields=[], customer=customer,
        customer_creation=None if customer or mode == "subscription" else "if_required",
        customer_email=customer_email, expires_at=expires_at or created + SESSION_LIFETIME,
        invoice_creation={"enabled": False, "invoice_data": None} if mode == "payment" else None,
        metadata=metadata, payment_method_collection="always" if mode == "subscription" else None,
        payment_method_options={"card": {"request_three_d_secure": "automatic"}},
        payment_method_types=["card"], payment_status="unpaid",
        phone_number_collection={"enabled": False}, shipping_options=[], status="open",
        success_url=success_url,
        total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        ui_mode="hosted", url=url,
    )


def customer_details(customer: dict[str, Any]) -> dict[str, Any]:
    """What the Checkout page collected: here, what the customer already had."""
    return {
        "address": {"city": None, "country": "US", "line1": None, "line2": None,
                    "postal_code": "10001", "state": None},
        "business_name": None, "email": customer.get("email"), "individual_name": None,
        "name": customer.get("name"), "phone": None, "tax_exempt": "none", "tax_ids": [],
    }


def portal_session(bps_id: str, *, created: int, customer: str, return_url: str | None,
                   url: str) -> dict[str, Any]:
    return shaped(
        "customer_account flow locale on_behalf_of",
        id=bps_id, object="billing_portal.session", created=created, livemode=False,
        configuration=new_id("bpc"), customer=customer, return_url=return_url, url=url,
    )


def product(prod_id: str, *, created: int, name: str) -> dict[str, Any]:
    return shaped(
        "default_price description package_dimensions shippable statement_descriptor tax_code "
        "unit_label url",
        id=prod_id, object="product", created=created, updated=created, livemode=False,
        active=False, images=[], marketing_features=[], metadata={}, name=name, type="service",
    )


def price(price_id: str, *, created: int, product: str, currency: str, unit_amount: int,
          interval: str | None, interval_count: int) -> dict[str, Any]:
    recurring = None
    if interval is not None:
        recurring = {"interval": interval, "interval_count": interval_count, "meter": None,
                     "trial_period_days": None, "usage_type": "licensed"}
    return shaped(
        "custom_unit_amount lookup_key nickname tiers_mode transform_quantity",
        id=price_id, object="price", created=created, livemode=False,
        # Inline prices (price_data) are created inactive, as Stripe does.
        active=False, billing_scheme="per_unit", currency=currency, metadata={}, product=product,
        recurring=recurring, tax_behavior="unspecified",
        type="recurring" if recurring else "one_time", unit_amount=unit_amount,
        unit_amount_decimal=str(unit_amount),
    )


def subscription(sub_id: str, *, created: int, customer: str, price: dict[str, Any],
                 default_payment_method: str, metadata: dict[str, str], period: tuple[int, int]
                 ) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": new_id("si", 14), "object": "subscription_item", "billing_thresholds": None,
        "created": created, "current_period_start": period[0], "current_period_end": period[1],
        "discounts": [], "metadata": {}, "plan": None, "price": price, "quantity": 1,
        "subscription": sub_id, "tax_rates": [],
    }
    return shaped(
        "application application_fee_percent billing_thresholds cancel_at canceled_at "
        "customer_account days_until_due default_source description ended_at latest_invoice "
        "managed_payments next_pending_invoice_item_invoice on_behalf_of pause_collection "
        "pending_invoice_item_interval pending_setup_intent pending_update schedule test_clock "
        "transfer_data trial_end trial_start",
        id=sub_id, object="subscription", created=created, livemode=False,
        automatic_tax={"disabled_reason": None, "enabled": False, "liability": None},
        billing_cycle_anchor=period[0], billing_cycle_anchor_config=None,
        billing_mode={"flexible": None, "type": "classic"}, billing_schedules=[],
        cancel_at_period_end=False,
        cancellation_details={"comment": None, "feedback": None, "reason": None},
        collection_method="charge_automatically", currency=price["currency"], customer=customer,
        default_payment_method=default_payment_method, default_tax_rates=[], discounts=[],
        invoice_settings={"account_tax_ids": None, "issuer": {"type": "self"}},
        items=list_object(f"/v1/subscription_items?subscription={sub_id}", [item]),
        metadata=metadata, payment_settings={"payment_method_options": None,
                                             "payment_method_types": None,
                                             "save_default_payment_method": "off"},
        start_date=created, status="active",
        trial_settings={"end_behavior": {"missing_payment_method": "create_invoice"}},
    )


def invoice(in_id: str, *, created: int, customer: dict[str, Any], sub: dict[str, Any],
            product_name: str, billing_reason: str) -> dict[str, Any]:
    """An open invoice for the subscription's current period; paying it is the caller's business."""
    item = sub["items"]["data"][0]
    amount = item["price"]["unit_amount"] * item["quantity"]
    period = {"start": item["current_period_start"], "end": item["current_period_end"]}
    line = {
        "id": new_id("il"), "object": "line_item", "amount": amount, "currency": sub["currency"],
        "description": f"1 × {product_name}",
        "discount_amounts": [], "discountable": True, "discounts": [], "invoice": in_id,
        "livemode": False, "metadata": dict(sub["metadata"]),
        "parent": {"invoice_item_details": None, "type": "subscription_item_details",
                   "subscription_item_details": {"invoice_item": None, "proration": False,
                                                 "proration_details": {"credited_items": None},
                                                 "subscription": sub["id"],
                                                 "subscription_item": item["id"]}},
        "period": period, "pretax_credit_amounts": [],
        "pricing": {"price_details": {"price": item["price"]["id"], "product": item["price"]["product"]},
                    "type": "price_details", "unit_amount_decimal": str(item["price"]["unit_amount"])},
        "quantity": 1, "quantity_decimal": "1", "subscription": sub["id"], "subtotal": amount,
        "taxes": [],
    }
    return shaped(
        "account_name account_tax_ids application automatically_finalizes_at custom_fields "
        "customer_account customer_address customer_phone customer_shipping default_payment_method "
        "default_source description due_date ending_balance footer from_invoice "
        "last_finalization_error latest_revision next_payment_attempt on_behalf_of receipt_number "
        "shipping_cost shipping_details statement_descriptor test_clock total_pretax_credit_amounts "
        "webhooks_delivered_at",
        id=in_id, object="invoice", created=created, livemode=False, account_country="US",
        amount_due=amount, amount_overpaid=0, amount_paid=0, amount_remaining=amount,
        amount_shipping=0, attempt_count=0, attempted=False, auto_advance=True,
        automatic_tax={"disabled_reason": None, "enabled": False, "liability": None,
                       "provider": None, "status": None},
        billing_reason=billing_reason, collection_method="charge_automatically",
        currency=sub["currency"], customer=customer["id"], customer_email=customer.get("email"),
        customer_name=customer.get("name"), customer_tax_exempt="none", customer_tax_ids=[],
        default_tax_rates=[], discounts=[], effective_at=created,
        hosted_invoice_url=f"https://invoice.stripe.com/i/{in_id}",
        invoice_pdf=f"https://pay.stripe.com/invoice/{in_id}/pdf", issuer={"type": "self"},
        lines=list_object(f"/v1/invoices/{in_id}/lines", [line]), metadata={},
        number=f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}",
        parent={"quote_details": None, "type": "subscription_details",
                "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"]}},
        payment_settings={"default_mandate": None, "payment_method_options": None,
                          "payment_method_types": None},
        period_end=period["end"] if billing_reason == "subscription_cycle" else created,
        period_start=period["start"] if billing_reason == "subscription_cycle" else created,
        post_payment_credit_notes_amount=0, pre_payment_credit_notes_amount=0,
        rendering=None, starting_balance=0, status="open",
        status_transitions={"finalized_at": created, "marked_uncollectible_at": None,
                            "paid_at": None, "voided_at": None},
        subscription=sub["id"], subtotal=amount, subtotal_excluding_tax=amount, total=amount,
        total_discount_amounts=[], total_excluding_tax=amount, total_taxes=[],
    )
