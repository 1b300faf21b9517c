"""Message catalogs: every text a user sees, per language, with English as the fallback.

Catalogs are JSON files in ``core/i18n/locales`` (``en.json``, ``pt.json``, ...),
one object per language mapping a key to an HTML template (the bot's parse
mode) or, for texts that depend on a number, to its plural forms
(``{"one": ..., "few": ..., "many": ..., "other": ...}``, chosen by ``count``).

Templates name their placeholders (``{name}``). Values are escaped for HTML
when they are substituted, so a user's name or text can never open a tag or
an entity; a value that is HTML already (a rendered fragment) is wrapped in
:class:`Html`. Substitution is a plain search for ``{word}``, never
``str.format``, so braces in a value or an operator's text are just text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from html import escape
from importlib import resources
from typing import Any

DEFAULT = "en"
#: Catalogs shipped with the bot, in the order the language picker shows them.
LANGUAGES = ("en", "pt", "es", "uk")
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

Template = str | Mapping[str, str]


class Html(str):
    """A value that is HTML already: substituted as is, not escaped again."""

    __slots__ = ()


def html(value: object) -> Html:
    """Escape plain text (a name, a user's message) for the HTML parse mode."""
    return Html(escape(str(value), quote=False))


def plural_form(lang: str, n: int | float) -> str:
    """The CLDR plural category of ``n`` for the languages the bot speaks.

    Portuguese follows Brazilian usage ("0 créditos"), i.e. the English rule.
    """
    if isinstance(n, float) and not n.is_integer():
        return "other"
    i = abs(int(n))
    if lang == "uk":
        if i % 10 == 1 and i % 100 != 11:
            return "one"
        if 2 <= i % 10 <= 4 and not 12 <= i % 100 <= 14:
            return "few"
        return "many"
    return "one" if i == 1 else "other"


def format_number(lang: str, value: int | float, *, decimals: int = 1) -> str:
    """An integer as is; a fraction rounded to ``decimals`` with the language's decimal mark."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    quantum = Decimal(1).scaleb(-decimals)
    text = str(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)).rstrip("0").rstrip(".")
    return text.replace(".", catalogs().get(lang, "decimal_mark"))


def substitute(template: str, params: Mapping[str, object], *, strict: bool = True) -> Html:
    """Fill ``{name}`` placeholders; values are escaped unless they are :class:`Html`.

    ``strict`` (catalog texts) raises on a placeholder without a value; texts an
    operator wrote keep unknown placeholders as they are.
    """

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in params:
            if strict:
                raise KeyError(f"no value for placeholder {{{key}}} in {template!r}")
            return match.group(0)
        value = params[key]
        return value if isinstance(value, Html) else escape(str(value), quote=False)

    return Html(_PLACEHOLDER.sub(fill, template))


def placeholders(template: Template) -> set[str]:
    texts = template.values() if isinstance(template, Mapping) else [template]
    return {name for text in texts for name in _PLACEHOLDER.findall(text)}


@dataclass(frozen=True)
class Catalogs:
    """The templates of every language; English holds every key."""

    messages: Mapping[str, Mapping[str, Template]]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGUAGES if lang in self.messages) + tuple(
            sorted(lang for lang in self.messages if lang not in LANGUAGES)
        )

    def template(self, lang: str, key: str) -> Template:
        found = self.messages.get(lang, {}).get(key)
        if found is None:
            found = self.messages[DEFAULT].get(key)
        if found is None:
            raise KeyError(f"no text {key!r} in any catalog")
        return found

    def get(self, lang: str, key: str) -> str:
        """A template without placeholders, as written."""
        found = self.template(lang, key)
        if not isinstance(found, str):
            raise TypeError(f"text {key!r} has plural forms: render it with a count")
        return found

    def render(self, lang: str, key: str, /, **params: object) -> Html:
        """The template filled in: HTML, so it nests in another text without escaping."""
        template = self.template(lang, key)
        if isinstance(template, Mapping):
            count = params.get("count")
            if not isinstance(count, int | float):
                raise TypeError(f"text {key!r} has plural forms and needs a numeric count")
            form = plural_form(lang, count)
            template = template.get(form) or template["other"]
            if isinstance(count, float):
                params = {**params, "count": format_number(lang, count)}
        return substitute(template, params)


def _load_file(lang: str) -> dict[str, Template]:
    text = resources.files("core.i18n").joinpath("locales", f"{lang}.json").read_text(encoding="utf-8")
    data: Any = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"catalog {lang}.json must be a JSON object")
    return data


@cache
def catalogs() -> Catalogs:
    """The shipped catalogs, read once per process."""
    folder = resources.files("core.i18n").joinpath("locales")
    langs = sorted(e.name.removesuffix(".json") for e in folder.iterdir() if e.name.endswith(".json"))
    return Catalogs({lang: _load_file(lang) for lang in langs})


def supported(lang: str | None) -> bool:
    return lang is not None and lang in catalogs().messages


def negotiate(chosen: str | None, language_code: str | None) -> str:
    """The user's language: their own choice, else their Telegram language, else English.

    Telegram sends IETF tags (``pt-br``, ``es-419``, ``uk``); the primary subtag
    picks the catalog.
    """
    for candidate in (chosen, language_code):
        if candidate:
            primary = candidate.strip().lower().replace("_", "-").split("-", 1)[0]
            if supported(primary):
                return primary
    return DEFAULT


def t(lang: str, key: str, /, **params: object) -> Html:
    """The text ``key`` in ``lang`` (English when that language lacks it), filled in."""
    return catalogs().render(lang, key, **params)


def label(lang: str, key: str, /, **params: object) -> str:
    """A button's text: plain text, never parsed, so nothing is escaped."""
    template = catalogs().get(lang, key)
    return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]), template)


def money(lang: str, amount_minor: int, currency: str) -> Html:
    """An amount in minor units as people read it: ``$4.99``, ``R$4,99``, ``250 ⭐``."""
    code = currency.lower()
    if code == "xtr":
        return t(lang, "stars_amount", count=amount_minor)
    digits = 0 if code in ZERO_DECIMAL_CURRENCIES else 2
    value = Decimal(amount_minor).scaleb(-digits)
    number = f"{value:.{digits}f}".replace(".", catalogs().get(lang, "decimal_mark"))
    symbol = CURRENCY_SYMBOLS.get(code)
    return html(f"{symbol}{number}" if symbol else f"{number} {code.upper()}")


CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "brl": "R$", "uah": "₴", "jpy": "¥"}
#: Stripe's currencies without minor units.
ZERO_DECIMAL_CURRENCIES = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
})


def credits_word(n: int, *, lang: str = DEFAULT) -> Html:
    """``1 credit``, ``3 credits`` (plain text, no markup)."""
    return t(lang, "credits", count=n)
