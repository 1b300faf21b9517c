"""How Search's hits read on the screen: one short block per hit, everything typed escaped.

A hit names the user with ``/user <id>`` (the user card's command), so an
operator opens the card by tapping it; a message links to itself in its
topic. Snippets come from ts_headline, whose output is the user's raw text:
it is escaped here, and only the match marks become bold.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.admin import fmt
from core.admin.navigation import PAGE_SIZE
from core.admin.search_hits import MARK_START, MARK_STOP, Found, Kind, MessageHit, PaymentHit, UserHit
from core.admin.search_terms import Term

#: Characters of a snippet shown (before escaping).
SNIPPET_CHARS = 220
#: Characters of the typed term echoed on the screen.
ECHO_CHARS = 60
LABELS = {Kind.USERS: "👥 Users", Kind.PAYMENTS: "💳 Payments", Kind.MESSAGES: "💬 Messages"}
_DIRECTIONS = {"in": "📥 from", "out": "📤 to", "note": "📝 note on"}
#: < > & come out of the query as control characters 1, 2, 3 (search_hits.sql says why).
_PLACEHOLDERS = str.maketrans({"\x01": "<", "\x02": ">", "\x03": "&"})


def echo(term: str) -> str:
    """The term as the screen repeats it: escaped, shortened, and isolated so
    right-to-left text cannot reorder the sentence around it (FSI … PDI)."""
    shown = term if len(term) <= ECHO_CHARS else term[:ECHO_CHARS] + "…"
    return f"“\u2068{fmt.esc(shown)}\u2069”"


def snippet(raw: str) -> str:
    """A headline as HTML: around the first match, the text escaped, the matches in bold.

    ``raw`` is the whole text with the marks (HighlightAll): cutting it here
    keeps every word, where ts_headline's own fragments drop short ones.
    """
    text = " ".join(raw.translate(_PLACEHOLDERS).split())
    first = max(text.find(MARK_START), 0)
    start = 0 if first < SNIPPET_CHARS // 3 else first - SNIPPET_CHARS // 4
    if start:
        space = text.find(" ", start, first)  # start at a word
        start = space + 1 if space != -1 else start
    cut = text[start:start + SNIPPET_CHARS]
    if start + SNIPPET_CHARS < len(text):
        cut = cut.rsplit(" ", 1)[0] if " " in cut[SNIPPET_CHARS // 2:] else cut
        cut += "…"
    if start > 0:
        cut = "…" + cut
    if cut.count(MARK_START) > cut.count(MARK_STOP):
        cut += MARK_STOP  # the cut fell inside a match
    cut = cut.replace(MARK_STOP, "", max(cut.count(MARK_STOP) - cut.count(MARK_START), 0))
    return fmt.esc(cut).replace(MARK_START, "<b>").replace(MARK_STOP, "</b>")


def message_link(admin_chat_id: int | None, topic_id: int | None, message_id: int | None) -> str | None:
    """``https://t.me/c/<chat>/<topic>/<message>``: only supergroups (``-100…``) have such links."""
    if admin_chat_id is None or message_id is None or not str(admin_chat_id).startswith("-100"):
        return None
    chat = str(admin_chat_id)[4:]
    return (f"https://t.me/c/{chat}/{topic_id}/{message_id}" if topic_id is not None
            else f"https://t.me/c/{chat}/{message_id}")


def _who(telegram_id: int, first: str | None, last: str | None, username: str | None) -> str:
    return f"{fmt.name_of(first, last, username, telegram_id)} · /user {telegram_id}"


def user_block(hit: UserHit, now: datetime) -> str:
    flags = [hit.tier]
    if hit.is_banned:
        flags.append("🚫 banned")
    flags.append("paid" if hit.first_paid_at is not None else "never paid")
    return (f"👤 {_who(hit.telegram_id, hit.first_name, hit.last_name, hit.username)}\n"
            f"    <code>{hit.telegram_id}</code> · {fmt.number(hit.credits)} credits · {' · '.join(flags)}"
            f" · seen {fmt.ago(hit.last_seen_at, now)}")


def payment_block(hit: PaymentHit) -> str:
    status = hit.status.replace("_", " ")
    if hit.amount_refunded:
        status += f" ({fmt.money(hit.amount_refunded, hit.currency)} refunded)"
    who = (_who(hit.telegram_id, hit.first_name, hit.last_name, hit.username) if hit.telegram_id is not None
           else "no user")
    product = f" · {fmt.esc(hit.product)}" if hit.product else ""
    ref = f"<code>{fmt.esc(hit.external_id)}</code> · " if hit.external_id else ""
    return (f"💳 {fmt.money(hit.amount, hit.currency)} · {status} · {hit.rail}{product}"
            f" · {fmt.date(hit.created_at)}\n    {ref}{who}")


def message_block(hit: MessageHit) -> str:
    link = message_link(hit.admin_chat_id, hit.topic_id, hit.admin_message_id)
    opened = f' · <a href="{link}">open in topic</a>' if link else " · not in a topic"
    name = fmt.name_of(hit.first_name, hit.last_name, hit.username, hit.telegram_id)
    return (f"{_DIRECTIONS.get(hit.direction, hit.direction)} {name} · {fmt.date(hit.created_at)}\n"
            f"    “{snippet(hit.snippet)}”\n"
            f"    /user {hit.telegram_id}{opened}")


def count(found: Found) -> str:
    """How many a kind found, as its button and the counts line say it."""
    if not found.searched:
        return "—"
    if found.slow:
        return "too slow"
    return total(found)


def total(found: Found) -> str:
    """``17``, ``1,000+`` (counting stopped), ``≈120,000`` (a common word, estimated)."""
    if found.estimated:
        return f"≈{fmt.number(found.total)}"
    return fmt.number(found.total) + ("+" if found.capped else "")


def body(shown: Found, term: Term, page: int) -> list[str]:
    """The lines under the counts: the page of hits, or why there are none."""
    label = LABELS[shown.kind]
    if shown.slow:
        return [f"{label}: the search took too long. Add a rarer word, or search by @username, id or amount."]
    if not shown.searched:
        return [_not_searched(shown.kind, term)]
    if not shown.total:
        return [f"Nothing found. {_hint(term)}"]
    if not shown.hits:
        return [f"{label}: no more. ◀️ goes back to newer ones."]
    first = page * PAGE_SIZE
    newest = " (newest first)" if shown.total > 1 else ""
    lines = [f"{label} {first + 1}–{first + len(shown.hits)} of {total(shown)}{newest}:", ""]
    now = datetime.now(UTC)
    for hit in shown.hits:
        if isinstance(hit, UserHit):
            lines.append(user_block(hit, now))
        elif isinstance(hit, PaymentHit):
            lines.append(payment_block(hit))
        elif isinstance(hit, MessageHit):
            lines.append(message_block(hit))
    return lines


def _not_searched(kind: Kind, term: Term) -> str:
    if kind is Kind.MESSAGES:
        return ("💬 Messages are searched by words to find: a search of only excluded words "
                "(<i>-word</i>) would read every message.")
    if kind is Kind.PAYMENTS:
        return "💳 Payments are found by their id (cs_…, pi_…, ch_…, in_…, stx…) or an amount (9.99, 500⭐)."
    return "👥 Users are found by name, @username, Telegram id or cus_… id; this looks like a payment."


def _hint(term: Term) -> str:
    if term.username is not None:
        return f"No user has the username @{fmt.esc(term.username)}; names are searched without the @."
    if term.telegram_id is not None:
        return "No user has this Telegram id."
    if term.payment_id is not None or term.customer_id is not None:
        return "Ids are matched whole: paste the complete id."
    if term.amount is not None:
        return "No payment of exactly this amount."
    return "Try fewer or shorter words: names match from the start of a word (mar finds Maria)."
