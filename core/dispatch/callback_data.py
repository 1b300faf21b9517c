"""Typed button payloads: what a button sends back, packed into Telegram's 64 bytes.

A payload is a frozen dataclass declared with its prefix::

    @dataclass(frozen=True)
    class Pay(CallbackData, prefix="pay"):
        rail: Rail
        code: str

``Pay(Rail.STARS, "pack10").pack()`` is ``"pay:stars:pack10"``; ``Pay.unpack``
reads it back with each field converted to its type. Packing checks Telegram's
64-byte limit, so an oversized button fails where it is built (and in tests),
not when Telegram refuses the keyboard. A payload carries no authority: it
says which button was pressed, and whoever handles it checks who pressed it.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from typing import Any, ClassVar, Self

from core.platform.errors import BadInput

#: Telegram refuses ``callback_data`` longer than this, in bytes.
MAX_BYTES = 64
SEPARATOR = ":"


class BadCallbackData(BadInput):
    """The button's data does not read as the payload it claims to be (stale or forged)."""


class CallbackData:
    prefix: ClassVar[str]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or prefix.endswith(SEPARATOR) or len(prefix.encode()) >= MAX_BYTES:
            raise ValueError(f"bad callback data prefix {prefix!r}")
        cls.prefix = prefix

    @classmethod
    def _fields(cls) -> list[tuple[str, Any]]:
        hints = typing.get_type_hints(cls)
        return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]  # type: ignore[arg-type]

    def pack(self) -> str:
        parts = [self.prefix]
        fields = self._fields()
        for i, (name, kind) in enumerate(fields):
            text = _encode(getattr(self, name), kind)
            if SEPARATOR in text and i < len(fields) - 1:
                raise ValueError(f"{type(self).__name__}.{name} may not contain {SEPARATOR!r}: {text!r}")
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def matches(cls, data: str) -> bool:
        return data == cls.prefix or data.startswith(cls.prefix + SEPARATOR)

    @classmethod
    def unpack(cls, data: str) -> Self:
        if not cls.matches(data):
            raise BadCallbackData(f"{data!r} is not a {cls.__name__} button")
        rest = data[len(cls.prefix) + 1:] if data != cls.prefix else None
        fields = cls._fields()
        if not fields:
            if rest is not None:
                raise BadCallbackData(f"{data!r}: {cls.__name__} has no fields")
            return cls()
        if rest is None:
            raise BadCallbackData(f"{data!r}: {cls.__name__} needs {len(fields)} fields")
        parts = rest.split(SEPARATOR, len(fields) - 1)
        if len(parts) != len(fields):
            raise BadCallbackData(f"{data!r}: {cls.__name__} needs {len(fields)} fields")
        values = {name: _decode(text, kind, data) for (name, kind), text in zip(fields, parts, strict=True)}
        return cls(**values)


def _encode(value: object, kind: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _decode(text: str, kind: Any, data: str) -> object:
    try:
        if kind is bool:
            if text not in ("0", "1"):
                raise ValueError(text)
            return text == "1"
        if kind is int:
            if not text.lstrip("-").isdigit() or len(text) > 19:
                raise ValueError(text)
            return int(text)
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return kind(text)
        if kind is str:
            if not text:
                raise ValueError(text)
            return text
    except ValueError:
        raise BadCallbackData(f"{data!r}: {text!r} is not a {getattr(kind, '__name__', kind)}") from None
    raise TypeError(f"callback data fields are int, str, bool or enums, not {kind}")
