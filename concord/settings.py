"""Typed settings read from the environment (``CONCORD_*``), strictly, at start-up.

Nothing here runs at import time: callers build a :class:`Settings` with :func:`load_settings`
(from the environment) or construct one directly (tests, the demo). Every secret may also come
from a file named by the ``*_FILE`` variant of its variable, so that it never sits in the
process environment.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and never its value."""


DEFAULT_DATA_DIR = Path(".concord-data")
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Settings:
    """Everything the platform needs to run, already validated."""

    data_dir: Path = DEFAULT_DATA_DIR
    demo: bool = False
    secret_key: str = ""
    # Held by the vaults (never stored in the hub database); keys every matching round.
    matching_secret: str = ""
    hub_url: str | None = None
    vault_url_template: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    # On a vault node: the hub's public URL, where the joint events' RSVP pages are
    # (CONCORD_HUB_PUBLIC_URL); empty on the hub itself, whose own public URL serves them.
    hub_public_url: str = ""
    session_idle_minutes: int = 60
    login_max_failures_per_account: int = 10
    login_max_failures_per_client: int = 30
    login_lockout_minutes: int = 15
    password_reset_minutes: int = 30
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    secure_cookies: bool = True
    mail_from: str = "concord@localhost"
    # Outgoing mail (CONCORD_SMTP_*); no host means mail waits in the outboxes (the demo
    # delivers to its local mailbox instead and never uses SMTP).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    log_level: str = "INFO"
    # The largest contact file an import accepts (CONCORD_IMPORT_MAX_MB).
    import_max_bytes: int = 50 * 1024 * 1024
    # Contacts with no consent record and no change for this long are anonymised.
    inactive_months: int = 24
    # The largest joint document a review round accepts (CONCORD_DOCUMENT_MAX_BYTES).
    document_max_bytes: int = 20 * 1024 * 1024
    # How many days ahead of a due date or review deadline reminders go out.
    reminder_days: int = 3
    # How long a message claimed by a sender stays claimed before another run may send it
    # again (with the same Message-ID): longer than one delivery, short enough that a worker
    # killed mid-send is made good soon (CONCORD_OUTBOX_STALE_CLAIM_SECONDS).
    outbox_stale_claim_seconds: int = 600
    # Federated mode (CONCORD_FEDERATED): every vault is a node on its partner's own server,
    # reached over signed HTTP; the hub opens no vault database and holds no matching key.
    federated: bool = False
    # How long the hub waits for a node, how often it tries, and the first back-off
    # (CONCORD_NODE_TIMEOUT_SECONDS, CONCORD_NODE_TRIES, CONCORD_NODE_BACKOFF_MS).
    node_timeout_seconds: float = 30.0
    node_tries: int = 3
    node_backoff_seconds: float = 0.5
    # A node answers a large call (a round's submission, an audience's tokens) in signed
    # pieces of at most this many bytes, which the hub asks for in turn
    # (CONCORD_NODE_PIECE_KIB, default 4096).
    node_piece_bytes: int = 4 * 1024 * 1024
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def hub_database_url(self) -> str:
        """The hub's SQLAlchemy URL: PostgreSQL when configured, else a SQLite file."""
        if self.hub_url:
            return self.hub_url
        return f"sqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"

    @property
    def rsvp_url_base(self) -> str:
        """Where invitees answer a joint event: the hub, which holds the events."""
        return self.hub_public_url or self.public_url

    def vault_database_url(self, partner_slug: str) -> str:
        """The SQLAlchemy URL of one partner's vault."""
        if not SLUG.fullmatch(partner_slug):
            raise SettingsError(f"not a partner slug: {partner_slug!r}")
        if self.vault_url_template:
            return self.vault_url_template.replace("{partner}", partner_slug.replace("-", "_"))
        path = (self.data_dir / "vaults" / f"{partner_slug}.sqlite3").resolve()
        return f"sqlite:///{path}"

    @property
    def hub_signing_key_path(self) -> Path:
        """The hub's Ed25519 key in federated mode, made on first start."""
        return self.data_dir / "hub-signing.key"

    def with_changes(self, **changes: object) -> Settings:
        """A copy with some fields replaced (used by the demo and the tests)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


SLUG = re.compile(r"[a-z][a-z0-9-]{1,39}")


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false")


def _parse_int(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be between {minimum} and {maximum}")
    return value


def read_secret(env: Mapping[str, str], name: str) -> str | None:
    """Read ``name`` or the file named by ``name_FILE``; setting both is an error."""
    direct = env.get(name)
    path = env.get(f"{name}_FILE")
    if direct and path:
        raise SettingsError(f"set {name} or {name}_FILE, not both")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError:
            raise SettingsError(f"{name}_FILE names a file that cannot be read") from None
    return direct.strip() if direct else None


def check_timezone(name: str, value: str) -> str:
    """Raise :class:`SettingsError` unless ``value`` is an IANA time zone."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} is not a known time zone") from None
    return value


SMTP_SECURITY = ("none", "starttls", "tls")


def _smtp_settings(env: Mapping[str, str]) -> dict[str, object]:
    """The CONCORD_SMTP_* variables; a port or security given without a host is an error."""
    values: dict[str, object] = {}
    if raw := env.get("CONCORD_SMTP_HOST"):
        host = raw.strip()
        if not re.fullmatch(r"[A-Za-z0-9.:\[\]-]{1,253}", host):
            raise SettingsError("CONCORD_SMTP_HOST must be a host name or address")
        values["smtp_host"] = host
    if raw := env.get("CONCORD_SMTP_PORT"):
        values["smtp_port"] = _parse_int("CONCORD_SMTP_PORT", raw, minimum=1, maximum=65535)
    if raw := env.get("CONCORD_SMTP_SECURITY"):
        security = raw.strip().lower()
        if security not in SMTP_SECURITY:
            raise SettingsError("CONCORD_SMTP_SECURITY must be none, starttls or tls")
        values["smtp_security"] = security
    if username := read_secret(env, "CONCORD_SMTP_USERNAME"):
        values["smtp_username"] = username
    if password := read_secret(env, "CONCORD_SMTP_PASSWORD"):
        values["smtp_password"] = password
    if bool(values.get("smtp_username")) != bool(values.get("smtp_password")):
        raise SettingsError("set CONCORD_SMTP_USERNAME and CONCORD_SMTP_PASSWORD together")
    if len(values) > 0 and "smtp_host" not in values:
        raise SettingsError("the CONCORD_SMTP_* settings need CONCORD_SMTP_HOST")
    return values


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    demo: bool = False,
    require_secret: bool = True,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Build settings from ``env`` (default: the process environment) plus explicit overrides.

    Outside demo mode a real secret key is required by everything that serves or signs (pass
    ``require_secret=False`` for offline commands such as migrations); a bad value is an error.
    """
    env = os.environ if env is None else env
    values: dict[str, object] = {"demo": demo}

    if raw := env.get("CONCORD_DATA_DIR"):
        values["data_dir"] = Path(raw)
    if raw := env.get("CONCORD_HOST"):
        values["host"] = raw.strip()
    if raw := env.get("CONCORD_PORT"):
        values["port"] = _parse_int("CONCORD_PORT", raw, minimum=1, maximum=65535)
    if raw := env.get("CONCORD_PUBLIC_URL"):
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", raw.strip()):
            raise SettingsError("CONCORD_PUBLIC_URL must be an http(s) URL")
        values["public_url"] = raw.strip().rstrip("/")
    if raw := env.get("CONCORD_HUB_PUBLIC_URL"):
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", raw.strip()):
            raise SettingsError("CONCORD_HUB_PUBLIC_URL must be an http(s) URL")
        values["hub_public_url"] = raw.strip().rstrip("/")
    if raw := read_secret(env, "CONCORD_HUB_URL"):
        values["hub_url"] = raw
    if raw := read_secret(env, "CONCORD_VAULT_URL_TEMPLATE"):
        if "{partner}" not in raw:
            raise SettingsError("CONCORD_VAULT_URL_TEMPLATE must contain {partner}")
        values["vault_url_template"] = raw
    if bool(values.get("hub_url")) != bool(values.get("vault_url_template")):
        raise SettingsError("set CONCORD_HUB_URL and CONCORD_VAULT_URL_TEMPLATE together")
    if raw := env.get("CONCORD_SESSION_IDLE_MINUTES"):
        values["session_idle_minutes"] = _parse_int(
            "CONCORD_SESSION_IDLE_MINUTES", raw, minimum=5, maximum=24 * 60
        )
    if raw := env.get("CONCORD_SECURE_COOKIES"):
        values["secure_cookies"] = _parse_bool("CONCORD_SECURE_COOKIES", raw)
    if raw := env.get("CONCORD_MAIL_FROM"):
        values["mail_from"] = raw.strip()
    values.update(_smtp_settings(env))
    if raw := env.get("CONCORD_LOG_LEVEL"):
        if raw.strip().upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError("CONCORD_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        values["log_level"] = raw.strip().upper()
    if raw := env.get("CONCORD_IMPORT_MAX_MB"):
        megabytes = _parse_int("CONCORD_IMPORT_MAX_MB", raw, minimum=1, maximum=10 * 1024)
        values["import_max_bytes"] = megabytes * 1024 * 1024
    if raw := env.get("CONCORD_INACTIVE_MONTHS"):
        values["inactive_months"] = _parse_int(
            "CONCORD_INACTIVE_MONTHS", raw, minimum=1, maximum=1200
        )
    if raw := env.get("CONCORD_DOCUMENT_MAX_BYTES"):
        values["document_max_bytes"] = _parse_int(
            "CONCORD_DOCUMENT_MAX_BYTES", raw, minimum=1024, maximum=1024 * 1024 * 1024
        )
    if raw := env.get("CONCORD_REMINDER_DAYS"):
        values["reminder_days"] = _parse_int("CONCORD_REMINDER_DAYS", raw, minimum=0, maximum=60)
    if raw := env.get("CONCORD_OUTBOX_STALE_CLAIM_SECONDS"):
        values["outbox_stale_claim_seconds"] = _parse_int(
            "CONCORD_OUTBOX_STALE_CLAIM_SECONDS", raw, minimum=5, maximum=24 * 3600
        )
    if raw := env.get("CONCORD_FEDERATED"):
        values["federated"] = _parse_bool("CONCORD_FEDERATED", raw)
    if raw := env.get("CONCORD_NODE_TIMEOUT_SECONDS"):
        values["node_timeout_seconds"] = float(
            _parse_int("CONCORD_NODE_TIMEOUT_SECONDS", raw, minimum=1, maximum=600)
        )
    if raw := env.get("CONCORD_NODE_TRIES"):
        values["node_tries"] = _parse_int("CONCORD_NODE_TRIES", raw, minimum=1, maximum=10)
    if raw := env.get("CONCORD_NODE_BACKOFF_MS"):
        backoff = _parse_int("CONCORD_NODE_BACKOFF_MS", raw, minimum=0, maximum=60_000)
        values["node_backoff_seconds"] = backoff / 1000
    if raw := env.get("CONCORD_NODE_PIECE_KIB"):
        piece = _parse_int("CONCORD_NODE_PIECE_KIB", raw, minimum=1, maximum=32 * 1024)
        values["node_piece_bytes"] = piece * 1024
    for variable, key, low, high in (
        ("CONCORD_ARGON2_TIME_COST", "argon2_time_cost", 1, 20),
        ("CONCORD_ARGON2_MEMORY_KIB", "argon2_memory_kib", 8, 4 * 1024 * 1024),
        ("CONCORD_ARGON2_PARALLELISM", "argon2_parallelism", 1, 16),
    ):
        if raw := env.get(variable):
            values[key] = _parse_int(variable, raw, minimum=low, maximum=high)

    memory = int(str(values.get("argon2_memory_kib", Settings.argon2_memory_kib)))
    lanes = int(str(values.get("argon2_parallelism", Settings.argon2_parallelism)))
    if memory < 8 * lanes:
        raise SettingsError(
            "CONCORD_ARGON2_MEMORY_KIB must be at least 8 x CONCORD_ARGON2_PARALLELISM"
        )

    if (matching := read_secret(env, "CONCORD_MATCHING_SECRET")) is not None:
        if len(matching) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"CONCORD_MATCHING_SECRET must be at least {MIN_SECRET_LENGTH} characters"
            )
        values["matching_secret"] = matching

    secret = read_secret(env, "CONCORD_SECRET_KEY")
    if secret is not None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"CONCORD_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters"
            )
        values["secret_key"] = secret

    values.update(overrides or {})
    if "public_url" not in values:
        values["public_url"] = (
            f"http://{values.get('host', '127.0.0.1')}:{values.get('port', 8000)}"
        )
    settings = Settings(**values)  # type: ignore[arg-type]
    if require_secret and not settings.demo and len(settings.secret_key) < MIN_SECRET_LENGTH:
        raise SettingsError(
            "CONCORD_SECRET_KEY (or CONCORD_SECRET_KEY_FILE) is required outside demo mode"
        )
    return settings
