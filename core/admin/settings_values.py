"""Reading a setting's value from what an operator typed, and showing values on the screens.

Every refusal names what was expected, so a typo changes nothing and the
operator learns why. Texts are stored exactly as typed; they are plain text
to the product (escaped when sent), so the screens escape them too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core import i18n
from core.admin import fmt
from core.admin.settings_registry import Kind, Spec, Value
from core.billing import texts as billing_texts
from core.experience import texts as experience_texts

#: Typed instead of a value: the setting's default (for one language's text: the built-in one).
DEFAULT_WORD = "default"

_ON = ("on", "true")
_OFF = ("off", "false")
_NUMBER = re.compile(r"[+-]?[0-9]+")
#: Anything that looks like a placeholder, so ``{Name}`` or ``{ name }`` is caught too.
_PLACEHOLDER = re.compile(r"\{\s*(\w+)\s*\}")
#: Control characters Telegram would drop or Postgres's JSON refuses (tabs and newlines are text).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Unicode isolates around a typed text inside a line, so a right-to-left text cannot
#: reorder the arrow and the words around it.
_ISOLATE = ("\u2068", "\u2069")


#: The longest a filled-in placeholder gets: a name is a first and a last name of up to 64 each.
PLACEHOLDER_ROOM = 129


class Invalid(ValueError):
    """What was typed is not a value of the setting; the message (HTML) says why."""


def telegram_length(text: str) -> int:
    """Characters as Telegram counts them: UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def languages() -> tuple[str, ...]:
    return i18n.catalogs().languages


def language(typed: str) -> str:
    """A catalog language (``pt``), or why not."""
    lang = typed.strip().lower()
    if lang not in languages():
        raise Invalid(f"“{fmt.esc(typed[:20])}” is not a language of the bot: write one of "
                      f"{', '.join(languages())}.")
    return lang


def parse(spec: Spec, typed: str) -> Value:
    """The value ``typed`` means for ``spec`` (one language's text for a per-language
    setting; ``""`` there is the built-in text), or :class:`Invalid`."""
    if typed.strip().lower() == DEFAULT_WORD:
        return "" if spec.kind is Kind.TEXTS else spec.default
    if spec.kind is Kind.BOOL:
        return _flag(typed)
    if spec.kind is Kind.INT:
        return _number(spec, typed)
    return _text(spec, typed)


def _flag(typed: str) -> bool:
    word = typed.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise Invalid(f"“{fmt.esc(typed[:20])}” is not on or off: write on or off (true or false).")


def _number(spec: Spec, typed: str) -> int:
    text = typed.strip()
    if not _NUMBER.fullmatch(text):
        raise Invalid(f"“{fmt.esc(text[:20])}” is not a whole number: write digits only, e.g. "
                      f"{spec.default}.")
    value = int(text) if len(text) <= 12 else spec.maximum + 1
    if not spec.minimum <= value <= spec.maximum:
        raise Invalid(f"{spec.title} is between {fmt.number(spec.minimum)} and {fmt.number(spec.maximum)};"
                      f" {fmt.esc(text[:20])} is out of range.")
    return value


def _text(spec: Spec, typed: str) -> str:
    text = typed.strip()
    if not text:
        raise Invalid(f"{spec.title} cannot be empty." + (
            f" To use the built-in text, write {DEFAULT_WORD}." if spec.empty_allowed else ""))
    if _CONTROL.search(text):
        raise Invalid("The text contains control characters; type it again as plain text.")
    length = telegram_length(text)
    if length > spec.maximum:
        raise Invalid(f"{spec.title} is at most {fmt.number(spec.maximum)} characters; this one has "
                      f"{fmt.number(length)} (an emoji counts as two).")
    filled = length + sum(PLACEHOLDER_ROOM - telegram_length(m.group(0)) for m in _PLACEHOLDER.finditer(text)
                          if m.group(0)[1:-1] in spec.placeholders)
    if filled > spec.maximum:
        raise Invalid(f"{spec.title} is at most {fmt.number(spec.maximum)} characters once each"
                      f" placeholder is filled in (up to {PLACEHOLDER_ROOM} each); this one can reach"
                      f" {fmt.number(filled)}.")
    if length < spec.minimum:
        raise Invalid(f"{spec.title} needs at least {fmt.number(spec.minimum)} characters.")
    if spec.symbols_only and any(c.isalnum() or c.isspace() for c in text):
        raise Invalid(f"{spec.title} may not contain letters, digits or spaces (an ordinary reply"
                      f" could start with it): use symbols such as // or !!.")
    unknown = sorted({m.group(0) for m in _PLACEHOLDER.finditer(text)
                      if m.group(0)[1:-1] not in spec.placeholders})
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in sorted(spec.placeholders))
        raise Invalid(f"Unknown placeholder {fmt.esc(', '.join(unknown))}: "
                      + (f"{spec.title} may use {allowed} only." if allowed else
                         f"{spec.title} has no placeholders; leave out the braces."))
    return text


def rule(spec: Spec) -> str:
    """What a value must be, for prompts and the detail screen (HTML)."""
    if spec.kind is Kind.BOOL:
        return "on or off"
    if spec.kind is Kind.INT:
        zero = f" (0: {spec.zero})" if spec.zero and spec.minimum == 0 else ""
        return (f"a whole number of {spec.unit}s from {fmt.number(spec.minimum)} to "
                f"{fmt.number(spec.maximum)}{zero}")
    if spec.symbols_only:
        return (f"{fmt.number(spec.minimum)} to {fmt.number(spec.maximum)} symbols (no letters, digits"
                " or spaces)")
    size = (f"{fmt.number(spec.minimum)} to {fmt.number(spec.maximum)} characters" if spec.minimum
            else f"up to {fmt.number(spec.maximum)} characters")
    what = "a text per language" if spec.kind is Kind.TEXTS else "a text"
    extra = ""
    if spec.placeholders:
        extra = "; " + ", ".join("{" + p + "}" for p in sorted(spec.placeholders)) + " filled in"
    return f"{what}, {size}{extra}, sent as plain text"


def example(spec: Spec) -> str:
    """How to type a value, after ``/set <key>`` (HTML)."""
    if spec.kind is Kind.BOOL:
        return "on|off"
    if spec.kind is Kind.INT:
        return f"&lt;{spec.minimum}–{spec.maximum}&gt;"
    if spec.kind is Kind.TEXTS:
        return f"&lt;{'|'.join(languages())}&gt; &lt;text&gt;"
    return "&lt;text&gt;"


def _isolated(text: str) -> str:
    return f"{_ISOLATE[0]}{text}{_ISOLATE[1]}"


def quoted(text: str, limit: int = 60) -> str:
    """A typed text inside a line of a screen: shortened, escaped, isolated."""
    one_line = " ".join(text.split())
    short = one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
    return f"“{_isolated(fmt.esc(short))}”"


def shown(spec: Spec, value: Value, *, limit: int = 60) -> str:
    """A value as a screen shows it in a line (HTML)."""
    if isinstance(value, bool):
        return "✅ on" if value else "⛔ off"
    if isinstance(value, int):
        unit = f" {spec.unit}{'' if value == 1 else 's'}" if spec.unit else ""
        off = f" ({spec.zero})" if value == 0 and spec.zero else ""
        return f"{fmt.number(value)}{unit}{off}"
    if isinstance(value, str):
        return quoted(value, limit) if value else "<i>built-in text</i>"
    custom = [lang for lang in languages() if value.get(lang, "").strip()]
    return f"custom in {', '.join(custom)}" if custom else "<i>built-in in every language</i>"


def _welcome(text: str, lang: str, name: str) -> str:
    return experience_texts.welcome(name, new=True, lang=lang, custom=text)


def _terms(text: str, lang: str, name: str) -> str:
    return billing_texts.terms(text, lang=lang)


def _paysupport(text: str, lang: str, name: str) -> str:
    return billing_texts.paysupport(text, lang=lang)


def _timezone(text: str, lang: str, name: str) -> str:
    """What a scheduled broadcast's time means with this zone (an unknown one is UTC)."""
    try:
        zone = ZoneInfo(text.strip())
    except (ValueError, ZoneInfoNotFoundError):
        return f"“{fmt.esc(text)}” is no time zone: scheduled broadcasts read times in UTC."
    return f"It is {datetime.now(zone):%H:%M} in {fmt.esc(zone)}: at:… times are read there."


#: The texts users get, rendered by the product's own code (escaped as it escapes them).
_PREVIEWS: Mapping[str, Callable[[str, str, str], str]] = {
    "welcome_text": _welcome, "terms_text": _terms, "paysupport_text": _paysupport,
    "timezone": _timezone,
}


def has_preview(spec: Spec) -> bool:
    return spec.key in _PREVIEWS


def preview(spec: Spec, text: str, *, lang: str, name: str) -> str:
    """A text as users will get it (HTML, what the product sends), greeting ``name``."""
    return _PREVIEWS[spec.key](text, lang, name)


def text_of(value: Value, lang: str | None) -> Value:
    """The part of a value one change is about: one language's text, or all of it."""
    if lang is None:
        return value
    return value.get(lang, "") if isinstance(value, Mapping) else ""
