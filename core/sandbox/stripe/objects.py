"""Stripe objects of the payments side, shaped like the API's (every field present).

Fields the fake has no use for are present with Stripe's empty value, so code
reading an object meets the same keys it meets in production. The field sets
follow the samples in tests/fixtures/stripe/objects.json, and the tests check
that they still do.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def shaped(nulls: str, **fields: Any) -> dict[str, Any]:
    """An object whose fields listed in ``nulls`` are null and the others as given."""
    obj: dict[str, Any] = dict.fromkeys(nulls.split())
    obj.update(fields)
    return obj


def list_object(url: str, data: list[dict[str, Any]], *, has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def _address() -> dict[str, Any]:
    return dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))


def customer(cid: str, *, created: int, name: str | None, email: str | None,
             metadata: dict[str, str], description: str | None = None) -> dict[str, Any]:
    return shaped(
        "address currency default_source discount phone test_clock",
        id=cid, object="customer", created=created, livemode=False, name=name, email=email,
        description=description, metadata=metadata, balance=0, delinquent=False,
        invoice_prefix=cid[4:11].upper(), next_invoice_sequence=1, preferred_locales=[],
        shipping=None, tax_exempt="none",
        invoice_settings={"custom_fields": None, "default_payment_method": None, "footer": None,
                          "rendering_options": None},
    )


def card(last4: str = "4242") -> dict[str, Any]:
    return {
        "brand": "visa", "display_brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2034,
        "fingerprint": new_id("fp", 16)[3:], "funding": "credit", "last4": last4,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
        "generated_from": None, "networks": {"available": ["visa"], "preferred": None},
        "regulated_status": "unregulated", "three_d_secure_usage": {"supported": True}, "wallet": None,
    }


def payment_method(pm_id: str, *, created: int, customer: str | None, name: str | None) -> dict[str, Any]:
    return shaped(
        "customer_account",
        id=pm_id, object="payment_method", created=created, livemode=False, customer=customer,
        type="card", card=card(), metadata={}, allow_redisplay="unspecified",
        billing_details={"address": _address(), "email": None, "name": name, "phone": None,
                         "tax_id": None},
    )


def payment_intent(pi_id: str, *, created: int, amount: int, currency: str, customer: str | None,
                   metadata: dict[str, str], description: str | None = None,
                   setup_future_usage: str | None = None) -> dict[str, Any]:
    """A new intent waiting for a payment method; the payment fills in the rest."""
    return shaped(
        "application application_fee_amount canceled_at cancellation_reason customer_account "
        "excluded_payment_method_types last_payment_error latest_charge next_action on_behalf_of "
        "payment_method processing receipt_email review shipping source statement_descriptor "
        "statement_descriptor_suffix transfer_data transfer_group",
        id=pi_id, object="payment_intent", created=created, livemode=False, amount=amount,
        amount_capturable=0, amount_details={"tip": {}}, amount_received=0, currency=currency,
        customer=customer, description=description, metadata=metadata,
        automatic_payment_methods={"allow_redirects": "never", "enabled": True},
        capture_method="automatic_async", confirmation_method="automatic",
        client_secret=f"{pi_id}_secret_{new_id('x', 25)[2:]}", managed_payments=None,
        payment_method_configuration_details=None, payment_method_options={
            "card": {"installments": None, "mandate_options": None, "network": None,
                     "request_three_d_secure": "automatic"}},
        payment_method_types=["card"], setup_future_usage=setup_future_usage,
        status="requires_payment_method",
    )


def charge(ch_id: str, *, created: int, intent: dict[str, Any], method: dict[str, Any],
           decline: tuple[str, str, str] | None) -> dict[str, Any]:
    """A card charge for ``intent``; ``decline`` is (code, decline_code, message) when it failed."""
    amount = intent["amount"]
    outcome = {
        "advice_code": None, "network_advice_code": None, "network_decline_code": None,
        "network_status": "approved_by_network", "reason": None, "risk_level": "normal",
        "risk_score": 20, "seller_message": "Payment complete.", "type": "authorized",
    }
    if decline is not None:
        outcome.update(network_status="declined_by_network", reason=decline[1], type="issuer_declined",
                       seller_message="The bank did not return any further details with this decline.")
    card_details = {key: method["card"][key] for key in
                    ("brand", "checks", "country", "exp_month", "exp_year", "fingerprint", "funding",
                     "last4", "regulated_status", "wallet")}
    card_details.update(network="visa", amount_authorized=None if decline else amount,
                        authorization_code=None if decline else "123456", mandate=None,
                        network_transaction_id=None, three_d_secure=None)
    return shaped(
        "application application_fee application_fee_amount calculated_statement_descriptor "
        "failure_balance_transaction on_behalf_of receipt_email receipt_number review source "
        "source_transfer statement_descriptor statement_descriptor_suffix transfer_data transfer_group",
        id=ch_id, object="charge", created=created, livemode=False, amount=amount,
        amount_captured=0 if decline else amount, amount_refunded=0,
        balance_transaction=None if decline else new_id("txn"),
        billing_details=method["billing_details"], captured=decline is None,
        currency=intent["currency"], customer=intent["customer"], description=intent["description"],
        disputed=False, failure_code=decline[0] if decline else None,
        failure_message=decline[2] if decline else None, fraud_details={},
        metadata=dict(intent["metadata"]), outcome=outcome, paid=decline is None,
        payment_intent=intent["id"], payment_method=method["id"],
        payment_method_details={"card": card_details, "type": "card"},
        receipt_url=None if decline else f"https://pay.stripe.com/receipts/payment/{ch_id}",
        refunded=False, refunds=list_object(f"/v1/charges/{ch_id}/refunds", []), shipping=None,
        status="failed" if decline else "succeeded",
    )


def refund(re_id: str, *, created: int, charge: dict[str, Any], amount: int, reason: str | None,
           metadata: dict[str, str]) -> dict[str, Any]:
    return shaped(
        "customer_account receipt_number source_transfer_reversal transfer_reversal",
        id=re_id, object="refund", created=created, amount=amount, charge=charge["id"],
        currency=charge["currency"], customer=charge["customer"], metadata=metadata,
        payment_intent=charge["payment_intent"], payment_method=charge["payment_method"],
        reason=reason, status="succeeded", balance_transaction=new_id("txn"),
        destination_details={"card": {"reference_status": "pending", "type": "refund",
                                      "reference_type": "acquirer_reference_number"}, "type": "card"},
    )


def dispute(dp_id: str, *, created: int, charge: dict[str, Any], reason: str) -> dict[str, Any]:
    evidence = (
        "access_activity_log billing_address cancellation_policy cancellation_policy_disclosure "
        "cancellation_rebuttal customer_communication customer_email_address customer_name "
        "customer_purchase_ip customer_signature duplicate_charge_documentation "
        "duplicate_charge_explanation duplicate_charge_id product_description receipt refund_policy "
        "refund_policy_disclosure refund_refusal_explanation service_date service_documentation "
        "shipping_address shipping_carrier shipping_date shipping_documentation "
        "shipping_tracking_number uncategorized_file uncategorized_text"
    )
    return shaped(
        "",
        id=dp_id, object="dispute", created=created, livemode=False, amount=charge["amount"],
        balance_transactions=[], charge=charge["id"], currency=charge["currency"],
        enhanced_eligibility_types=[], evidence=shaped(evidence, enhanced_evidence={}),
        evidence_details={"due_by": created + 7 * 86400, "enhanced_eligibility": {},
                          "has_evidence": False, "past_due": False, "submission_count": 0},
        is_charge_refundable=False, metadata={}, payment_intent=charge["payment_intent"],
        payment_method_details={"card": {"brand": "visa", "case_type": "chargeback", "network": "visa",
                                         "network_reason_code": "10.4"}, "type": "card"},
        reason=reason, status="needs_response",
    )
