"""Queries by name, secret masking in logs, retry decisions, command parsing."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog
from procrastinate.jobs import Job

from core.platform import sql
from core.platform.errors import FloodWait, PermanentError, TelegramUnavailable
from core.platform.logs import SecretMasker, configure
from core.telegram.updates import command_of
from workers.runtime import Backoff


def test_queries_split_on_name_headers() -> None:
    parsed = sql.parse("-- name: a\n-- why\nSELECT 1;\n\n-- name: b\nSELECT 2;\n")
    assert parsed == {"a": "SELECT 1;", "b": "SELECT 2;"}
    with pytest.raises(ValueError, match="duplicate"):
        sql.parse("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")


def test_a_query_is_named_after_its_file() -> None:
    assert sql.parse("-- name: outbox_add\nSELECT 1;\n", "outbox") == {"outbox_add": "SELECT 1;"}
    with pytest.raises(ValueError, match="must start with outbox_"):
        sql.parse("-- name: add\nSELECT 1;\n", "outbox")


def test_every_query_the_code_names_is_shipped() -> None:
    """Each q("...") in the product names a loaded, non-empty statement, so a typo
    fails here rather than in the first job that runs it."""
    loaded = sql.load()
    root = Path(__file__).resolve().parents[2]
    named = {m for path in (root / "core").rglob("*.py")
             for m in re.findall(r'\bq\("(\w+)"', path.read_text())}
    assert len(named) > 150
    assert named - set(loaded) == {"session_set_"}  # + column: every column's statement is there
    assert {"session_set_dc_id", "session_set_auth_key"} <= set(loaded)
    assert all(text.strip() for text in loaded.values())


def test_masker_hides_secrets_everywhere() -> None:
    mask = SecretMasker(["123456:ABCDEFsecret", "whsec_abcdef", "x"])
    event = mask(None, "info", {"event": "token 123456:ABCDEFsecret used",
                                "nested": {"k": ["whsec_abcdef"]}, "n": 3})
    assert json.dumps(event).count("***") == 2
    assert "secret" not in json.dumps(event).replace("***", "")
    assert event["n"] == 3


def test_configured_logging_never_prints_a_secret(capsys: pytest.CaptureFixture[str]) -> None:
    configure(fmt="json", level="INFO", secrets=["123456:ABCDEFsecret"])
    try:
        structlog.get_logger("t").info("calling", url="https://api/bot123456:ABCDEFsecret/x")
        logging.getLogger("lib").warning("lib saw 123456:ABCDEFsecret")
        err = capsys.readouterr().err
        assert "ABCDEFsecret" not in err
        assert err.count("***") == 2
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()


def _job(attempts: int) -> Job:
    return Job(id=1, queue="q", lock=None, queueing_lock=None, task_name="t", attempts=attempts,
               scheduled_at=datetime.now(UTC))


def test_backoff_retries_only_retryable_errors() -> None:
    backoff = Backoff(max_attempts=3)
    assert backoff.get_retry_decision(exception=PermanentError(), job=_job(0)) is None
    assert backoff.get_retry_decision(exception=KeyError("bug"), job=_job(0)) is None
    first = backoff.get_retry_decision(exception=TelegramUnavailable(), job=_job(0))
    later = backoff.get_retry_decision(exception=TelegramUnavailable(), job=_job(2))
    assert first is not None
    assert later is not None
    assert first.retry_at is not None
    assert later.retry_at is not None
    assert later.retry_at > first.retry_at
    assert backoff.get_retry_decision(exception=TelegramUnavailable(), job=_job(3)) is None


def test_backoff_honours_flood_wait() -> None:
    decision = Backoff().get_retry_decision(exception=FloodWait(120), job=_job(0))
    assert decision is not None
    assert decision.retry_at is not None
    assert (decision.retry_at - datetime.now(UTC)).total_seconds() > 119


@pytest.mark.parametrize(
    ("text", "length", "expected"),
    [("/start", 6, ("start", "")), ("/start paid_cs_1", 6, ("start", "paid_cs_1")),
     ("/buy25@paid_desk_bot", 20, ("buy25", "")), ("/HELP", 5, ("help", ""))],
)
def test_commands_follow_the_bot_command_entity(text: str, length: int, expected: tuple[str, str]) -> None:
    command = command_of({"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": length}]})
    assert command is not None
    assert (command.name, command.payload) == expected


def test_text_without_command_entity_is_not_a_command() -> None:
    assert command_of({"text": "/start"}) is None
    assert command_of({"caption": "x"}) is None
