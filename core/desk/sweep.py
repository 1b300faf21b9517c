"""The desk's periodic sweep: topic titles, live cards and SLA alerts.

Every topic edit and message edit in an admin group spends the group's 20
a minute that customers' messages need. So the status in a topic's title
and the live card go out as background rows (core.delivery.outbox
BACKGROUND_PRIORITY): coalesced (a newer state replaces one still waiting,
only the latest is sent) and sent by the group's drainer only on spare
budget, never ahead of a customer's message. The SLA alert is one message
per conversation's wait in the General topic (the claim on the row makes it
once, however many workers sweep), below customers too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

import asyncpg

from core.delivery import outbox
from core.delivery.effects import Effects
from core.delivery.methods import Methods
from core.desk import analytics, tickets
from core.desk.tickets import State
from core.platform import bot_settings
from core.platform.database import connection
from core.platform.sql import q
from core.relay import PARSE_MODE, customer_summary, topic_name

#: What a sweep takes on at most of each kind; the rest waits for the next (15 s later).
BATCH = 200
#: Operators' messages in the group (the alert): below every customer's relay.
OPERATOR_PRIORITY = -100

ICONS = {State.NEW: "🆕", State.WAITING: "⏳", State.ANSWERED: "✅", State.CLOSED: "🔒"}


def title(state: State, first_name: str, last_name: str | None, username: str | None,
          telegram_id: int) -> str:
    """The topic's title with its state in front; Telegram takes 128 characters."""
    return f"{ICONS[state]} {topic_name(first_name, last_name, username, telegram_id)}"[:128]


def topic_link(admin_chat_id: int, topic_id: int) -> str:
    return f"https://t.me/c/{str(admin_chat_id).removeprefix('-100')}/{topic_id}"


def minutes(seconds: float) -> str:
    whole = max(int(seconds // 60), 0)
    return f"{whole} min" if whole < 120 else f"{whole // 60} h {whole % 60} min"


@dataclass(frozen=True)
class Swept:
    titles: int
    cards: int
    alerts: list[int]


async def _titles(tx: Effects, enabled: bool) -> int:
    sent = 0
    for r in await tx.conn.fetch(q("sweep_dirty_status"), BATCH):
        if not enabled or r["topic_id"] is None:
            continue
        state = tickets.state_of(r["status"], r["waiting"], r["answered_before"])
        name = title(state, r["first_name"], r["last_name"], r["username"], r["telegram_id"])
        if name == r["topic_title_sent"]:
            continue
        await tx.send("editForumTopic", r["admin_chat_id"], priority=outbox.BACKGROUND_PRIORITY,
                      coalesce=f"topic:{r['id']}", message_thread_id=r["topic_id"], name=name)
        await tx.conn.execute(q("sweep_title_sent"), r["id"], name)
        sent += 1
    return sent


async def _cards(tx: Effects) -> int:
    sent = 0
    for r in await tx.conn.fetch(q("sweep_dirty_cards"), BATCH):
        text = customer_summary(
            name=" ".join(p for p in (r["first_name"], r["last_name"]) if p) or str(r["telegram_id"]),
            username=r["username"], telegram_id=r["telegram_id"], credits=r["credits"], tier=r["tier"],
            member_since=f"{r['created_at']:%Y-%m-%d}", language=r["language_code"],
            pass_until=f"{r['pass_expires_at']:%Y-%m-%d %H:%M} UTC" if r["pass_expires_at"] else None)
        if r["is_banned"]:
            text += "\n⛔ Banned"
        await tx.send("editMessageText", r["admin_chat_id"], priority=outbox.BACKGROUND_PRIORITY,
                      coalesce=f"card:{r['id']}", message_id=r["card_message_id"], text=text,
                      parse_mode=PARSE_MODE)
        sent += 1
    return sent


def alert_text(first_name: str, last_name: str | None, username: str | None, telegram_id: int,
               waited_seconds: float, sla_minutes: int, assignee: str | None,
               admin_chat_id: int, topic_id: int) -> str:
    who = escape(" ".join(p for p in (first_name, last_name) if p) or str(telegram_id))
    handle = f" (@{escape(username)})" if username else ""
    owner = f"Assigned to {escape(assignee)}." if assignee else "Nobody is assigned."
    return (f"⏰ SLA: <b>{who}</b>{handle} has waited {minutes(waited_seconds)} for a reply"
            f" (the target is {sla_minutes} min). {owner}\n{topic_link(admin_chat_id, topic_id)}")


async def _alerts(tx: Effects, sla_minutes: int) -> list[int]:
    if sla_minutes <= 0:
        return []
    rows = await tx.conn.fetch(q("sweep_overdue"), sla_minutes, BATCH)
    names = await tickets.operator_names(tx.conn, [r["assignee_id"] for r in rows if r["assignee_id"]])
    now = datetime.now(UTC)
    posted = []
    for r in rows:
        text = alert_text(r["first_name"], r["last_name"], r["username"], r["telegram_id"],
                          (now - r["waiting_since"]).total_seconds(), sla_minutes,
                          names.get(r["assignee_id"]) if r["assignee_id"] else None,
                          r["admin_chat_id"], r["topic_id"])
        posted.append(await tx.send("sendMessage", r["admin_chat_id"], priority=OPERATOR_PRIORITY, text=text,
                                    parse_mode=PARSE_MODE))
    return posted


async def sweep(pool: asyncpg.Pool, methods: Methods) -> Swept:
    """One sweep; the SLA alerts' outbox rows, to deliver after it commits (the
    titles and cards are the group drainers' business)."""
    async with connection(pool) as conn, conn.transaction():
        tx = Effects(conn, cause="desk", methods=methods)
        cfg = await bot_settings.load(conn)
        titles = await _titles(tx, cfg.topic_status_enabled)
        cards = await _cards(tx)
        alerts = await _alerts(tx, cfg.first_response_minutes)
        await analytics.keep_past_days(conn)
        return Swept(titles, cards, alerts)
