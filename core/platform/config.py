"""Typed settings read once from the environment (12-factor).

Every process builds one :class:`Settings` at start; a missing or malformed
variable stops it with a message naming the variable, instead of failing later
inside a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.platform.admin_groups import LiveAdminGroups
from core.platform.errors import ConfigError
from core.platform.ops_config import (
    Retention,
    bot_api_url_from,
    messaging_linger_from,
    metrics_token_from,
    retention_from,
    shutdown_grace_from,
)
from core.platform.send_limits import SendLimits

#: The webhook secret used in sandbox mode when none is set. Documented in the
#: README: scripts driving the sandbox send it in X-Telegram-Bot-Api-Secret-Token.
SANDBOX_WEBHOOK_SECRET = "sandbox-secret"
SANDBOX_STRIPE_WEBHOOK_SECRET = "whsec_sandbox"
SANDBOX_ADMIN_GROUP_ID = -1001000000001
SANDBOX_ADMIN_USER_ID = 1000001
SANDBOX_BOT_ID = 7000000001
#: In sandbox mode the stripe library talks to the fake Stripe mounted in the web process.
SANDBOX_STRIPE_API_KEY = "sk_test_sandbox"
FAKE_STRIPE_PATH = "/fake-stripe"

#: Inbox shards (core.jobs.inbox) when MESSAGING_SHARDS is unset. Changing the
#: number while updates wait could let an actor's old and new updates run side
#: by side: change it with the inbox empty.
DEFAULT_SHARDS = 16

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
_LOG_FORMATS = ("json", "console")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    telegram_api_id: int | None
    telegram_api_hash: str | None
    webhook_secret: str
    webhook_url: str | None
    #: The one part of the settings that changes while a process runs: the admin
    #: groups under their current ids (Telegram gives a group a new id when it
    #: becomes a supergroup). Everything else is fixed at start; this object is
    #: updated in place by core.delivery.chat_migrations and the ingress, and so
    #: takes no part in comparing or hashing settings.
    live_admin_groups: LiveAdminGroups = field(compare=False, hash=False)
    admin_user_ids: tuple[int, ...]
    database_url: str | None
    stripe_api_key: str | None
    stripe_webhook_secret: str
    stripe_api_base: str | None
    port: int
    log_format: str
    log_level: str
    worker_concurrency: int
    data_dir: str
    send_limits: SendLimits = field(default_factory=SendLimits)
    #: Where users' browsers reach the web process (Checkout return pages).
    public_url: str = "http://127.0.0.1:8080"
    #: The bot's @username, for t.me links back into the bot (Checkout success and cancel).
    bot_username: str = "paid_desk_bot"
    #: Inbox shards (core.jobs.inbox): how many drain jobs can run side by side.
    messaging_shards: int = DEFAULT_SHARDS
    #: How long a drain that emptied its shard waits for the shard's next update
    #: before its job ends (workers.inbox_drain); 0: it ends at once.
    messaging_linger_seconds: float = 1.0
    #: A worker whose heartbeat is older than this is dead: its jobs and claimed
    #: sends are recovered (core.jobs.stalls). Heartbeats go out five times as often.
    stalled_after_seconds: float = 10.0
    #: Sandbox only: seconds each call to the stand-in Telegram takes, as a
    #: round trip to Telegram does (0 by default; tests and demos of slow sends).
    sandbox_latency_seconds: float = 0.0
    #: How long each kind of finished row is kept (core.platform.ops_config).
    retention: Retention = field(default_factory=Retention)
    #: Bearer token that GET /metrics requires; with a bot token and none set, /metrics is off.
    metrics_token: str | None = field(default=None, repr=False)
    #: Seconds a stopping worker lets its jobs finish before handing them back.
    shutdown_grace_seconds: float = 20.0
    #: Where Bot API calls about the webhook go (TELEGRAM_BOT_API_URL).
    bot_api_url: str = "https://api.telegram.org"
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def sandbox(self) -> bool:
        """Without a bot token the system talks to its own stand-in for Telegram."""
        return self.bot_token is None

    @property
    def fake_stripe(self) -> bool:
        """Sandbox payments: the fake Stripe mounted in the web process stands in for Stripe."""
        return self.sandbox and self.stripe_api_key == SANDBOX_STRIPE_API_KEY

    @property
    def heartbeat_seconds(self) -> float:
        """How often a worker proves it is alive: several beats fit in ``stalled_after``."""
        return self.stalled_after_seconds / 5

    @property
    def admin_group_ids(self) -> tuple[int, ...]:
        """The admin groups' current ids, in configured order."""
        return self.live_admin_groups.ids

    @property
    def admin_group_id(self) -> int:
        return self.admin_group_ids[0]

    def __repr__(self) -> str:
        # Settings end up in tracebacks; never show credentials there.
        return f"Settings(sandbox={self.sandbox}, port={self.port}, admin_groups={self.admin_group_ids})"


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _int(env: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _int_list(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = _get(env, name)
    if raw is None:
        return ()
    try:
        return tuple(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        raise ConfigError(f"{name} must be a comma-separated list of integers, got {raw!r}") from None


def _rate(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not 0 < value <= 100_000:
        raise ConfigError(f"{name} must be above 0")
    return value


def _send_limits(env: Mapping[str, str]) -> SendLimits:
    d = SendLimits()
    return SendLimits(
        global_per_second=_rate(env, "TELEGRAM_GLOBAL_PER_SECOND", d.global_per_second),
        paid_per_second=_rate(env, "TELEGRAM_PAID_PER_SECOND", d.paid_per_second),
        chat_per_second=_rate(env, "TELEGRAM_CHAT_PER_SECOND", d.chat_per_second),
        group_per_minute=_rate(env, "TELEGRAM_GROUP_PER_MINUTE", d.group_per_minute),
    )


def _require(value: object, name: str, why: str) -> None:
    if value is None:
        raise ConfigError(f"{name} is required {why}")


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build and validate settings; raise ConfigError naming the bad variable."""
    bot_token = _get(env, "BOT_TOKEN")
    sandbox = bot_token is None
    why = "when BOT_TOKEN is set (real Telegram mode)"

    if bot_token is not None and not _BOT_TOKEN.fullmatch(bot_token):
        raise ConfigError("BOT_TOKEN is malformed: expected '<digits>:<secret>' as given by @BotFather")

    api_id = _int(env, "TELEGRAM_API_ID")
    api_hash = _get(env, "TELEGRAM_API_HASH")
    if not sandbox:
        _require(api_id, "TELEGRAM_API_ID", why)
        _require(api_hash, "TELEGRAM_API_HASH", why)
    if api_hash is not None and not re.fullmatch(r"[0-9a-f]{32}", api_hash):
        raise ConfigError("TELEGRAM_API_HASH is malformed: expected 32 hexadecimal characters")

    webhook_secret = _get(env, "TELEGRAM_WEBHOOK_SECRET")
    if webhook_secret is None:
        if not sandbox:
            raise ConfigError(f"TELEGRAM_WEBHOOK_SECRET is required {why}")
        webhook_secret = SANDBOX_WEBHOOK_SECRET
    if not _SECRET_TOKEN.fullmatch(webhook_secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")

    webhook_url = _get(env, "WEBHOOK_URL")
    if webhook_url is not None and not webhook_url.startswith("https://"):
        raise ConfigError("WEBHOOK_URL must start with https:// (Telegram only calls HTTPS webhooks)")

    admin_groups = _int_list(env, "ADMIN_GROUP_IDS") or _int_list(env, "ADMIN_GROUP_ID")
    if not admin_groups:
        if not sandbox:
            raise ConfigError(f"ADMIN_GROUP_ID is required {why}")
        admin_groups = (SANDBOX_ADMIN_GROUP_ID,)
    for group in admin_groups:
        # A basic group's id (-42) is taken too: turning on Topics makes Telegram
        # upgrade it to a supergroup, and the bot follows it to its new id.
        if group >= 0:
            raise ConfigError(
                f"ADMIN_GROUP_ID must be a supergroup id starting with -100 (or a group's"
                f" negative id), got {group}"
            )

    admin_users = _int_list(env, "ADMIN_USER_ID")
    if not admin_users and sandbox:
        admin_users = (SANDBOX_ADMIN_USER_ID,)

    stripe_key = _get(env, "STRIPE_API_KEY")
    if stripe_key is not None and not stripe_key.startswith(("sk_", "rk_")):
        raise ConfigError("STRIPE_API_KEY must be a secret or restricted key (sk_... or rk_...)")
    stripe_secret = _get(env, "STRIPE_WEBHOOK_SECRET")
    if stripe_secret is None:
        if stripe_key is not None and not sandbox:
            raise ConfigError("STRIPE_WEBHOOK_SECRET is required when STRIPE_API_KEY is set")
        stripe_secret = SANDBOX_STRIPE_WEBHOOK_SECRET

    port = _int(env, "PORT", 8080)
    assert port is not None
    if not 0 < port < 65536:
        raise ConfigError(f"PORT must be between 1 and 65535, got {port}")
    stripe_base = _get(env, "STRIPE_API_BASE")
    if stripe_key is None and sandbox:
        stripe_key = SANDBOX_STRIPE_API_KEY
        stripe_base = stripe_base or f"http://127.0.0.1:{port}{FAKE_STRIPE_PATH}"

    log_format = (_get(env, "LOG_FORMAT") or ("console" if sandbox else "json")).lower()
    if log_format not in _LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(_LOG_FORMATS)}")
    log_level = (_get(env, "LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")

    concurrency = _int(env, "WORKER_CONCURRENCY", 8)
    assert concurrency is not None
    if not 1 <= concurrency <= 200:
        raise ConfigError("WORKER_CONCURRENCY must be between 1 and 200")
    shards = _int(env, "MESSAGING_SHARDS", DEFAULT_SHARDS)
    assert shards is not None
    if not 1 <= shards <= 1024:
        raise ConfigError("MESSAGING_SHARDS must be between 1 and 1024")

    stalled_after = _rate(env, "WORKER_STALLED_AFTER_SECONDS", 10.0)
    if not 2 <= stalled_after <= 600:
        raise ConfigError("WORKER_STALLED_AFTER_SECONDS must be between 2 and 600")

    latency_ms = _int(env, "SANDBOX_TELEGRAM_LATENCY_MS", 0)
    assert latency_ms is not None
    if not 0 <= latency_ms <= 10_000:
        raise ConfigError("SANDBOX_TELEGRAM_LATENCY_MS must be between 0 and 10000")

    metrics_token = metrics_token_from(env)
    secrets = tuple(
        s for s in (bot_token, api_hash, webhook_secret, stripe_key, stripe_secret, metrics_token)
        if s is not None
    )
    public_url = _get(env, "PUBLIC_URL") or webhook_url or f"http://127.0.0.1:{port}"
    bot_username = (_get(env, "BOT_USERNAME") or "paid_desk_bot").lstrip("@")
    if not re.fullmatch(r"[A-Za-z0-9_]{5,32}", bot_username):
        raise ConfigError("BOT_USERNAME must be the bot's @username: 5-32 letters, digits or _")
    return Settings(
        bot_token=bot_token,
        telegram_api_id=api_id,
        telegram_api_hash=api_hash,
        webhook_secret=webhook_secret,
        webhook_url=webhook_url,
        live_admin_groups=LiveAdminGroups(admin_groups),
        admin_user_ids=admin_users,
        database_url=_get(env, "DATABASE_URL"),
        stripe_api_key=stripe_key,
        stripe_webhook_secret=stripe_secret,
        stripe_api_base=stripe_base,
        port=port,
        log_format=log_format,
        log_level=log_level,
        worker_concurrency=concurrency,
        messaging_shards=shards,
        messaging_linger_seconds=messaging_linger_from(env),
        stalled_after_seconds=stalled_after,
        sandbox_latency_seconds=latency_ms / 1000,
        data_dir=_get(env, "DATA_DIR") or ".data",
        send_limits=_send_limits(env),
        public_url=public_url.rstrip("/"),
        bot_username=bot_username,
        retention=retention_from(env),
        metrics_token=metrics_token,
        shutdown_grace_seconds=shutdown_grace_from(env),
        bot_api_url=bot_api_url_from(env),
        secrets=secrets,
    )
