"""What must be true after a chaos run (tests/chaos_kit.py), read from the database.

:func:`verdict` returns the figures and the broken promises (empty when none);
the acceptance test asserts there are none, the benchmark prints both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from tests import chaos_broadcast
from tests.chaos_kit import Log


@dataclass
class Verdict:
    figures: dict[str, object] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.broken.append(what)


def _postgres_outage(log: Log) -> dict[str, object]:
    """Until the ingress answers 200 again to an update posted after Postgres went down,
    from the moment it was started again; the 503s answered from the stop until then."""
    if log.postgres_stopped_at is None or log.postgres_down_at is None:
        return {}
    down, started = log.postgres_down_at, log.postgres_started_at or log.postgres_down_at
    first_ok = min((answered for posted, answered, s in log.answers if s == 200 and posted >= down),
                   default=None)
    during = [s for posted, answered, s in log.answers
              if answered >= log.postgres_stopped_at and (first_ok is None or answered < first_ok)]
    return {
        "postgres_stop_s": round(down - log.postgres_stopped_at, 2),
        "postgres_down_s": round(started - down, 2),
        "ingress_200_again_after_start_s": None if first_ok is None else round(first_ok - started, 2),
        "answers_503_meanwhile": sum(1 for s in during if s == 503),
        "answers_other_meanwhile": sum(1 for s in during if s not in (200, 503)),
    }


async def _why_not_relayed(pool: asyncpg.Pool, update_ids: list[int]) -> str:
    """Where the messages stopped: their rows, their users' relay rows that were not
    sent, and what those rows' last tries said (a rare failure must explain itself)."""
    messages = await pool.fetch(
        "SELECT m.id, m.update_id, m.status, m.credits_charged, u.telegram_id, u.credits"
        " FROM messages m JOIN users u ON u.id = m.user_id"
        " WHERE m.direction = 'in' AND m.update_id = ANY($1::bigint[]) ORDER BY m.id", update_ids)
    relays = await pool.fetch(
        "SELECT id, status, attempts, last_error, claimed_by, params -> 'message_row_ids' AS rows"
        " FROM outbox WHERE method = 'relayToTopic' AND status <> 'sent'"
        " AND (params ->> 'user_chat_id')::bigint = ANY($1::bigint[]) ORDER BY id",
        sorted({r["telegram_id"] for r in messages}))
    return (f"\n  messages: {[tuple(r) for r in messages[:20]]}"
            f"\n  their users' relays not sent: {[tuple(r) for r in relays[:20]]}")


async def verdict(pool: asyncpg.Pool, log: Log) -> Verdict:
    v = Verdict()
    v.check(not log.unoffered, f"purchases never offered: {log.unoffered}")
    acked_messages = [u for u in log.messages if u in log.acked]
    v.check(len(acked_messages) == len(log.messages), "a user message was never acknowledged")
    rows = await pool.fetch("SELECT update_id, count(*) AS n, min(status) AS status,"
                            " sum(credits_charged) AS charged FROM messages"
                            " WHERE direction = 'in' AND update_id = ANY($1::bigint[]) GROUP BY update_id",
                            acked_messages)
    stored = {r["update_id"]: r for r in rows}
    lost = [u for u in acked_messages if u not in stored]
    twice = [u for u, r in stored.items() if r["n"] > 1]
    not_relayed = [u for u, r in stored.items() if r["status"] != "relayed"]
    v.check(not lost, f"{len(lost)} acknowledged messages lost, e.g. {lost[:5]}")
    v.check(not twice, f"{len(twice)} messages stored twice, e.g. {twice[:5]}")
    v.check(not not_relayed, f"{len(not_relayed)} messages not relayed, e.g. {not_relayed[:5]}"
                             + (await _why_not_relayed(pool, not_relayed) if not_relayed else ""))

    # Charged once each: one ledger row per message, no more.
    charges = await pool.fetchrow(
        "SELECT count(*) AS n, coalesce(-sum(delta), 0) AS credits FROM credit_ledger"
        " WHERE reason = 'message'")
    charged = sum(int(r["charged"]) for r in stored.values())
    v.check((charges["n"], charges["credits"]) == (charged, charged),
            f"charges {dict(charges)} against {charged} credits charged on messages")

    # Copies in the topics: each relayed message at least once; a second copy is a
    # send a kill caught between Telegram's answer and its record.
    copies = await pool.fetch(
        "SELECT text, count(*) AS n FROM sandbox_messages WHERE chat_id < 0 AND from_bot"
        " AND text LIKE 'chaos %' GROUP BY text")
    seen = {r["text"]: r["n"] for r in copies}
    missing = [t for u, (_, t, _) in log.messages.items() if u in stored and t not in seen]
    v.check(not missing, f"{len(missing)} messages never reached their topic, e.g. {missing[:3]}")
    duplicated = sum(n - 1 for n in seen.values())
    replies = await pool.fetchval("SELECT count(*) FROM sandbox_messages WHERE chat_id > 0 AND from_bot"
                                  " AND text LIKE 'chaos reply %'")
    replies_distinct = await pool.fetchval("SELECT count(DISTINCT text) FROM sandbox_messages WHERE"
                                           " chat_id > 0 AND from_bot AND text LIKE 'chaos reply %'")
    v.check(replies_distinct == log.replies,
            f"{replies_distinct} of {log.replies} operator replies delivered")

    # Payments: each granted exactly once.
    pay = await pool.fetch(
        "SELECT t.id, t.rail, t.status, t.external_id, count(l.*) AS grants FROM transactions t"
        " LEFT JOIN credit_ledger l ON l.transaction_id = t.id AND l.delta > 0 GROUP BY t.id")
    paid = {r["external_id"]: r for r in pay if r["status"] == "succeeded"}
    expected = [*log.stripe_sessions, *log.stars_charges]
    unpaid = [e for e in expected if e not in paid]
    v.check(not unpaid, f"payments never granted: {unpaid}")
    doubled = [r["id"] for r in pay if r["grants"] > 1]
    v.check(not doubled, f"payments granted twice: {doubled}")
    v.check(500 not in log.statuses, f"the ingress answered 500 {log.statuses[500]} times")
    v.check(all(r["grants"] == 1 for r in paid.values()), "a succeeded payment without its grant")

    broken = await pool.fetchval(
        "SELECT count(*) FROM (SELECT u.id FROM users u LEFT JOIN credit_ledger l ON l.user_id = u.id"
        " GROUP BY u.id HAVING u.credits <> coalesce(sum(l.delta), 0) OR u.credits < 0) b")
    v.check(broken == 0, f"{broken} users whose balance is not the sum of their ledger")

    stuck = await pool.fetchrow(
        "SELECT (SELECT count(*) FROM inbox) AS inbox,"
        " (SELECT count(*) FROM outbox WHERE status NOT IN ('sent', 'superseded')) AS outbox,"
        " (SELECT count(*) FROM procrastinate_jobs WHERE task_name NOT LIKE 'maintenance.%' AND"
        "  (status = 'failed' OR status IN ('todo', 'doing') AND coalesce(scheduled_at, now()) <= now()))"
        "  AS jobs")
    left = [] if not stuck["jobs"] else [tuple(r) for r in await pool.fetch(
        "SELECT task_name, status::text, attempts, coalesce(scheduled_at::text, ''),"
        " (SELECT left(e.type::text, 40) FROM procrastinate_events e WHERE e.job_id = j.id"
        "  ORDER BY e.id DESC LIMIT 1) FROM procrastinate_jobs j WHERE task_name NOT LIKE 'maintenance.%' AND"
        " (status = 'failed' OR status IN ('todo', 'doing') AND coalesce(scheduled_at, now()) <= now())")]
    v.check(not any(stuck.values()), f"left behind: {dict(stuck)} {left}")

    recoveries = {r["kind"]: r["n"] for r in await pool.fetch(
        "SELECT kind, count(*) AS n FROM stall_recoveries GROUP BY kind")}
    v.check(recoveries.get("job_error", 0) == 0, f"recoveries that failed: {recoveries}")
    # A returned send may carry several messages: a relay copies the user's waiting
    # messages in one call, and a kill between Telegram's answer and the record
    # duplicates every copy of it.
    may_repeat = await pool.fetchval(
        "SELECT coalesce(sum(CASE WHEN jsonb_typeof(o.params->'message_ids') = 'array'"
        " THEN jsonb_array_length(o.params->'message_ids') ELSE 1 END), 0)"
        " FROM stall_recoveries r JOIN outbox o ON o.id = r.outbox_id WHERE r.kind = 'send_returned'")
    v.check(duplicated <= may_repeat,
            f"{duplicated} duplicated copies but {recoveries.get('send_returned', 0)} returned sends"
            f" carrying {may_repeat} copies")
    # The window a kill can duplicate a send in: Telegram's answer (the fake stores the
    # copy) until the relay records it.
    window = await pool.fetchrow(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY w) AS p50,"
        " percentile_cont(0.99) WITHIN GROUP (ORDER BY w) AS p99, max(w) AS max FROM ("
        " SELECT extract(epoch FROM m.relayed_at - s.created_at) * 1000 AS w FROM messages m"
        " JOIN sandbox_messages s ON s.chat_id = m.admin_chat_id AND s.message_id = m.admin_message_id"
        " WHERE m.direction = 'in' AND m.relayed_at IS NOT NULL) x")
    v.figures.update({
        "user_messages": len(log.messages),
        "acknowledged": len(acked_messages),
        "answers": dict(log.statuses),
        "achieved_rate_per_s": round(len(log.messages) / max(log.writing_seconds, 0.001), 1),
        "kills": log.kills,
        "workers_that_died_alone": len(log.died_alone),
        "lost": len(lost),
        "stored_twice": len(twice),
        "payments": len(expected),
        "payments_doubled": len(doubled),
        "stripe_events_retried": log.stripe_retried,
        "operator_replies": log.replies,
        "reply_copies_duplicated": int(replies) - int(replies_distinct),
        "relay_copies_duplicated": duplicated,
        "recoveries": recoveries,
        "dup_window_ms": {k: round(float(window[k] or 0), 1) for k in ("p50", "p99", "max")},
        **_postgres_outage(log),
    })
    if log.campaign_id is not None:
        figures, broken = await chaos_broadcast.check(pool, log.campaign_id)
        v.figures.update(figures)
        v.broken.extend(broken)
    return v
