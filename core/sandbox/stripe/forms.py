"""Stripe's form-encoded parameters, decoded and read the way Stripe reads them.

The stripe library sends ``line_items[0][price_data][currency]=usd``; Stripe
answers a missing, malformed or unknown parameter with a 400 naming it. The
fake does the same, so a typo in the product's parameters fails in tests
rather than against the real API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.sandbox.stripe.rows import StripeRefusal

_PART = re.compile(r"\[([^\[\]]*)\]")


def _split(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    return [head, *_PART.findall("[" + rest)] if rest else [head]


def _listify(node: Any) -> Any:
    # Stripe encodes lists as indexed keys; turn {"0": a, "1": b} back into [a, b].
    if not isinstance(node, dict):
        return node
    values = {key: _listify(value) for key, value in node.items()}
    if values and all(key.isdigit() for key in values):
        return [values[key] for key in sorted(values, key=int)]
    return values


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nested parameters from form pairs: ``a[b][0]=x`` becomes ``{"a": {"b": ["x"]}}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _split(key)
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise StripeRefusal.invalid(f"Invalid value for {key}", param=key)
            node = child
        node[parts[-1]] = value
    decoded = _listify(root)
    assert isinstance(decoded, dict)
    return decoded


class Params:
    """Read access to one level of parameters, remembering what was read.

    Whatever a handler never read is a parameter the fake does not model;
    :meth:`unknown` names them so the request is refused as Stripe refuses
    parameters it does not know.
    """

    def __init__(self, data: Mapping[str, Any], path: str = "") -> None:
        self.raw = data
        self._path = path
        self._read: set[str] = set()
        self._children: list[Params] = []

    def name(self, key: str) -> str:
        return f"{self._path}[{key}]" if self._path else key

    def _take(self, key: str, required: bool) -> Any:
        self._read.add(key)
        value = self.raw.get(key)
        if required and (value is None or value == ""):
            raise StripeRefusal.invalid(
                f"Missing required param: {self.name(key)}.", param=self.name(key), code="parameter_missing"
            )
        return None if value == "" else value

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self._take(key, required)
        if value is not None and not isinstance(value, str):
            raise StripeRefusal.invalid(f"Invalid string: {self.name(key)}", param=self.name(key))
        return value

    def integer(self, key: str, *, required: bool = False, minimum: int | None = None) -> int | None:
        value = self._take(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
            raise StripeRefusal.invalid(
                f"Invalid integer: {value}", param=self.name(key), code="parameter_invalid_integer"
            )
        number = int(value)
        if minimum is not None and number < minimum:
            raise StripeRefusal.invalid(
                f"This value must be greater than or equal to {minimum}.", param=self.name(key)
            )
        return number

    def flag(self, key: str) -> bool:
        value = self._take(key, False)
        if value is None:
            return False
        if value not in ("true", "false"):
            raise StripeRefusal.invalid(f"Invalid boolean: {value}", param=self.name(key))
        return bool(value == "true")

    def choice(self, key: str, options: Iterable[str], *, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        allowed = list(options)
        if value is not None and value not in allowed:
            raise StripeRefusal.invalid(
                f"Invalid {self.name(key)}: must be one of {', '.join(allowed)}", param=self.name(key)
            )
        return value

    def sub(self, key: str) -> Params:
        """The nested hash under ``key`` (empty when absent)."""
        value = self._take(key, False)
        if value is not None and not isinstance(value, dict):
            raise StripeRefusal.invalid(f"Invalid object: {self.name(key)}", param=self.name(key))
        child = Params(value or {}, self.name(key))
        self._children.append(child)
        return child

    def items(self, key: str, *, required: bool = False) -> list[Params]:
        value = self._take(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise StripeRefusal.invalid(f"Invalid array: {self.name(key)}", param=self.name(key))
        children = [Params(v, f"{self.name(key)}[{i}]") for i, v in enumerate(value)]
        self._children.extend(children)
        return children

    def metadata(self, key: str = "metadata") -> dict[str, str]:
        value = self._take(key, False)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise StripeRefusal.invalid(f"Invalid hash: {self.name(key)}", param=self.name(key))
        # An empty value unsets a key, as in Stripe.
        return {k: v for k, v in value.items() if v != ""}

    def ignore(self, *keys: str) -> None:
        """Parameters Stripe accepts that change nothing the fake shows (``expand``)."""
        self._read.update(keys)

    def unknown(self) -> list[str]:
        names = [self.name(key) for key in self.raw if key not in self._read]
        for child in self._children:
            names.extend(child.unknown())
        return names

    def refuse_unknown(self) -> None:
        names = self.unknown()
        if names:
            raise StripeRefusal.invalid(
                f"Received unknown parameter: {names[0]} (the fake Stripe does not model it)",
                param=names[0],
                code="parameter_unknown",
            )
