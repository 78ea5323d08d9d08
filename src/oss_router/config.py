"""Settings, read from the environment (prefix ``OSS_ROUTER_``) once per process."""

from functools import cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from oss_router.messages.codes import Channel

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/oss_router.db"
MEMORY_BROKER_URL = "memory://"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OSS_ROUTER_", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str = MEMORY_BROKER_URL
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    home_country: str = "PL"
    channels: list[Channel] = Field(default_factory=lambda: list(Channel))

    # Service targets for channels outside Directive 2023/977 (routing-policy.md, deadlines).
    urgent_target_hours: int = Field(default=24, ge=1)
    normal_target_hours: int = Field(default=168, ge=1)

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # One line per HTTP call on stdout; off by default (the audit log records what matters,
    # and a write per request is a measurable share of the gateway's cost).
    access_log: bool = False

    # Connections per process. Beyond the pool, SQLAlchemy opens and closes a connection per
    # checkout, which costs a PostgreSQL backend start each time: size the pool for the load.
    database_pool_size: int = Field(default=20, ge=1, le=500)
    database_max_overflow: int = Field(default=10, ge=0, le=500)

    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_poll_seconds: float = Field(default=0.5, gt=0)
    relay_lease_seconds: float = Field(default=30.0, gt=0)

    worker_prefetch: int = Field(default=32, ge=1, le=1000)
    adapter_timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, le=50)
    # Delays of the retry tiers, in milliseconds: attempt n waits retry_delays_ms[min(n-1, last)].
    retry_delays_ms: list[int] = Field(default_factory=lambda: [1_000, 10_000, 60_000])

    tracker_batch_size: int = Field(default=100, ge=1, le=5000)
    # How long a lone result waits for others to share its transaction.
    tracker_linger_ms: float = Field(default=2.0, ge=0, le=1000)

    # A publish whose confirms do not arrive within this time fails (and is retried).
    publish_timeout_seconds: float = Field(default=15.0, gt=0)
    # On SIGTERM: stop consuming, then give in-flight work this long to finish and be acked.
    shutdown_grace_seconds: float = Field(default=20.0, ge=0)

    # Deadline watch (sla/): how far ahead of due_at to warn (0: no warnings), how often to look.
    deadline_warning_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    watch_interval_seconds: float = Field(default=30.0, gt=0)
    watch_batch_size: int = Field(default=500, ge=1, le=10_000)

    # Metrics, health and readiness over HTTP for the roles without a web server
    # (relay, tracker, worker, watch); 0 turns it off. The gateway serves /metrics itself.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9100, ge=0, le=65535)

    # Live screens (GET /v1/stream): notices buffered per stream before a slow one is dropped,
    # heartbeat interval, and the age at which a stream ends (its client reconnects).
    live_queue_size: int = Field(default=256, ge=1, le=100_000)
    live_heartbeat_seconds: float = Field(default=15.0, gt=0)
    live_stream_max_seconds: float = Field(default=300.0, gt=0)

    # Web client sign-in in production: OpenID Connect authorization code flow with PKCE, run by
    # the browser against the bureau's identity provider (public client, no secret here).
    oidc_authorize_url: str | None = None
    oidc_token_url: str | None = None
    oidc_client_id: str | None = None
    oidc_scope: str = "openid"

    @field_validator("home_country")
    @classmethod
    def _upper_country(cls, value: str) -> str:
        return value.upper()

    @field_validator("retry_delays_ms")
    @classmethod
    def _positive_delays(cls, value: list[int]) -> list[int]:
        if not value or any(delay <= 0 for delay in value):
            raise ValueError("retry_delays_ms needs at least one positive delay")
        return value

    @property
    def uses_memory_broker(self) -> bool:
        return self.broker_url.startswith("memory:")

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@cache
def get_settings() -> Settings:
    return Settings()
