"""Reading a webhook body into JSON Postgres can store, or a specific refusal.

Python's JSON reader accepts what ``jsonb`` refuses: ``NaN`` and ``Infinity``,
the NUL character, and lone UTF-16 surrogates (``"\\ud800"``). Recorded as
they are, such a body fails the ingress's whole group-commit batch, so every
neighbour of one bad update would be answered 500 and sent again. Neither
Telegram nor Stripe sends them; a body with one is refused with 400 before it
is routed. Integers beyond 64 bits are refused too: the workers read ids as
``bigint``. So are other numbers beyond that range: ``jsonb`` keeps a number as
``numeric`` and writes ``3.5e39`` back as forty digits, so the float the ingress
read reaches the worker as an integer no ``bigint`` holds.
"""

from __future__ import annotations

import json
from typing import Any

from core.platform.errors import BadInput

INT64 = 2**63
#: Nesting deeper than Telegram or Stripe ever sends; a deep body costs a deep walk.
MAX_DEPTH = 64


def _no_constant(name: str) -> Any:
    raise BadInput(f"body holds {name}, which is not JSON")


def decode(body: bytes) -> Any:
    """The JSON value of ``body``; BadInput with the reason when Postgres could not store it."""
    try:
        value = json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadInput("body is not valid JSON") from exc
    _check(value, 0)
    return value


def _check(value: object, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BadInput(f"body nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | float):
        if not -INT64 <= value < INT64:
            what = "an integer" if isinstance(value, int) else "a number"
            raise BadInput(f"body holds {what} beyond 64 bits")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise BadInput("body holds a NUL character, which cannot be stored")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadInput("body holds a lone UTF-16 surrogate, which is not Unicode") from exc
