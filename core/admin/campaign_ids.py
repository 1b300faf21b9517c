"""A list of users uploaded as a document (.txt or .csv), read strictly (pure).

Telegram ids (digits) or @usernames, one per line or several separated by
commas (or spaces, or semicolons: what spreadsheets write). A first line that is
only a column name (``id``, ``telegram_id``, ``user_id``, ``username``) is a CSV
header. A line that holds anything else is refused by its number: sending to
fewer users than the operator meant is worse than asking again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The document's size and its entries: a list, not a database.
MAX_BYTES = 1024 * 1024
MAX_IDS = 100_000
EXTENSIONS = (".txt", ".csv")
_SPLIT = re.compile(r"[,;\s]+")
_USERNAME = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")
_HEADERS = frozenset({"id", "ids", "telegram_id", "user_id", "username", "user"})


class BadFile(ValueError):
    """The file cannot be read as a list of users (the message says where)."""


@dataclass(frozen=True)
class IdFile:
    #: Distinct Telegram ids and usernames (lower-case, without the @), in file order.
    ids: list[int]
    names: list[str]

    @property
    def given(self) -> int:
        return len(self.ids) + len(self.names)


def _token(raw: str) -> int | str | None:
    """A Telegram id, a username, or None when the token is neither."""
    token = raw.strip().strip('"').strip("'")
    if token.isdigit() and token.isascii() and 0 < int(token) < 2**53:
        return int(token)
    found = _USERNAME.fullmatch(token)
    return found[1].lower() if found else None


def parse(content: bytes) -> IdFile:
    """The ids and usernames of the file; :class:`BadFile` names the first bad line."""
    if len(content) > MAX_BYTES:
        raise BadFile(f"The file is over {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("The file is not UTF-8 text.") from None
    ids: dict[int, None] = {}
    names: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = [t for t in _SPLIT.split(line) if t]
        if number == 1 and tokens and all(t.strip('"').lower() in _HEADERS for t in tokens):
            continue
        for raw in tokens:
            token = _token(raw)
            if token is None:
                raise BadFile(f"Line {number}: “{raw[:40]}” is neither a Telegram id (digits) nor an"
                              " @username.")
            if isinstance(token, int):
                ids[token] = None
            else:
                names[token] = None
        if len(ids) + len(names) > MAX_IDS:
            raise BadFile(f"Line {number}: the list goes over {MAX_IDS:,} users; split it in several.")
    if not ids and not names:
        raise BadFile("The file holds no Telegram id or @username.")
    return IdFile(list(ids), list(names))
