from __future__ import annotations

import pytest

from core.platform.config import SANDBOX_WEBHOOK_SECRET, load_settings
from core.platform.errors import ConfigError

REAL = {
    "BOT_TOKEN": "123456:ABCdefGhIJKlmNoPQRstuVWXyz012345678",
    "TELEGRAM_API_ID": "12345",
    "TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef",
    "TELEGRAM_WEBHOOK_SECRET": "s3cret_token-1",
    "ADMIN_GROUP_ID": "-1001500000001",
    "ADMIN_USER_ID": "222000111",
    "DATABASE_URL": "postgresql://u@db/app",
    "STRIPE_API_KEY": "sk_test_123",
    "STRIPE_WEBHOOK_SECRET": "whsec_abc",
}


def test_empty_environment_is_sandbox_with_documented_defaults() -> None:
    settings = load_settings({})
    assert settings.sandbox
    assert settings.webhook_secret == SANDBOX_WEBHOOK_SECRET
    assert settings.database_url is None
    assert settings.port == 8080
    assert settings.admin_group_id < 0


def test_real_mode_reads_every_variable() -> None:
    settings = load_settings(REAL)
    assert not settings.sandbox
    assert settings.telegram_api_id == 12345
    assert settings.admin_group_ids == (-1001500000001,)
    assert settings.admin_user_ids == (222000111,)
    assert settings.log_format == "json"


def test_several_admin_groups() -> None:
    settings = load_settings({**REAL, "ADMIN_GROUP_IDS": "-1001500000001, -1001500000002"})
    assert settings.admin_group_ids == (-1001500000001, -1001500000002)


def test_a_basic_group_is_taken_and_followed_when_it_becomes_a_supergroup() -> None:
    # Turning on Topics makes Telegram upgrade a basic group: the configured id stays valid.
    settings = load_settings({**REAL, "ADMIN_GROUP_IDS": "-1001500000001, -4001"})
    assert settings.admin_group_ids == (-1001500000001, -4001)
    assert settings.live_admin_groups.learn(-4001, -1001500000009)
    assert settings.admin_group_ids == (-1001500000001, -1001500000009)
    assert settings.live_admin_groups.configured == (-1001500000001, -4001)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TELEGRAM_API_ID", None, "TELEGRAM_API_ID is required"),
        ("TELEGRAM_API_ID", "abc", "TELEGRAM_API_ID must be an integer"),
        ("TELEGRAM_API_HASH", "xyz", "TELEGRAM_API_HASH is malformed"),
        ("TELEGRAM_WEBHOOK_SECRET", None, "TELEGRAM_WEBHOOK_SECRET is required"),
        ("TELEGRAM_WEBHOOK_SECRET", "has space", "TELEGRAM_WEBHOOK_SECRET must be"),
        ("ADMIN_GROUP_ID", None, "ADMIN_GROUP_ID is required"),
        ("ADMIN_GROUP_ID", "12345", "supergroup id starting with -100"),
        ("BOT_TOKEN", "nope", "BOT_TOKEN is malformed"),
        ("PORT", "70000", "PORT must be between"),
        ("WEBHOOK_URL", "http://example.org", "WEBHOOK_URL must start with https://"),
        ("STRIPE_API_KEY", "pk_test_1", "STRIPE_API_KEY must be a secret"),
        ("STRIPE_WEBHOOK_SECRET", None, "STRIPE_WEBHOOK_SECRET is required"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
        ("MESSAGING_LINGER_SECONDS", "soon", "MESSAGING_LINGER_SECONDS must be a number"),
        ("MESSAGING_LINGER_SECONDS", "-1", "MESSAGING_LINGER_SECONDS must be between 0 and 60"),
        ("MESSAGING_LINGER_SECONDS", "61", "MESSAGING_LINGER_SECONDS must be between 0 and 60"),
    ],
)
def test_bad_variable_is_named(name: str, value: str | None, message: str) -> None:
    env = dict(REAL)
    if value is None:
        env.pop(name)
    else:
        env[name] = value
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_linger_defaults_to_a_second_and_zero_turns_it_off() -> None:
    assert load_settings(REAL).messaging_linger_seconds == 1.0
    assert load_settings({**REAL, "MESSAGING_LINGER_SECONDS": "0"}).messaging_linger_seconds == 0.0


def test_repr_never_shows_secrets() -> None:
    text = repr(load_settings(REAL))
    for secret in (REAL["BOT_TOKEN"], REAL["STRIPE_API_KEY"], REAL["TELEGRAM_WEBHOOK_SECRET"]):
        assert secret not in text
