"""What the admin benchmark times: every query of the control center's screens.

The dashboard's statements are the product's own, called by name; Search is
timed through the product's own functions (core.admin.search_hits: the count,
then the page, with the plan settings they choose for the term), so what is
timed is what an operator waits for. The user card's and the Users list's
queries are written in bench/admin_screens.sql until those screens land.
Parameters are drawn from the generated data (random users, real payment ids,
product prices, common and rare words), a different one each run.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.admin_words import PHRASE, RARE, VOCABULARY
from core.admin import dashboard_figures, search_messages, search_records
from core.admin.navigation import PAGE_SIZE
from core.admin.search_hits import Kind
from core.admin.search_messages import Edge
from core.admin.search_terms import read
from core.jobs.queues import Queue
from core.platform.sql import parse, q

SCREENS = parse((Path(__file__).resolve().parent / "admin_screens.sql").read_text(encoding="utf-8"),
                "admin_screens")
#: What an operator should wait for any one query, at full scale.
GOAL_MS = 50.0
STALLED_AFTER = 10.0
#: A page deep into a common word's results (keyset: it costs what the first does).
DEEP_PAGE = 50


def _sql(name: str) -> str:
    return SCREENS[name] if name.startswith("admin_screens_") else q(name)


#: Run ``i`` of a case that calls the product's code with a connection.
Call = Callable[[Any, int], Awaitable[object]]


@dataclass(frozen=True)
class Case:
    group: str
    label: str
    #: Statements run one after the other, each with its parameters for this run.
    statements: Sequence[tuple[str, Sequence[Sequence[Any]]]] = ()
    #: Or the product's own code, in a transaction.
    call: Call | None = None

    def run(self, i: int) -> list[tuple[str, Sequence[Any]]]:
        return [(_sql(name), params[i % len(params)]) for name, params in self.statements]


class Explaining:
    """A connection that runs EXPLAIN ANALYZE of each query before the query
    itself, with the settings in force at that moment (Search sets some)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.plans: list[str] = []
        self._skip = {q("search_hits_settings"), q("search_hits_configure")}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def _explain(self, sql: str, args: Sequence[Any]) -> None:
        if sql not in self._skip:
            explained = await self._conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *args)
            if summary := summarize(explained):  # not the plain SELECTs without a table
                self.plans.append(summary)

    async def fetch(self, sql: str, *args: Any) -> Any:
        await self._explain(sql, args)
        return await self._conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        await self._explain(sql, args)
        return await self._conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        await self._explain(sql, args)
        return await self._conn.fetchval(sql, *args)


@dataclass
class Result:
    case: Case
    ms: list[float] = field(default_factory=list)
    plan: str = ""

    def pct(self, p: float) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", ()):
        found += _nodes(child)
    return found


def summarize(explained: Any) -> str:
    """The scans of an EXPLAIN (ANALYZE, FORMAT JSON): index or table, and heap
    fetches of index-only scans (pages not all-visible)."""
    top = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    parts = []
    for node in _nodes(top):
        kind = node["Node Type"]
        if "Scan" not in kind or kind in ("Subquery Scan", "CTE Scan", "Function Scan", "Values Scan"):
            continue
        short = {"Index Only Scan": "IOS", "Index Scan": "IS", "Bitmap Index Scan": "BIS",
                 "Bitmap Heap Scan": "BHS", "Seq Scan": "SEQ"}.get(kind, kind)
        if kind == "Bitmap Heap Scan":
            continue  # its Bitmap Index Scan names the index
        where = node.get("Index Name") or node.get("Relation Name", "?")
        extra = f" fetch={node['Heap Fetches']}" if node.get("Heap Fetches") else ""
        parts.append(f"{short} {where}{extra}")
    return ", ".join(dict.fromkeys(parts))


async def _once(conn: Any, case: Case, i: int) -> None:
    if case.call is not None:
        async with conn.transaction():
            await case.call(conn, i)
        return
    for sql, params in case.run(i):
        await conn.fetch(sql, *params)


async def measure(conn: asyncpg.Connection, case: Case, runs: int) -> Result:
    result = Result(case)
    for i in range(min(runs, 3)):  # warm: prepared statements, caches
        await _once(conn, case, i)
    for i in range(runs):
        began = time.perf_counter()
        await _once(conn, case, i)
        result.ms.append((time.perf_counter() - began) * 1000)
    explaining = Explaining(conn)
    if case.call is None:
        for sql, params in case.run(0):
            await explaining.fetch(sql, *params)
    else:
        await _once(explaining, case, 0)
    result.plan = " | ".join(explaining.plans)
    return result


def _search(kind: Kind, typed: Sequence[str], edges: Sequence[int] = ()) -> Call:
    """Search as the screen runs it: the kind's count, then the page; with
    ``edges`` (one per term), the messages older than it, as a ▶️ press asks."""
    terms = [read(t) for t in typed]

    async def call(conn: Any, i: int) -> object:
        term = terms[i % len(terms)]
        if kind is not Kind.MESSAGES:
            counted = await search_records.count(conn, kind, term)
            return await search_records.page(conn, counted, term, 0)
        counted = await search_messages.count(conn, term)
        edge = Edge(True, edges[i % len(edges)]) if edges else search_messages.FIRST
        return await search_messages.page(conn, counted, term, edge)

    return call


async def _dashboard(conn: Any, i: int) -> object:
    return await dashboard_figures.load(conn, STALLED_AFTER)


def _of(rows: Sequence[asyncpg.Record], key: str, n: int = 30) -> list[Any]:
    return [r[key] for r in rows if r[key] is not None][:n]


def _dollars(minor: int, symbol: str = "$") -> str:
    return f"{symbol}{minor // 100}.{minor % 100:02d}"


async def cases(conn: asyncpg.Connection, *, samples: int = 30) -> list[Case]:
    users = await conn.fetch(SCREENS["admin_screens_samples_users"], samples * 4)
    heavy = [r["user_id"] for r in await conn.fetch(SCREENS["admin_screens_samples_heavy"], 5)]
    pays = await conn.fetch(SCREENS["admin_screens_samples_payments"], samples * 20)
    rng = random.Random(7)
    # A typical card and the heaviest writers' (most messages, ledger rows, payments).
    card_ids = [(r["id"],) for r in users[:samples - len(heavy)]] + [(h,) for h in heavy]
    prefixes = sorted({r["first_name"][:3].lower() for r in users})
    two_words = [f"{r['first_name']} {r['last_name'][:3]}" for r in users if r["last_name"]][:samples]

    def ids(rail: str, kind: str, key: str) -> list[str]:
        return _of([p for p in pays if p["rail"] == rail and (kind == "*" or p["kind"] == kind)], key)

    prices = (499, 999, 1799, 2999, 299, 1499, 3999)
    out = [
        Case("Dashboard", "keep the hours that ended", [("dashboard_figures_close", [()])]),
        Case("Dashboard", "users, paying, relayed: kept+live", [("dashboard_figures_counts", [()])]),
        Case("Dashboard", "active users, as kept (5 min)", [("dashboard_figures_active_kept", [(300,)])]),
        Case("Dashboard", "active users: counting them", [("dashboard_figures_active_count", [()])]),
        Case("Dashboard", "revenue today / 7 / 30 d", [("dashboard_figures_revenue", [()])]),
        Case("Dashboard", "conversations waiting", [("dashboard_figures_waiting", [()])]),
        Case("Dashboard", "health: queues", [("queues_depths", [([x.value for x in Queue],)])]),
        Case("Dashboard", "health: inbox", [("inbox_counts", [()])]),
        Case("Dashboard", "health: outbox", [("outbox_counts", [()])]),
        Case("Dashboard", "health: stalls", [("stalls_status", [(STALLED_AFTER,)])]),
        Case("Dashboard", "whole screen", call=_dashboard),
    ]
    search = [
        ("Search users", "telegram id", Kind.USERS, [str(t) for t in _of(users, "telegram_id")]),
        ("Search users", "@username", Kind.USERS, ["@" + u for u in _of(users, "username")]),
        ("Search users", "cus_ customer", Kind.USERS, _of(users, "stripe_customer_id")),
        ("Search users", "name prefix (3 letters)", Kind.USERS, prefixes),
        ("Search users", "name, two words", Kind.USERS, two_words),
        ("Search payments", "cs_ checkout", Kind.PAYMENTS, ids("stripe", "purchase", "external_id")),
        ("Search payments", "pi_ payment intent", Kind.PAYMENTS, ids("stripe", "*", "stripe_payment_intent")),
        ("Search payments", "ch_ charge", Kind.PAYMENTS, ids("stripe", "*", "stripe_charge")),
        ("Search payments", "in_ invoice", Kind.PAYMENTS, ids("stripe", "*", "stripe_invoice")),
        ("Search payments", "stx Stars charge", Kind.PAYMENTS, ids("stars", "*", "external_id")),
        ("Search payments", "amount $9.99 etc.", Kind.PAYMENTS, [_dollars(p) for p in prices]),
        ("Search payments", "amount 9.99 (any card)", Kind.PAYMENTS, [_dollars(p, "") for p in prices]),
        ("Search payments", "amount 500⭐", Kind.PAYMENTS, ["250⭐", "500⭐", "900⭐", "1500⭐"]),
        ("Search messages", "common word", Kind.MESSAGES, VOCABULARY[:5]),
        ("Search messages", "mid word", Kind.MESSAGES, VOCABULARY[len(VOCABULARY) // 3:][:10]),
        ("Search messages", "rarest vocabulary word", Kind.MESSAGES, VOCABULARY[-5:]),
        *[("Search messages", f"planted word, {per:g}/million", Kind.MESSAGES, [word])
          for word, per in RARE.items()],
        ("Search messages", "phrase", Kind.MESSAGES, [f'"{" ".join(PHRASE)}"']),
        ("Search messages", "two words", Kind.MESSAGES, ["card payment", "help refund", "obrigado ajuda"]),
        ("Search messages", "word, excluding one", Kind.MESSAGES, ["refund -please", "card -payment"]),
    ]
    out += [Case(group, label, call=_search(kind, terms)) for group, label, kind, terms in search]
    deep = [await conn.fetchval(SCREENS["admin_screens_samples_edge"], w, DEEP_PAGE * PAGE_SIZE)
            for w in VOCABULARY[:5]]
    out.append(Case("Search messages", f"common word, page {DEEP_PAGE + 1} (▶️)",
                    call=_search(Kind.MESSAGES, VOCABULARY[:5], deep)))
    card = [("admin_screens_card_profile", [(t,) for t in _of(users, "telegram_id")])] + [
        (f"admin_screens_card_{part}", card_ids)
        for part in ("spend", "messages", "ledger", "payments", "conversation")]
    out += [Case("User card", name.removeprefix("admin_screens_card_"), [(name, params)])
            for name, params in card]
    out.append(Case("User card", "latest audit", [("audit_latest_about", [(i, 5) for (i,) in card_ids])]))
    filters: list[tuple[str, str, list[tuple[Any, ...]]]] = [
        ("tier vip / paying", "tier", [("vip",), ("paying",)]), ("banned", "banned", [()]),
        ("pass active", "pass", [()]), ("balance under 5", "balance", [(5,)]),
        ("paid ever", "paid", [()]), ("blocked the bot", "blocked", [()]),
        ("joined last 7 / 30 days", "joined", [(7,), (30,)]),
    ]
    for label, name, params in filters:
        out.append(Case("Users list", label, [(f"admin_screens_filter_{name}_count", params),
                                              (f"admin_screens_filter_{name}_page", params)]))
    for label, name, params in filters:
        out.append(Case("Users list", f"exact count: {label}",
                        [(f"admin_screens_filter_{name}_exact", params)]))
    pages = [(rng.randrange(0, 50) * PAGE_SIZE,) for _ in range(samples)]
    out += [Case("Users list", "sort: last seen", [("admin_screens_sort_last_seen", pages)]),
            Case("Users list", "sort: lifetime spend", [("admin_screens_sort_spend", pages)])]
    return out
