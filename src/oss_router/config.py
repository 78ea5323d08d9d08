"""Settings, read from the environment (prefix ``OSS_ROUTER_``) once per process."""

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from oss_router.auth.principal import Role
from oss_router.messages.codes import Channel

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/oss_router.db"
MEMORY_BROKER_URL = "memory://"

# Each role without a web server has its own metrics port, so that every role can run on one
# host with the defaults (docs: "One host"); the gateway serves /metrics on its own port.
# 9100 is left to the Prometheus node exporter, which such hosts usually run.
DEFAULT_METRICS_PORTS: dict[str, int] = {
    "relay": 9101,
    "tracker": 9102,
    "watch": 9103,
    "registrar": 9104,
    **{f"worker:{channel}": 9111 + index for index, channel in enumerate(Channel)},
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OSS_ROUTER_", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str = MEMORY_BROKER_URL
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    home_country: str = "PL"
    channels: list[Channel] = Field(default_factory=lambda: list(Channel))

    # Service targets for channels outside Directive 2023/977 (docs/routing.md, Deadlines).
    urgent_target_hours: int = Field(default=24, ge=1)
    normal_target_hours: int = Field(default=168, ge=1)
    # Our own service targets for requests we *receive* outside the Directive's Art. 5(1) time
    # limits (docs/inbound.md, "Deadlines"): Interpol, liaison officers, PCCCs, and SIENA
    # requests from Europol's partners outside the EU and Schengen, whom the Directive does not
    # bind. Hours from receipt, urgent and normal.
    inbound_interpol_urgent_hours: int = Field(default=24, ge=1, le=24 * 90)
    inbound_interpol_normal_hours: int = Field(default=168, ge=1, le=24 * 90)
    inbound_liaison_officer_urgent_hours: int = Field(default=24, ge=1, le=24 * 90)
    inbound_liaison_officer_normal_hours: int = Field(default=168, ge=1, le=24 * 90)
    inbound_pccc_urgent_hours: int = Field(default=8, ge=1, le=24 * 90)
    inbound_pccc_normal_hours: int = Field(default=72, ge=1, le=24 * 90)
    inbound_europol_partner_urgent_hours: int = Field(default=24, ge=1, le=24 * 90)
    inbound_europol_partner_normal_hours: int = Field(default=168, ge=1, le=24 * 90)
    # Hit / no hit of an automated Prüm search (minutes), and PCCC exchanges, which no
    # Directive time limit binds (docs/routing.md, Deadlines; decision 0026).
    prum_target_minutes: int = Field(default=15, ge=1, le=24 * 60)
    pccc_target_hours: int = Field(default=24, ge=1)

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Attachments (docs/attachments.md): the largest file, the most bytes and files one
    # message carries, and how long an upload no message claimed is kept before the retention
    # purge erases it. The gateway admits a larger body on the upload route only.
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    message_attachments_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1024, le=500 * 1024 * 1024
    )
    message_attachments_max_files: int = Field(default=10, ge=1, le=10)
    attachment_staged_hours: float = Field(default=24.0, gt=0, le=24 * 90)
    # What the gateway's HTTP server accepts before the application sees a request
    # (http_server.py): the head (request line and header fields) in bytes and in fields, the
    # time to send it (from the connection or the request's first byte), and the longest pause
    # inside a request body. Over a bound: 431 or 408, and the connection is closed.
    http_max_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    http_max_headers: int = Field(default=100, ge=10, le=1000)
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    http_body_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # One line per HTTP call on stdout; off by default (the audit log records what matters,
    # and a write per request is a measurable share of the gateway's cost).
    access_log: bool = False

    # Connections per process. Beyond the pool, SQLAlchemy opens and closes a connection per
    # checkout, which costs a PostgreSQL backend start each time: size the pool for the load.
    # No overflow by default: under a burst, calls wait for a pooled connection (intake
    # transactions serialize on the audit chain head anyway) instead of each opening and
    # closing one, which profiling showed as a large share of the gateway's CPU at saturation.
    database_pool_size: int = Field(default=20, ge=1, le=500)
    database_max_overflow: int = Field(default=0, ge=0, le=500)
    # A "ping" round trip before every checkout: on this hot path it is one of about ten round
    # trips per accepted request. Off, a connection broken by a PostgreSQL restart fails the one
    # call that uses it and SQLAlchemy then discards the whole pool (docs/decisions/0008).
    database_pre_ping: bool = False

    # Requests staged together in one intake transaction at most (request/batching.py); 1 turns
    # batching off (one transaction per request).
    intake_batch_size: int = Field(default=64, ge=1, le=1000)
    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_poll_seconds: float = Field(default=0.5, gt=0)
    # After a small batch, the relay waits this long for more rows to share the next one (a
    # steady low rate otherwise pays a transaction and a confirm per request; under load the
    # batches are large and nothing waits): dispatches leave at most this much later
    # (decision 0027). 0: publish at once.
    relay_linger_ms: float = Field(default=100.0, ge=0, le=1000)
    relay_lease_seconds: float = Field(default=30.0, gt=0)

    worker_prefetch: int = Field(default=32, ge=1, le=1000)
    adapter_timeout_seconds: float = Field(default=30.0, gt=0)
    # How long a check waits for a national register before naming it unavailable
    # (docs/registers.md): the preview and the request page wait for the slowest register.
    register_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # A worker reports "delivered" on its own only when the channel has not answered within
    # this time; a faster answer carries it (DispatchResult.delivered_at): one result message
    # per dispatch instead of two (decision 0011). 0: always report it on its own, first.
    delivered_report_ms: int = Field(default=200, ge=0, le=60_000)
    max_attempts: int = Field(default=5, ge=1, le=50)
    # Delays of the retry tiers, in milliseconds: attempt n waits retry_delays_ms[min(n-1, last)].
    retry_delays_ms: list[int] = Field(default_factory=lambda: [1_000, 10_000, 60_000])

    # The receive loop of a worker whose adapter receives (channel/receiving.py): messages
    # taken from the channel at once at most, how long one receive waits on the channel (a long
    # poll), and the longest back-off of a channel that cannot wait or fails.
    inbound_batch_size: int = Field(default=50, ge=1, le=1000)
    inbound_wait_seconds: float = Field(default=20.0, gt=0, le=300)
    inbound_idle_max_seconds: float = Field(default=5.0, gt=0, le=300)
    # Partner messages the registrar works on at once (checked concurrently, registered in
    # batches of at most that many: registrar/consumer.py).
    registrar_prefetch: int = Field(default=16, ge=1, le=1000)
    # After a small batch the registrar's next one waits this long for company (decision
    # 0037): at a steady low rate each message would otherwise pay a whole transaction. A
    # request is registered at most this much later; its deadline runs from its receipt.
    # 0: no wait.
    registrar_idle_linger_ms: float = Field(default=50.0, ge=0, le=1000)
    # POST /v1/simulate/inbound (the embedded deployment's way for `oss-router simulate`):
    # unset means on in development, off in production.
    simulation: bool | None = None

    tracker_batch_size: int = Field(default=100, ge=1, le=5000)
    # How long a lone result waits for others to share its transaction.
    tracker_linger_ms: float = Field(default=2.0, ge=0, le=1000)
    # The same for the tracker's batch after a small one (decision 0027): a result is recorded
    # (and acknowledged) at most this much later. 0: the short linger above.
    tracker_idle_linger_ms: float = Field(default=100.0, ge=0, le=1000)
    # How long the tracker's inbox remembers applied result ids (tracker/inbox.py): far longer
    # than any redelivery; the state machine covers what comes later.
    inbox_retention_hours: float = Field(default=168.0, ge=1)
    inbox_prune_interval_seconds: float = Field(default=3600.0, gt=0)

    # A publish whose confirms do not arrive within this time fails (and is retried).
    publish_timeout_seconds: float = Field(default=15.0, gt=0)
    # On SIGTERM: stop consuming, then give in-flight work this long to finish and be acked.
    shutdown_grace_seconds: float = Field(default=20.0, ge=0)

    # Deadline watch (sla/): how far ahead of due_at to warn (0: no warnings), how often to look.
    deadline_warning_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    # The deadline watch sends each overdue dispatch's partner one reminder by itself
    # (docs/conversations.md); off by default: a reminder speaks for the bureau.
    automatic_reminders: bool = False
    watch_interval_seconds: float = Field(default=30.0, gt=0)
    watch_batch_size: int = Field(default=500, ge=1, le=10_000)

    # Metrics, health and readiness over HTTP for the roles without a web server
    # (relay, tracker, worker, watch); 0 turns it off, unset means the role's own port
    # (DEFAULT_METRICS_PORTS). The gateway serves /metrics itself.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)

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

    # --- Security (README "Security"). Tokens of every issuer must name this audience. ---
    auth_audience: str = "oss-router"
    auth_leeway_seconds: int = Field(default=30, ge=0, le=300)
    # External identity provider (e.g. a Keycloak realm): its issuer and its keys, from a JWKS
    # document (auth_jwks_url) or one PEM public key (auth_public_key_file).
    auth_issuer: str | None = None
    auth_jwks_url: str | None = None
    auth_public_key_file: Path | None = None
    auth_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    auth_jwks_cache_seconds: int = Field(default=300, ge=10)
    # PEM bundle of the CA(s) that signed the JWKS server's certificate (a private CA): the
    # JWKS fetch then trusts these certificates only. Unset: the public CAs (certifi).
    auth_ca_file: Path | None = None
    # How the identity provider's claims map to a principal; claim names may be dotted paths
    # (Keycloak: "realm_access.roles", "preferred_username").
    auth_subject_claim: str = "sub"
    auth_role_claim: str = "role"
    auth_unit_claim: str = "unit"
    # Identity provider role name -> role. When set, only these names grant a role (a raw
    # "supervisor" role of the identity provider then grants nothing).
    auth_role_map: dict[str, Role] = Field(default_factory=dict)
    # This service's own issuer, for OAuth2 clients (PCCC systems, client credentials grant).
    auth_local_issuer: str = "oss-router"
    auth_signing_key_file: Path | None = None
    auth_signing_key_id: str = "oss-router-1"
    auth_client_token_seconds: int = Field(default=900, ge=60, le=86_400)
    # Development issuer (HS256): on by default in development, refused in production.
    dev_issuer: bool | None = None
    dev_secret: SecretStr | None = None
    dev_secret_file: Path = Path("var/dev-issuer.secret")
    dev_token_seconds: int = Field(default=8 * 3600, ge=60, le=7 * 86_400)

    # --- Audit log (LED 2016/680 Art. 25; docs/decisions/0019). ---
    # A list page logs a consultation of a request it shows only when the same person has none
    # of that request logged within this window (detail reads are always logged); 0 logs every
    # list page in full.
    audit_list_window_minutes: int = Field(default=60, ge=0, le=24 * 60)
    # GET /v1/audit/verification walks only the entries appended since its last check, and the
    # whole chain again once that full walk is older than this (0: always the whole chain).
    audit_verify_full_walk_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)

    # --- Hostile input ---
    rate_limit_per_second: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=60, ge=1)
    anonymous_rate_per_second: float = Field(default=2.0, gt=0)
    anonymous_burst: int = Field(default=20, ge=1)
    max_token_bytes: int = Field(default=8192, ge=512)
    cors_origins: list[str] = Field(default_factory=list)
    hsts_seconds: int = Field(default=0, ge=0)

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
    def production(self) -> bool:
        return self.env == "production"

    @property
    def dev_issuer_enabled(self) -> bool:
        return (not self.production) if self.dev_issuer is None else self.dev_issuer

    @property
    def simulation_enabled(self) -> bool:
        return (not self.production) if self.simulation is None else self.simulation

    @property
    def uses_memory_broker(self) -> bool:
        return self.broker_url.startswith("memory:")

    @property
    def audit_list_window(self) -> timedelta:
        return timedelta(minutes=self.audit_list_window_minutes)

    def metrics_port_of(self, role: str) -> int:
        """The metrics port of ``role`` (``relay``, ``worker:sirene``, ...); 0: no server."""
        if self.metrics_port is not None:
            return self.metrics_port
        return DEFAULT_METRICS_PORTS.get(role, 0)


@cache
def get_settings() -> Settings:
    return Settings()
