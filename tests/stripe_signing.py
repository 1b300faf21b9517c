"""Sign webhook payloads the way Stripe does (``t=...,v1=HMAC-SHA256``)."""

from __future__ import annotations

import hashlib
import hmac
import time


def signature_header(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    signed = f"{ts}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"
