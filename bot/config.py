"""Typed settings read once from environment variables (12-factor).

Secrets are wrapped in `Secret` so they never show up in a repr, a log line or a
traceback; call `.reveal()` only where the value is handed to a client.
"""

from __future__ import annotations

import datetime as dt

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_cache_dir, user_data_dir


class ConfigError(ValueError):
    """A setting is present but unusable; raised at start, never at 8 a.m."""


@dataclass(frozen=True)
class Secret:
    """A string that hides itself from repr/str; `reveal()` hands it to a client."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


def default_database_url() -> str:
    data_dir = Path(user_data_dir("partnerbot", appauthor=False))
    return f"sqlite:///{data_dir / 'partnerbot.db'}"


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace(";", ",").split(",") if part.strip())


PLATFORMS = ("slack", "teams", "web", "cli")
STAFF_PLATFORMS = tuple(p for p in PLATFORMS if p != "web")
"""Where a user's identity is verified by the platform; the web chat's never is, so it carries no staff role."""


def parse_staff(value: str) -> dict[str, frozenset[str]]:
    """`DEPARTMENT_STAFF="slack:U1,slack:U2,teams:29:abc"`; a bare id counts on Slack and Teams."""
    staff: dict[str, set[str]] = {}
    for entry in _split(value):
        platform, sep, user = entry.partition(":")
        if sep and platform in PLATFORMS:
            staff.setdefault(platform, set()).add(user)
        else:
            staff.setdefault("*", set()).add(entry)
    return {platform: frozenset(users) for platform, users in staff.items()}


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


JOURNAL_INTAKE, DATABASE_INTAKE = "journal", "database"
"""Where an acknowledged event is stored first (PARTNERBOT_INTAKE; bot/intake.py)."""


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _smtp_url(value: str) -> Secret:
    """SMTP_URL: smtp://[user:password@]host[:port] (STARTTLS when the relay offers it) or smtps:// (TLS first)."""
    value = value.strip()
    if not value:
        return Secret("")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigError("SMTP_URL is not a URL (smtp://user:password@host:587)") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
    return Secret(value)


def _proxies(value: str) -> tuple[str, ...]:
    """TRUSTED_PROXIES: addresses or networks (CIDR) of the reverse proxies in front of `serve`,
    whose X-Forwarded-For is believed."""
    import ipaddress

    found = _split(value)
    for entry in found:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ConfigError(f"TRUSTED_PROXIES: {entry!r} is not an address or a network") from exc
    return found


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    value = _number(env, name, default)
    if value < 1 or value != int(value):
        raise ConfigError(f"{name} must be a whole number of at least 1, got {env.get(name)!r}")
    return int(value)


def _port(env: Mapping[str, str], name: str) -> int:
    value = _number(env, name, 0)
    if value != int(value) or not 0 <= value <= 65535:
        raise ConfigError(f"{name} must be a port number (1-65535), got {env.get(name)!r}")
    return int(value)


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    """A retention period in whole days; 0 keeps for good."""
    value = _number(env, name, default)
    if value < 0 or value != int(value):
        raise ConfigError(f"{name} must be a whole number of days (0 keeps for good), got {env.get(name)!r}")
    return int(value)


@dataclass(frozen=True)
class LlmSettings:
    """The optional language model for long-tail answers (off unless LLM_MODEL is set).

    Any OpenAI-compatible server: OpenAI itself (LLM_API_KEY only), a local Ollama or
    vLLM (LLM_BASE_URL), or Azure OpenAI (LLM_BASE_URL is the resource endpoint,
    LLM_API_VERSION set, LLM_MODEL the deployment name)."""

    model: str = ""
    base_url: str = ""
    api_key: Secret = Secret("")
    api_version: str = ""
    timeout_seconds: float = 8.0
    per_user_per_hour: int = 20
    global_per_minute: int = 30
    input_cost_per_million: float = 0.15
    output_cost_per_million: float = 0.60

    @property
    def enabled(self) -> bool:
        return bool(self.model)

    @property
    def azure(self) -> bool:
        return bool(self.api_version)

    def estimated_cost(self, prompt_tokens: float, completion_tokens: float) -> float:
        """US$ for these tokens at the configured prices (LLM_*_COST_PER_MILLION)."""
        return (prompt_tokens * self.input_cost_per_million + completion_tokens * self.output_cost_per_million) / 1_000_000

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "LlmSettings":
        settings = cls(
            model=env.get("LLM_MODEL", "").strip(),
            base_url=env.get("LLM_BASE_URL", "").strip(),
            api_key=Secret(env.get("LLM_API_KEY", "").strip()),
            api_version=env.get("LLM_API_VERSION", "").strip(),
            timeout_seconds=_number(env, "LLM_TIMEOUT_SECONDS", cls.timeout_seconds),
            per_user_per_hour=int(_number(env, "LLM_PER_USER_PER_HOUR", cls.per_user_per_hour)),
            global_per_minute=int(_number(env, "LLM_PER_MINUTE", cls.global_per_minute)),
            input_cost_per_million=_number(env, "LLM_INPUT_COST_PER_MILLION", cls.input_cost_per_million),
            output_cost_per_million=_number(env, "LLM_OUTPUT_COST_PER_MILLION", cls.output_cost_per_million),
        )
        if settings.enabled and not (settings.base_url or settings.api_key):
            raise ConfigError("LLM_MODEL is set: give LLM_BASE_URL (a local or Azure server) or LLM_API_KEY (OpenAI)")
        if settings.azure and not settings.base_url:
            raise ConfigError("LLM_API_VERSION means Azure OpenAI: set LLM_BASE_URL to the resource's endpoint")
        if settings.timeout_seconds <= 0:
            raise ConfigError("LLM_TIMEOUT_SECONDS must be above 0")
        return settings


@dataclass(frozen=True)
class Settings:
    """Every knob the bot has; build it with `Settings.from_env()`."""

    database_url: str = field(default_factory=default_database_url)
    timezone: str = "America/Los_Angeles"
    port: int = 3978

    department_email: str = "partnerships@district.example"
    department_slack_channel: str = ""
    department_teams_channel: str = ""
    department_staff: Mapping[str, frozenset[str]] = field(default_factory=dict)

    slack_bot_token: Secret = Secret("")
    slack_signing_secret: Secret = Secret("")
    slack_app_token: Secret = Secret("")
    slack_api_url: str = "https://slack.com/api/"

    microsoft_app_id: str = ""
    microsoft_app_password: Secret = Secret("")
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = "MultiTenant"
    teams_allow_unauthenticated: bool = False
    teams_runtime: str = "botbuilder"
    teams_service_url: str = "https://smba.trafficmanager.net/teams/"

    announce_cron: str = "0 8 * * mon"
    announce_slack_channels: tuple[str, ...] = ()
    announce_empty_digest: bool = False
    reminder_hour: int = 9
    consult_sla_hours: float = 24.0

    web_chat_enabled: bool = True
    web_chat_passcode: Secret = Secret("")
    trusted_proxies: tuple[str, ...] = ()
    report_token: Secret = Secret("")
    metrics_token: Secret = Secret("")
    """Serves /metrics on the main port to whoever sends it as a bearer token (METRICS_TOKEN)."""
    metrics_port: int = 0
    """Serves /metrics on a port of its own (METRICS_PORT), bound to METRICS_HOST; 0: not."""
    metrics_host: str = "127.0.0.1"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: Secret = Secret("")
    desk_session_hours: float = 8.0
    desk_dev_sign_in: bool = False
    public_url: str = ""
    smtp_url: Secret = Secret("")
    """The district's SMTP relay for e-mail updates to web-chat requesters (SMTP_URL: smtp://user:password@host:587,
    or smtps:// for TLS from the start); empty: no e-mail."""
    smtp_from: str = ""
    """The sender of those e-mails (SMTP_FROM; default DEPARTMENT_EMAIL)."""
    smtp_timeout: float = 30.0
    """Seconds to wait for the relay's answer to each command (SMTP_TIMEOUT)."""
    privacy_file: str = ""
    """A file whose text replaces the /privacy page's default (PRIVACY_FILE: plain text or Markdown-like paragraphs)."""
    terms_file: str = ""
    """The same for /terms (TERMS_FILE)."""
    log_text: bool = False
    load_sample_data: bool = True

    confidence_threshold: float = 0.4
    links: Mapping[str, str] = field(default_factory=dict)
    cache_dir: Path = field(default_factory=lambda: Path(user_cache_dir("partnerbot", appauthor=False)))
    lease_seconds: float = 120.0
    inbox_max: int = 5000
    """Events waiting for an answer beyond which senders are told answers are delayed (INBOX_MAX)."""
    answer_workers: int = 2
    """Processes answering the inbox per `serve` when Slack is configured (ANSWER_WORKERS)."""
    retention_days: int = 365
    """Conversation state, question logs, grounded answers with their feedback, inbox events, notices, reminders
    and Teams conversation references are deleted this many days after (RETENTION_DAYS; 0 keeps them)."""
    ticket_retention_days: int = 0
    """Resolved or cancelled tickets and their history, after this many days (TICKET_RETENTION_DAYS; 0 keeps)."""
    audit_retention_days: int = 0
    """The audit log, after this many days (AUDIT_RETENTION_DAYS; 0 keeps it)."""
    spool_dir: Path = field(default_factory=lambda: Path(user_data_dir("partnerbot", appauthor=False)) / "spool")
    intake_setting: str = ""
    """Where acknowledged events are stored first: "journal", "database" or "" for the database's default
    (PARTNERBOT_INTAKE; see `intake` and bot/intake.py)."""
    llm: LlmSettings = field(default_factory=LlmSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def lease(self) -> dt.timedelta:
        """How long a process holds an inbox event or outbox post it took (PARTNERBOT_LEASE_SECONDS)."""
        return dt.timedelta(seconds=self.lease_seconds)

    @property
    def intake(self) -> str:
        """The journal on SQLite (the database is a file on the same disk), the database on PostgreSQL."""
        return self.intake_setting or (JOURNAL_INTAKE if self.is_sqlite else DATABASE_INTAKE)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def is_staff(self, platform: str, user: str) -> bool:
        """Staff act from Slack, Teams or a terminal; the web chat's identity is not
        verified, so it never carries the staff role. A bare id counts on Slack and Teams."""
        if platform not in STAFF_PLATFORMS:
            return False
        if user in self.department_staff.get(platform, frozenset()):
            return True
        return platform in ("slack", "teams") and user in self.department_staff.get("*", frozenset())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        database_url = env.get("DATABASE_URL", "").strip() or default_database_url()
        if database_url.startswith("postgres://"):
            database_url = "postgresql://" + database_url[len("postgres://") :]
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
        timezone = env.get("TIMEZONE", "").strip() or "America/Los_Angeles"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"TIMEZONE {timezone!r} is not a known time zone") from exc
        production = not database_url.startswith("sqlite")
        if production and env.get("SMTP_URL", "").strip() and not env.get("PUBLIC_URL", "").strip():
            raise ConfigError("SMTP_URL needs PUBLIC_URL (https://your.server): the links in e-mails point there")
        links = {
            key[len("LINK_") :].lower(): value
            for key, value in env.items()
            if key.startswith("LINK_") and value.strip()
        }
        return cls(
            database_url=database_url,
            timezone=timezone,
            port=int(_number(env, "PORT", 3978)),
            department_email=env.get("DEPARTMENT_EMAIL", "").strip() or cls.department_email,
            department_slack_channel=env.get("DEPARTMENT_SLACK_CHANNEL", "").strip(),
            department_teams_channel=env.get("DEPARTMENT_TEAMS_CHANNEL", "").strip(),
            department_staff=parse_staff(env.get("DEPARTMENT_STAFF", "")),
            slack_bot_token=Secret(env.get("SLACK_BOT_TOKEN", "").strip()),
            slack_signing_secret=Secret(env.get("SLACK_SIGNING_SECRET", "").strip()),
            slack_app_token=Secret(env.get("SLACK_APP_TOKEN", "").strip()),
            slack_api_url=env.get("SLACK_API_URL", "").strip() or cls.slack_api_url,
            microsoft_app_id=env.get("MICROSOFT_APP_ID", "").strip(),
            microsoft_app_password=Secret(env.get("MICROSOFT_APP_PASSWORD", "").strip()),
            microsoft_app_tenant_id=env.get("MICROSOFT_APP_TENANT_ID", "").strip(),
            microsoft_app_type=env.get("MICROSOFT_APP_TYPE", "").strip() or "MultiTenant",
            teams_allow_unauthenticated=_flag(env.get("TEAMS_ALLOW_UNAUTHENTICATED"), False),
            teams_runtime=_choice(env, "TEAMS_RUNTIME", ("botbuilder", "agents"), "botbuilder"),
            teams_service_url=env.get("TEAMS_SERVICE_URL", "").strip() or cls.teams_service_url,
            announce_cron=env.get("ANNOUNCE_CRON", "").strip() or cls.announce_cron,
            announce_slack_channels=_split(env.get("ANNOUNCE_SLACK_CHANNELS", "")),
            announce_empty_digest=_flag(env.get("ANNOUNCE_EMPTY_DIGEST"), False),
            reminder_hour=int(_number(env, "REMINDER_HOUR", 9)),
            consult_sla_hours=_number(env, "CONSULT_SLA_HOURS", 24.0),
            web_chat_enabled=_flag(env.get("WEB_CHAT_ENABLED"), not production),
            web_chat_passcode=Secret(env.get("WEB_CHAT_PASSCODE", "").strip()),
            trusted_proxies=_proxies(env.get("TRUSTED_PROXIES", "")),
            report_token=Secret(env.get("REPORT_TOKEN", "").strip()),
            metrics_token=Secret(env.get("METRICS_TOKEN", "").strip()),
            metrics_port=_port(env, "METRICS_PORT"),
            metrics_host=env.get("METRICS_HOST", "").strip() or "127.0.0.1",
            oidc_issuer=env.get("OIDC_ISSUER", "").strip().rstrip("/"),
            oidc_client_id=env.get("OIDC_CLIENT_ID", "").strip(),
            oidc_client_secret=Secret(env.get("OIDC_CLIENT_SECRET", "").strip()),
            desk_session_hours=_number(env, "DESK_SESSION_HOURS", 8.0),
            desk_dev_sign_in=not production and _flag(env.get("DESK_DEV_SIGN_IN"), True),
            public_url=env.get("PUBLIC_URL", "").strip().rstrip("/"),
            smtp_url=_smtp_url(env.get("SMTP_URL", "")),
            smtp_from=env.get("SMTP_FROM", "").strip(),
            smtp_timeout=_number(env, "SMTP_TIMEOUT", 30.0),
            privacy_file=env.get("PRIVACY_FILE", "").strip(),
            terms_file=env.get("TERMS_FILE", "").strip(),
            log_text=_flag(env.get("LOG_TEXT"), False),
            load_sample_data=_flag(env.get("LOAD_SAMPLE_DATA"), True),
            confidence_threshold=_number(env, "CONFIDENCE_THRESHOLD", 0.4),
            links=links,
            cache_dir=Path(env.get("PARTNERBOT_CACHE_DIR", "").strip() or user_cache_dir("partnerbot", appauthor=False)),
            lease_seconds=_number(env, "PARTNERBOT_LEASE_SECONDS", 120.0),
            inbox_max=_count(env, "INBOX_MAX", 5000),
            retention_days=_days(env, "RETENTION_DAYS", 365),
            ticket_retention_days=_days(env, "TICKET_RETENTION_DAYS", 0),
            audit_retention_days=_days(env, "AUDIT_RETENTION_DAYS", 0),
            answer_workers=_count(env, "ANSWER_WORKERS", 2),
            spool_dir=Path(env.get("PARTNERBOT_SPOOL_DIR", "").strip()
                           or Path(user_data_dir("partnerbot", appauthor=False)) / "spool"),
            intake_setting=_choice(env, "PARTNERBOT_INTAKE", (JOURNAL_INTAKE, DATABASE_INTAKE, ""), ""),
            llm=LlmSettings.from_env(env),
        )

    @property
    def desk_signs_in(self) -> bool:
        """The desk is on when an OpenID Connect issuer is configured, or for the loopback-only
        development sign-in on the embedded default (never with PostgreSQL: production)."""
        return bool(self.oidc_issuer and self.oidc_client_id) or self.desk_dev_sign_in

    def link(self, name: str, fallback: str = "") -> str:
        """A department link (`LINK_MOU_TEMPLATE=...`), or the fallback text."""
        return self.links.get(name, fallback)
