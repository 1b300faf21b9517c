"""Settings for running the service: retention ages, the metrics token, stop grace.

Read by :func:`core.platform.config.load_settings` like every other variable;
kept apart so the list of what operations can tune reads in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.platform.errors import ConfigError

#: Stripe retries a webhook for up to 3 days and Telegram keeps an update 24
#: hours: a processed marker younger than this may still meet a redelivery.
MIN_PROCESSED_DAYS = 4

_TOKEN = re.compile(r"[\x21-\x7e]{16,256}")


@dataclass(frozen=True)
class Retention:
    """How long each kind of finished row is kept before maintenance deletes it."""

    #: Processed-update markers (redeliveries older than this would be applied again).
    processed_days: float = 7.0
    #: Succeeded, cancelled and aborted jobs (succeeded ones are deleted at once anyway).
    finished_jobs_hours: float = 72.0
    #: Failed jobs: kept longer, operators look into them (``/health`` counts them).
    failed_jobs_days: float = 30.0
    #: Outbox rows delivered to Telegram.
    delivered_outbox_days: float = 7.0
    #: Sandbox mode only: what the stand-in Telegram remembers (messages, answers, faults).
    sandbox_days: float = 7.0
    #: Operators' album items and uploaded id lists a campaign may be started from.
    campaign_sources_days: float = 30.0


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {raw}")
    return value


def retention_from(env: Mapping[str, str]) -> Retention:
    d = Retention()
    return Retention(
        processed_days=_number(env, "RETENTION_PROCESSED_DAYS", d.processed_days, MIN_PROCESSED_DAYS, 3650),
        finished_jobs_hours=_number(env, "RETENTION_FINISHED_JOBS_HOURS", d.finished_jobs_hours, 1, 87600),
        failed_jobs_days=_number(env, "RETENTION_FAILED_JOBS_DAYS", d.failed_jobs_days, 1, 3650),
        delivered_outbox_days=_number(env, "RETENTION_OUTBOX_DAYS", d.delivered_outbox_days, 0.01, 3650),
        sandbox_days=_number(env, "RETENTION_SANDBOX_DAYS", d.sandbox_days, 0.01, 3650),
        campaign_sources_days=_number(env, "RETENTION_CAMPAIGN_SOURCES_DAYS", d.campaign_sources_days,
                                      0.01, 3650),
    )


def metrics_token_from(env: Mapping[str, str]) -> str | None:
    raw = (env.get("METRICS_TOKEN") or "").strip()
    if not raw:
        return None
    if not _TOKEN.fullmatch(raw):
        raise ConfigError("METRICS_TOKEN must be 16-256 printable characters without spaces")
    return raw


def bot_api_url_from(env: Mapping[str, str]) -> str:
    """Where Bot API calls go (the webhook's): Telegram, or a self-hosted telegram-bot-api server."""
    raw = (env.get("TELEGRAM_BOT_API_URL") or "").strip().rstrip("/")
    if not raw:
        return "https://api.telegram.org"
    if not raw.startswith(("https://", "http://")):
        raise ConfigError("TELEGRAM_BOT_API_URL must start with https:// (or http:// for a local server)")
    return raw


def shutdown_grace_from(env: Mapping[str, str]) -> float:
    """Seconds a stopping worker lets its jobs finish before it hands them back.

    Dyno managers kill 30 s after SIGTERM (Heroku, Kubernetes' default): the
    default leaves time to hand back and close connections before that.
    """
    return _number(env, "WORKER_SHUTDOWN_GRACE_SECONDS", 20.0, 0, 600)


def messaging_linger_from(env: Mapping[str, str]) -> float:
    """Seconds a messaging drain that emptied its shard waits for the next update (0: none)."""
    return _number(env, "MESSAGING_LINGER_SECONDS", 1.0, 0, 60)
