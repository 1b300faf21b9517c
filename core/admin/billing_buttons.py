"""The 💰 Billing screens' buttons (typed payloads, ``adm:pay…``, ``adm:ref…``, ``adm:rev…``).

In one module so the screens can point at each other (a payment's card at
its refund, the revenue report back at Billing) without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.dispatch.callback_data import CallbackData


@dataclass(frozen=True)
class BillingHome(CallbackData, prefix="adm:pay:h"):
    pass


@dataclass(frozen=True)
class PaymentsPage(CallbackData, prefix="adm:pay:l"):
    page: int
    #: The filter, packed (core.admin.payment_filters.Filter.pack); ``-`` for none.
    filter: str


@dataclass(frozen=True)
class PaymentCard(CallbackData, prefix="adm:pay:c"):
    transaction_id: int


class Problem(StrEnum):
    FAILED = "failed"
    DISPUTED = "disputed"


@dataclass(frozen=True)
class ProblemsPage(CallbackData, prefix="adm:pay:p"):
    """Failed payments, or open disputes."""

    kind: Problem
    page: int


@dataclass(frozen=True)
class RefundStart(CallbackData, prefix="adm:ref:s"):
    transaction_id: int


@dataclass(frozen=True)
class RefundFull(CallbackData, prefix="adm:ref:f"):
    transaction_id: int


@dataclass(frozen=True)
class RefundPartial(CallbackData, prefix="adm:ref:p"):
    transaction_id: int


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class RevenueView(CallbackData, prefix="adm:rev"):
    period: Period


@dataclass(frozen=True)
class RevenueCsv(CallbackData, prefix="adm:rev:csv"):
    period: Period
