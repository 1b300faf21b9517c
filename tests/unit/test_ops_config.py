from __future__ import annotations

import pytest

from core.platform.config import load_settings
from core.platform.errors import ConfigError
from core.platform.ops_config import Retention


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.retention == Retention()
    assert settings.retention.processed_days == 7
    assert settings.metrics_token is None
    assert settings.shutdown_grace_seconds == 20
    assert settings.bot_api_url == "https://api.telegram.org"


def test_each_retention_has_its_variable() -> None:
    settings = load_settings({"RETENTION_PROCESSED_DAYS": "10", "RETENTION_FINISHED_JOBS_HOURS": "6",
                              "RETENTION_FAILED_JOBS_DAYS": "14", "RETENTION_OUTBOX_DAYS": "0.5",
                              "RETENTION_SANDBOX_DAYS": "2"})
    assert settings.retention == Retention(processed_days=10, finished_jobs_hours=6, failed_jobs_days=14,
                                           delivered_outbox_days=0.5, sandbox_days=2)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # Stripe retries for 3 days: markers younger than that must stay.
        ("RETENTION_PROCESSED_DAYS", "2", "RETENTION_PROCESSED_DAYS must be between 4 and 3650"),
        ("RETENTION_OUTBOX_DAYS", "a week", "RETENTION_OUTBOX_DAYS must be a number"),
        ("METRICS_TOKEN", "short", "METRICS_TOKEN must be 16-256 printable characters"),
        ("WORKER_SHUTDOWN_GRACE_SECONDS", "-1", "WORKER_SHUTDOWN_GRACE_SECONDS must be between 0 and 600"),
        ("TELEGRAM_BOT_API_URL", "api.telegram.org", "TELEGRAM_BOT_API_URL must start with https://"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({name: value})


def test_the_metrics_token_is_a_secret() -> None:
    settings = load_settings({"METRICS_TOKEN": "0123456789abcdef-token"})
    assert settings.metrics_token == "0123456789abcdef-token"
    assert "0123456789abcdef-token" in settings.secrets
    assert "0123456789abcdef-token" not in repr(settings)
