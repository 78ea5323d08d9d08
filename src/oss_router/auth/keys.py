"""Key material: PEM files, signing keys and JWKS documents of identity providers."""

import asyncio
import logging
import secrets
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash output
JWKS_MIN_REFRESH_SECONDS = 30.0  # unknown ``kid``: refetch at most this often (key rotation)
JWKS_TIMEOUT_SECONDS = 5.0
JWKS_RETRY_SECONDS = 5.0  # after a failed fetch (the 503's Retry-After)
JWKS_LOG_SECONDS = 60.0  # the same cause is logged at most this often

log = logging.getLogger(__name__)


class InvalidTokenError(Exception):
    """The token cannot be trusted; the message says why (sent back to the client)."""


class KeysUnavailableError(Exception):
    """The identity provider's keys cannot be fetched right now."""


class KeySource(Protocol):
    async def key_for(self, kid: str | None) -> Any: ...

    async def problem(self) -> str | None: ...

    async def aclose(self) -> None: ...


class StaticKey:
    """One key for every token of an issuer (a PEM public key or the HS256 secret)."""

    def __init__(self, key: Any) -> None:
        self._key = key

    async def key_for(self, kid: str | None) -> Any:
        return self._key

    async def problem(self) -> str | None:
        return None

    async def aclose(self) -> None:
        return None


class JwksKeys:
    """The keys published by an identity provider (e.g. Keycloak's ``.../certs``), cached.

    A token naming an unknown ``kid`` triggers one refetch (the provider rotated its keys), at
    most every ``JWKS_MIN_REFRESH_SECONDS`` so that forged ``kid`` values cannot flood it. A
    failed fetch is retried at most every ``JWKS_RETRY_SECONDS`` (calls in between get the same
    503 at once) and logged with its cause at most every ``JWKS_LOG_SECONDS``.
    """

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._cache_seconds = cache_seconds
        self._http = http or httpx.AsyncClient(timeout=JWKS_TIMEOUT_SECONDS, follow_redirects=False)
        self._clock = clock
        self._keys: dict[str | None, Any] = {}
        self._fetched_at: float | None = None
        self._failure: _Failure | None = None
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> Any:
        if self._stale():
            await self._refresh(self._fetched_at)
        if kid not in self._keys and self._may_refetch():
            await self._refresh(self._fetched_at)
        if kid in self._keys:
            return self._keys[kid]
        raise InvalidTokenError("the token's signing key is not one the identity provider lists")

    async def problem(self) -> str | None:
        """Why the keys cannot be had right now (fetching them if due), or None (readiness)."""
        if not self._stale():
            return None
        try:
            await self._refresh(self._fetched_at)
        except KeysUnavailableError as error:
            return str(error)
        return None

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at > self._cache_seconds

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or (
            self._clock() - self._fetched_at > JWKS_MIN_REFRESH_SECONDS
        )

    async def _refresh(self, seen: float | None) -> None:
        async with self._lock:
            if self._fetched_at != seen:
                return  # fetched by the call this one waited for
            if self._failure is not None and self._failure.retry_later(self._clock()):
                raise KeysUnavailableError(self._failure.cause)
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
                raise KeysUnavailableError(self._failed(error)) from None
            if self._failure is not None:
                log.info("the identity provider's keys are reachable again (%s)", self._url)
            self._keys, self._fetched_at, self._failure = keys, self._clock(), None

    async def _fetch(self) -> dict[str | None, Any]:
        response = await self._http.get(self._url)
        response.raise_for_status()
        return _parse_jwks(response.json())

    def _failed(self, error: Exception) -> str:
        cause = f"cannot load the JWKS document {self._url}: {_cause(error)}"
        previous = self._failure
        self._failure = _Failure.after(previous, cause, self._clock())
        if self._failure.log_now:
            # A warning without traceback: the service runs on and retries, and the cause is
            # what an operator needs (an untrusted certificate, an unknown name, a refusal).
            unlogged = previous.unlogged if previous is not None else 0
            note = f" ({unlogged} more failures since the last message)" if unlogged else ""
            log.warning("%s%s", cause, note)
        return cause

    async def aclose(self) -> None:
        await self._http.aclose()


@dataclass(frozen=True)
class _Failure:
    """The last failed JWKS fetch: its cause, when to retry, whether it was logged."""

    cause: str
    at: float
    logged_at: float
    unlogged: int  # failures since the last message
    log_now: bool

    @classmethod
    def after(cls, previous: "_Failure | None", cause: str, at: float) -> "_Failure":
        if (
            previous is not None
            and previous.cause == cause
            and at - previous.logged_at < JWKS_LOG_SECONDS
        ):
            return cls(cause, at, previous.logged_at, previous.unlogged + 1, log_now=False)
        return cls(cause, at, logged_at=at, unlogged=0, log_now=True)

    def retry_later(self, now: float) -> bool:
        return now - self.at < JWKS_RETRY_SECONDS


def _cause(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"the identity provider answered HTTP {error.response.status_code}"
    text = str(error) or type(error).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        text += " (a private CA? set OSS_ROUTER_AUTH_CA_FILE to its certificate bundle)"
    return text


def tls_context(ca_file: Path | None) -> ssl.SSLContext | bool:
    """What the JWKS client trusts: only ``ca_file``'s certificates when it is set, else the
    default bundle (certifi, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when those are set)."""
    if ca_file is None:
        return True
    return ssl.create_default_context(cafile=str(ca_file))


def _parse_jwks(document: Any) -> dict[str | None, Any]:
    if not isinstance(document, dict):
        raise ValueError("a JWKS document is a JSON object")
    keys: dict[str | None, Any] = {}
    for jwk in jwt.PyJWKSet.from_dict(document).keys:
        # Public keys only: a shared secret ("kty": "oct") published in a JWKS is never trusted.
        if jwk.public_key_use in (None, "sig") and not isinstance(jwk.key, bytes):
            keys[jwk.key_id] = jwk.key
    if not keys:
        raise ValueError("the JWKS document lists no public signing key")
    if len(keys) == 1:
        keys[None] = next(iter(keys.values()))  # a lone key also verifies tokens without kid
    return keys


def load_public_key(path: Path) -> Any:
    return serialization.load_pem_public_key(path.read_bytes())


def load_private_key(path: Path) -> tuple[Any, str]:
    """A PEM private key and the JWS algorithm it signs with."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return key, algorithm_for(key)


def algorithm_for(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise ValueError("signing keys are RSA, EC P-256 or Ed25519 private keys")


def development_secret(configured: str | None, secret_file: Path) -> bytes:
    """The HS256 secret of the development issuer: configured, or kept in ``secret_file``.

    Generated once per checkout, so that ``oss-router token issue`` and ``oss-router serve``
    started from the same directory agree without anyone typing a secret.
    """
    if configured is not None:
        secret = configured.encode()
    elif secret_file.is_file():
        secret = secret_file.read_bytes().strip()
    else:
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48).encode()
        secret_file.touch(mode=0o600)
        secret_file.write_bytes(secret)
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the development secret needs at least {MIN_SECRET_BYTES} bytes")
    return secret
