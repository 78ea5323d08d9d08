"""Every malformed, forged or mismatched token is a 401 problem, never a 500.

Through HTTP, against an identity provider publishing an RSA and an EC key in one JWKS
document (a real HTTPS server, tests/support/jwks_server.py): each refusal counts against the
anonymous rate limit and leaves no traceback in the log.
"""

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from tests.conftest import make_settings
from tests.support.jwks_server import JwksServer, jwks_of, jwks_server

from oss_router.app import create_app

ISSUER = "https://idp.police.example/realms/police"


@dataclass(frozen=True)
class Keys:
    rsa: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    p384: ec.EllipticCurvePrivateKey


@pytest.fixture(scope="module")
def keys() -> Keys:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Keys(rsa_key, _ec(), ec.generate_private_key(ec.SECP384R1()))


@pytest.fixture
def identity_provider(tmp_path: Path, keys: Keys) -> Iterator[JwksServer]:
    with jwks_server(tmp_path, jwks_of(rsa=keys.rsa, ec=keys.ec, p384=keys.p384)) as server:
        yield server


@pytest.fixture
async def http(tmp_path: Path, identity_provider: JwksServer) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway trusting the identity provider; one call without a valid token per address
    (the second is a 429)."""
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        auth_issuer=ISSUER,
        auth_jwks_url=identity_provider.url,
        auth_ca_file=identity_provider.ca_file,
        anonymous_rate_per_second=0.001,
        anonymous_burst=1,
    )
    app: FastAPI = create_app(settings, migrate=True, embedded=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": "oss-router",
        "sub": "anna.nowak",
        "role": "officer",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def signed(key: Any, algorithm: str, kid: str, **overrides: Any) -> str:
    """Signed by ``key`` without PyJWT's checks of the claims (a hostile issuer's token)."""
    payload = json.dumps(claims(**overrides)).encode()
    return jwt.api_jws.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


def unsigned(header: Any, payload: Any, signature: str = "c2ln") -> str:
    return f"{_b64(header)}.{_b64(payload)}.{signature}"


def hmac_signed_with_public_key(key: Any, kid: str) -> str:
    """The classic key confusion: the public key (PEM) used as the HS256 secret."""
    secret = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64({'alg': 'HS256', 'kid': kid})}.{_b64(claims())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def _b64(document: Any) -> str:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


NOT_UTF8 = bytes([0xFF, 0xFE])
ES256_P384 = {"alg": "ES256", "kid": "p384"}  # a P-256 algorithm, a P-384 key

FORGED: dict[str, Callable[[Keys], str]] = {
    # The header lies about the key: alg names another type than the key its kid picks.
    "RS256 with the kid of the EC key": lambda k: signed(k.rsa, "RS256", "ec"),
    "ES256 with the kid of the RSA key": lambda k: signed(k.ec, "ES256", "rsa"),
    "ES256 with the kid of a P-384 key": lambda k: unsigned(ES256_P384, claims()),
    "HS256 keyed with the RSA public key": lambda k: hmac_signed_with_public_key(k.rsa, "rsa"),
    "HS256 keyed with the EC public key": lambda k: hmac_signed_with_public_key(k.ec, "ec"),
    "alg none": lambda k: unsigned({"alg": "none", "kid": "rsa"}, claims(), ""),
    "alg a list": lambda k: unsigned({"alg": ["RS256"], "kid": "rsa"}, claims()),
    "alg an object": lambda k: unsigned({"alg": {}, "kid": "rsa"}, claims()),
    "kid unknown": lambda k: signed(k.rsa, "RS256", "someone-else"),
    "kid an object": lambda k: unsigned({"alg": "RS256", "kid": {}}, claims()),
    "signed by another key": lambda k: signed(_ec(), "ES256", "ec"),
    # Not a JWT at all.
    "garbage base64": lambda k: "%%%.&&&.***",
    "two segments": lambda k: f"{_b64({'alg': 'RS256'})}.{_b64(claims())}",
    "empty segments": lambda k: "..",
    "header not JSON": lambda k: f"{_b64(b'{nope')}.{_b64(claims())}.c2ln",
    "header not UTF-8": lambda k: unsigned(NOT_UTF8, claims()),
    "header a JSON array": lambda k: unsigned(["RS256"], claims()),
    "payload a JSON array": lambda k: unsigned({"alg": "RS256", "kid": "rsa"}, [1, 2]),
    "deeply nested payload": lambda k: f"{_b64({'alg': 'RS256'})}.{_b64(b'[' * 3000)}.c2ln",
    "too long": lambda k: "e" * 9000,
    # Genuinely signed, but the claims are unusable.
    "expired": lambda k: signed(k.rsa, "RS256", "rsa", exp=1_000_000_000),
    "another audience": lambda k: signed(k.rsa, "RS256", "rsa", aud="another-service"),
    "audience a number": lambda k: signed(k.rsa, "RS256", "rsa", aud=5),
    "another issuer": lambda k: signed(k.rsa, "RS256", "rsa", iss="https://evil.example"),
    "issuer a list": lambda k: signed(k.rsa, "RS256", "rsa", iss=[ISSUER]),
    "issuer an object": lambda k: unsigned({"alg": "RS256"}, claims(iss={"a": 1})),
    "no expiry": lambda k: signed(k.rsa, "RS256", "rsa", exp=None),
    "expiry a list": lambda k: signed(k.ec, "ES256", "ec", exp=[1]),
    "expiry not a number": lambda k: signed(k.ec, "ES256", "ec", exp="soon"),
    "issued-at an object": lambda k: signed(k.ec, "ES256", "ec", iat={}),
    "subject a number": lambda k: signed(k.ec, "ES256", "ec", sub=5),
    "role an object": lambda k: signed(k.ec, "ES256", "ec", role={"name": "supervisor"}),
    "role a list of objects": lambda k: signed(k.ec, "ES256", "ec", role=[{"a": 1}]),
    "role a number": lambda k: signed(k.ec, "ES256", "ec", role=5),
    "unit a number": lambda k: signed(k.ec, "ES256", "ec", unit=5),
}


@pytest.mark.parametrize("build", FORGED.values(), ids=FORGED.keys())
async def test_a_bad_token_is_a_401_counted_against_the_anonymous_limit(
    http: httpx.AsyncClient,
    keys: Keys,
    build: Callable[[Keys], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = {"Authorization": f"Bearer {build(keys)}"}
    with caplog.at_level(logging.INFO):
        refused = await http.get("/v1/auth/me", headers=headers)
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["detail"]
        assert 'error="invalid_token"' in refused.headers["www-authenticate"]
        assert (await http.get("/v1/auth/me", headers=headers)).status_code == 429
    assert not [record for record in caplog.records if record.exc_info]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(("algorithm", "kid"), [("RS256", "rsa"), ("ES256", "ec")])
async def test_genuine_tokens_of_either_key_are_accepted(
    http: httpx.AsyncClient, keys: Keys, algorithm: str, kid: str
) -> None:
    key = keys.rsa if kid == "rsa" else keys.ec
    token = signed(key, algorithm, kid)
    for _ in range(3):  # above the anonymous burst: a valid token is not anonymous
        response = await http.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
    assert response.json()["subject"] == "anna.nowak"


async def test_a_genuine_token_with_a_numeric_string_expiry_is_served_from_the_cache(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    """PyJWT accepts ``"exp": "1893456000"``: the cache must compare it as a number."""
    expiry = str(int((datetime.now(UTC) + timedelta(minutes=5)).timestamp()))
    headers = {"Authorization": f"Bearer {signed(keys.ec, 'ES256', 'ec', exp=expiry)}"}
    assert (await http.get("/v1/auth/me", headers=headers)).status_code == 200
    assert (await http.get("/v1/auth/me", headers=headers)).status_code == 200  # cached
