"""The System screen's and the alerts' pure parts: conditions and their thresholds,
what operators read, summaries of jobs and updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.admin import alerts
from core.admin.alerts import Level, Snapshot, Thresholds, evaluate
from core.admin.outages import Outage
from core.admin.system_failures import summarize_args, summarize_update
from core.admin.system_figures import compare_migrations, shipped_migrations
from core.admin.system_screens import DismissUpdate, RetryJob, size

CALM = Snapshot(failed_jobs=0, set_aside=0, oldest_wait={"admin": None, "messaging": 3.0}, flood_waits=0)


def _levels(snapshot: Snapshot, t: Thresholds = alerts.THRESHOLDS) -> dict[str, Level]:
    return {r.condition: r.level for r in evaluate(snapshot, t)}


def test_a_calm_system_reads_clear_on_every_condition_in_a_fixed_order() -> None:
    readings = evaluate(CALM)
    assert [r.condition for r in readings] == [
        "failed_jobs", "queue_wait:admin", "queue_wait:messaging", "flood_waits"]
    assert {r.level for r in readings} == {Level.CLEAR}
    assert [r.detail for r in readings] == [
        "no failed jobs or set-aside updates", "nothing waits", "its oldest job has waited 3 s",
        "0 flood waits in the last 5 min"]


@pytest.mark.parametrize(("failed", "aside", "level", "detail"), [
    (1, 0, Level.RAISED, "1 failed job"),
    (0, 2, Level.RAISED, "2 set-aside updates"),
    (3, 1, Level.RAISED, "3 failed jobs and 1 set-aside update"),
])
def test_any_failed_job_or_set_aside_update_raises_failed_work(failed: int, aside: int, level: Level,
                                                               detail: str) -> None:
    [reading] = [r for r in evaluate(Snapshot(failed, aside, {}, 0)) if r.condition == alerts.FAILED]
    assert (reading.level, reading.value, reading.detail) == (level, failed + aside, detail)


@pytest.mark.parametrize(("wait", "level"), [
    (61.0, Level.RAISED), (60.0, Level.BETWEEN), (31.0, Level.BETWEEN), (30.0, Level.CLEAR),
    (None, Level.CLEAR),
])
def test_a_queue_starts_behind_over_a_minute_and_catches_up_under_half_of_it(wait: float | None,
                                                                            level: Level) -> None:
    assert _levels(Snapshot(0, 0, {"billing": wait}, 0))["queue_wait:billing"] is level


@pytest.mark.parametrize(("floods", "level"), [
    (11, Level.RAISED), (10, Level.BETWEEN), (4, Level.BETWEEN), (3, Level.CLEAR), (0, Level.CLEAR),
])
def test_flood_waits_spike_over_ten_and_calm_at_three(floods: int, level: Level) -> None:
    assert _levels(Snapshot(0, 0, {}, floods))[alerts.FLOOD] is level


def test_thresholds_are_the_callers() -> None:
    strict = Thresholds(queue_wait_seconds=5, queue_wait_clear_seconds=1, flood_waits=0, flood_waits_clear=0)
    levels = _levels(Snapshot(0, 0, {"admin": 6.0}, 1), strict)
    assert (levels["queue_wait:admin"], levels[alerts.FLOOD]) == (Level.RAISED, Level.RAISED)


def test_messages_say_what_started_and_how_long_it_lasted() -> None:
    [_, behind, _] = evaluate(Snapshot(0, 0, {"messaging": 125.0}, 0))
    assert alerts.started_text(behind) == (
        "🔴 <b>Alert: the messaging queue is behind</b>\n"
        "Its oldest job has waited 2 min (alert above 1 min).")
    [_, caught_up, _] = evaluate(Snapshot(0, 0, {"messaging": 2.0}, 0))
    since = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert alerts.cleared_text(caught_up, since, since + timedelta(minutes=14), 250) == (
        "✅ <b>Cleared: the messaging queue is behind</b>\n"
        "Now: its oldest job has waited 2 s. It lasted 14 min; the longest wait was 4 min.")


def test_an_outage_is_told_once_it_is_over_with_who_noticed_it_escaped() -> None:
    start = datetime(2026, 1, 1, 12, 0, 3, tzinfo=UTC)
    text = alerts.outage_text(Outage(1, start, start + timedelta(seconds=65), "admin-<1>"))
    assert text == ("🔴 <b>The database was unreachable</b> for 1 min, 2026-01-01 12:00 UTC to 12:01:08 "
                    "(noticed by admin-&lt;1&gt;).\n✅ It is reachable again.")


def test_a_jobs_arguments_read_on_one_short_line() -> None:
    update = {"update_id": 7, "callback_query": {"from": {"id": 42}, "data": "adm:home"}}
    assert summarize_args({"update": update}) == "update 7 (callback_query from 42: “adm:home”)"
    assert summarize_args({"shard": 3}) == "shard=3"
    assert summarize_args({"outbox_ids": [1, 2, 3], "extra": {"a": 1}}) == (
        "outbox_ids=[3 items], extra={1 keys}")
    assert summarize_args({}) == "no arguments"
    long = summarize_args({"note": "x" * 300})
    assert len(long) == 80
    assert long.endswith("…")


def test_an_update_reads_as_its_kind_sender_and_words() -> None:
    assert summarize_update({"update_id": 1, "message": {"from": {"id": 5}, "text": "hi\nthere"}}) == (
        "message from 5: “hi there”")
    assert summarize_update({"update_id": 1, "my_chat_member": {"chat": {}}}) == "my_chat_member"
    assert summarize_update({"update_id": 1}) == "empty"


def test_sizes_read_in_the_largest_fitting_unit() -> None:
    assert [size(n) for n in (812, 2048, 45_200_000, 3 * 1024**4)] == [
        "812 bytes", "2 KB", "43.1 MB", "3,072 GB"]


def test_migrations_applied_are_compared_with_those_shipped(tmp_path: Path) -> None:
    for name in ("0001_a.sql", "0002_b.sql", "README.md"):
        (tmp_path / name).write_text("")
    shipped = shipped_migrations(tmp_path)
    assert shipped == ("0001_a.sql", "0002_b.sql")
    behind = compare_migrations(["0001_a.sql"], shipped)
    assert (behind.applied, behind.latest, behind.missing) == (1, "0001_a.sql", ("0002_b.sql",))
    assert compare_migrations(["0001_a.sql", "0002_b.sql"], shipped).missing == ()
    assert shipped_migrations(tmp_path / "absent") is None
    assert compare_migrations([], None) == compare_migrations([], None)
    assert compare_migrations([], None).missing is None


def test_the_shipped_migrations_are_found_beside_the_package() -> None:
    shipped = shipped_migrations()
    assert shipped is not None
    assert "0017_admin_system.sql" in shipped


def test_buttons_fit_telegrams_64_bytes_with_the_largest_ids() -> None:
    assert len(RetryJob(2**63 - 1, 10**6).pack()) <= 64
    assert len(DismissUpdate(2**63 - 1, 10**6).pack()) <= 64
