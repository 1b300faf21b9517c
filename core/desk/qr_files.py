"""Quick replies to and from files: JSON (a list of objects) or CSV (a header
``name,category,text``), UTF-8, at most :data:`MAX_BYTES`.

An import is all or nothing: every row is checked first (the names, the
variables, the sizes, a name twice), and the first bad one is named by its
line; only a file without one is saved, in one transaction.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.desk.quick_replies import Draft, Invalid, QuickReply, validate

MAX_BYTES = 2 * 1024 * 1024
MAX_REPLIES = 1000
COLUMNS = ("name", "category", "text")


class BadFile(ValueError):
    """The file cannot be imported; the message says why (naming the line)."""


def to_json(replies: Sequence[QuickReply]) -> bytes:
    rows = [{"name": r.name, "category": r.category, "text": r.text, "entities": list(r.entities)}
            for r in replies if r.media_file_id is None]
    return json.dumps(rows, ensure_ascii=False, indent=1).encode()


def to_csv(replies: Sequence[QuickReply]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([r.name, r.category, r.text] for r in replies if r.media_file_id is None)
    return out.getvalue().encode()


@dataclass(frozen=True)
class _Row:
    line: int
    values: Any


def _json_rows(text: str) -> list[_Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadFile(f"Line {exc.lineno}: not valid JSON ({exc.msg}).") from None
    if not isinstance(data, list):
        raise BadFile("The JSON must be a list of replies: [{\"name\": …, \"category\": …, \"text\": …}].")
    # JSON rows are numbered by their place in the list (1 = the first reply).
    return [_Row(i + 1, item) for i, item in enumerate(data)]


def _csv_rows(text: str) -> list[_Row]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise BadFile("The file is empty.") from None
    if [h.strip().lower() for h in header[:3]] != list(COLUMNS):
        raise BadFile("Line 1: the CSV's header must be name,category,text.")
    rows = []
    try:
        for values in reader:
            if values:
                rows.append(_Row(reader.line_num, dict(zip(COLUMNS, values, strict=False))))
    except csv.Error as exc:
        raise BadFile(f"Line {reader.line_num}: {exc}.") from None
    return rows


def parse(content: bytes, file_name: str) -> list[Draft]:
    """The drafts of a file, every one valid; raises :class:`BadFile` for the first problem."""
    if len(content) > MAX_BYTES:
        raise BadFile(f"The file is over {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("The file is not UTF-8 text.") from None
    is_json = file_name.lower().endswith(".json") or text.lstrip().startswith("[")
    rows = _json_rows(text) if is_json else _csv_rows(text)
    if not rows:
        raise BadFile("The file has no replies.")
    if len(rows) > MAX_REPLIES:
        raise BadFile(f"The file has {len(rows):,} replies; at most {MAX_REPLIES:,} at once.")
    drafts: list[Draft] = []
    seen: dict[str, int] = {}
    what = "Reply" if is_json else "Line"
    for row in rows:
        v = row.values
        if not isinstance(v, dict) or not all(isinstance(v.get(k), str) for k in ("name", "text")):
            raise BadFile(f"{what} {row.line}: a reply needs a name and a text.")
        entities = v.get("entities") or []
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise BadFile(f"{what} {row.line}: entities must be a list of objects.")
        try:
            draft = validate(Draft(v["name"], str(v.get("category") or ""), v["text"], tuple(entities)))
        except Invalid as exc:
            raise BadFile(f"{what} {row.line}: {exc}") from None
        if draft.name in seen:
            raise BadFile(f"{what} {row.line}: the name {draft.name} is used on {what.lower()}"
                          f" {seen[draft.name]} too.")
        seen[draft.name] = row.line
        drafts.append(draft)
    return drafts
