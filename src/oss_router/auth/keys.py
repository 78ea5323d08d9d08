"""Key material: PEM files, signing keys and JWKS documents of identity providers."""

import asyncio
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash output
JWKS_MIN_REFRESH_SECONDS = 30.0  # unknown ``kid``: refetch at most this often (key rotation)


class InvalidTokenError(Exception):
    """The token cannot be trusted; the message says why (sent back to the client)."""


class KeysUnavailableError(Exception):
    """The identity provider's keys cannot be fetched right now."""


class KeySource(Protocol):
    async def key_for(self, kid: str | None) -> Any: ...

    async def aclose(self) -> None: ...


class StaticKey:
    """One key for every token of an issuer (a PEM public key or the HS256 secret)."""

    def __init__(self, key: Any) -> None:
        self._key = key

    async def key_for(self, kid: str | None) -> Any:
        return self._key

    async def aclose(self) -> None:
        return None


class JwksKeys:
    """The keys published by an identity provider (e.g. Keycloak's ``.../certs``), cached.

    A token naming an unknown ``kid`` triggers one refetch (the provider rotated its keys), at
    most every ``JWKS_MIN_REFRESH_SECONDS`` so that forged ``kid`` values cannot flood it.
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
        self._http = http or httpx.AsyncClient(timeout=5.0, follow_redirects=False)
        self._clock = clock
        self._keys: dict[str | None, Any] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> Any:
        if self._stale():
            await self._refresh()
        if kid not in self._keys and self._may_refetch():
            await self._refresh()
        if kid in self._keys:
            return self._keys[kid]
        raise InvalidTokenError("the token's signing key is not one the identity provider lists")

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at > self._cache_seconds

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or (
            self._clock() - self._fetched_at > JWKS_MIN_REFRESH_SECONDS
        )

    async def _refresh(self) -> None:
        async with self._lock:
            try:
                response = await self._http.get(self._url)
                response.raise_for_status()
                keys = _parse_jwks(response.json())
            except (httpx.HTTPError, ValueError, jwt.PyJWKError) as error:
                raise KeysUnavailableError(f"cannot load the JWKS document: {error}") from None
            self._keys = keys
            self._fetched_at = self._clock()

    async def aclose(self) -> None:
        await self._http.aclose()


def _parse_jwks(document: Any) -> dict[str | None, Any]:
    if not isinstance(document, dict):
        raise ValueError("a JWKS document is a JSON object")
    keys: dict[str | None, Any] = {}
    for jwk in jwt.PyJWKSet.from_dict(document).keys:
        if jwk.public_key_use in (None, "sig"):
            keys[jwk.key_id] = jwk.key
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
