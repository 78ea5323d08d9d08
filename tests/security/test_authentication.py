"""Authentication: which tokens are trusted, how claims become principals, what is refused."""

import base64
import json
from collections.abc import AsyncIterator
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
from tests.support.auth import TEST_DEV_SECRET, auth_headers

from oss_router.app import create_app
from oss_router.auth.keys import InvalidTokenError, JwksKeys, KeysUnavailableError, StaticKey
from oss_router.auth.principal import Principal, Role
from oss_router.auth.setup import InsecureConfigurationError
from oss_router.auth.tokens import (
    ClaimMapping,
    IssuerKind,
    RoleClaimError,
    TokenVerifier,
    TrustedIssuer,
)
from oss_router.cli import main as cli
from oss_router.config import Settings, get_settings

KEYCLOAK = "https://keycloak.example/realms/police"
KEYCLOAK_MAPPING = ClaimMapping(
    subject="preferred_username",
    role="realm_access.roles",
    unit="unit",
    role_map={
        "oss-officer": Role.OFFICER,
        "oss-supervisor": Role.SUPERVISOR,
        "oss-pccc": Role.PCCC,
        "oss-auditor": Role.AUDITOR,
    },
)


def keycloak_claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": KEYCLOAK,
        "aud": ["oss-router", "account"],
        "sub": "5b3c0f5e-2f4c-4c8e-9d7e-3f1f4b0c2a11",
        "preferred_username": "anna.nowak",
        "realm_access": {"roles": ["offline_access", "oss-officer"]},
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    claims.update(overrides)
    return claims


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: nothing here depends on the database engine (the API's tests prove both)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'oss_router.db'}"


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def verifier_for(public_key: Any, mapping: ClaimMapping = KEYCLOAK_MAPPING) -> TokenVerifier:
    issuer = TrustedIssuer(
        KEYCLOAK, IssuerKind.EXTERNAL, ("RS256", "ES256"), StaticKey(public_key), mapping
    )
    return TokenVerifier([issuer], audience="oss-router")


async def test_a_keycloak_token_becomes_a_principal(ec_key: ec.EllipticCurvePrivateKey) -> None:
    token = jwt.encode(keycloak_claims(unit="desk-1"), ec_key, algorithm="ES256")
    verified = await verifier_for(ec_key.public_key()).verify(token)
    assert verified.principal == Principal("anna.nowak", Role.OFFICER, "desk-1")
    assert verified.issuer is IssuerKind.EXTERNAL


async def test_a_verified_token_is_taken_from_the_cache_until_it_expires(
    ec_key: ec.EllipticCurvePrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = keycloak_claims()
    token = jwt.encode(claims, ec_key, algorithm="ES256")
    verifier = verifier_for(ec_key.public_key())
    first = await verifier.verify(token)
    checks = 0
    verify_signature = verifier._verify_signature_and_claims

    async def counting(raw: str) -> Any:
        nonlocal checks
        checks += 1
        return await verify_signature(raw)

    monkeypatch.setattr(verifier, "_verify_signature_and_claims", counting)
    assert await verifier.verify(token) is first
    assert checks == 0  # no second signature check

    # Past its expiry (and the leeway) the cached verification no longer counts.
    expired_at = claims["exp"] + 31
    monkeypatch.setattr("oss_router.auth.tokens.time.time", lambda: expired_at)
    monkeypatch.setattr("jwt.api_jwt.datetime", _FrozenDatetime(expired_at))
    with pytest.raises(InvalidTokenError, match="expired"):
        await verifier.verify(token)
    assert checks == 1


class _FrozenDatetime:
    """``datetime`` as PyJWT sees it, stopped at ``timestamp``."""

    def __init__(self, timestamp: float) -> None:
        self._now = datetime.fromtimestamp(timestamp, UTC)

    def now(self, tz: Any = None) -> datetime:
        return self._now

    def __getattr__(self, name: str) -> Any:
        return getattr(datetime, name)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())}, "expired"),
        ({"aud": "another-service"}, "(?i)audience"),
        ({"iss": "https://evil.example/realms/police"}, "issuer is not trusted"),
        ({"exp": None}, "exp"),
        ({"preferred_username": ""}, "subject"),
    ],
)
async def test_untrustworthy_tokens_are_refused(
    ec_key: ec.EllipticCurvePrivateKey, claims: dict[str, Any], reason: str
) -> None:
    payload = {key: value for key, value in keycloak_claims(**claims).items() if value is not None}
    token = jwt.encode(payload, ec_key, algorithm="ES256")
    with pytest.raises(InvalidTokenError, match=reason):
        await verifier_for(ec_key.public_key()).verify(token)


async def test_a_token_signed_by_another_key_is_refused(ec_key: ec.EllipticCurvePrivateKey) -> None:
    forger = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(keycloak_claims(), forger, algorithm="ES256")
    with pytest.raises(InvalidTokenError, match="not valid"):
        await verifier_for(ec_key.public_key()).verify(token)


async def test_alg_none_is_refused(ec_key: ec.EllipticCurvePrivateKey) -> None:
    header = _b64({"alg": "none", "typ": "JWT"})
    token = f"{header}.{_b64(keycloak_claims())}."
    with pytest.raises(InvalidTokenError, match="algorithm"):
        await verifier_for(ec_key.public_key()).verify(token)


async def test_hs256_signed_with_the_public_key_is_refused(
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    """The classic algorithm confusion: the public key used as an HMAC secret."""
    public_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "typ": "JWT"})
    body = _b64(keycloak_claims())
    import hashlib
    import hmac

    signature = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"
    with pytest.raises(InvalidTokenError, match="algorithm"):
        await verifier_for(ec_key.public_key()).verify(token)


async def test_a_token_too_long_is_refused_before_parsing(
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    with pytest.raises(InvalidTokenError, match="too long"):
        await verifier_for(ec_key.public_key()).verify("a" * 9000)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["oss-officer"], Role.OFFICER),
        (["oss-officer", "oss-supervisor"], Role.SUPERVISOR),  # composite roles
        (["oss-auditor", "uma_authorization"], Role.AUDITOR),
        ("oss-supervisor", Role.SUPERVISOR),
        (["oss-officer", "supervisor"], Role.OFFICER),  # an unmapped name grants nothing
        (["oss-officer", "auditor"], Role.OFFICER),
    ],
)
def test_role_claims_map_to_one_role(roles: Any, expected: Role) -> None:
    claims = keycloak_claims(realm_access={"roles": roles})
    assert KEYCLOAK_MAPPING.principal(claims).role is expected


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ("supervisor", Role.SUPERVISOR),
        (["officer", "supervisor"], Role.SUPERVISOR),
        (["auditor", "uma_authorization"], Role.AUDITOR),
    ],
)
def test_without_a_role_map_the_role_names_themselves_grant(roles: Any, expected: Role) -> None:
    assert ClaimMapping().principal({"sub": "anna", "role": roles}).role is expected


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"realm_access": {"roles": ["offline_access"]}}, "none of the identity provider roles"),
        ({"realm_access": {"roles": ["oss-officer", "oss-auditor"]}}, "conflicting"),
        ({"realm_access": {"roles": ["oss-pccc"]}}, "unit"),
        ({"realm_access": "officer"}, "none of the identity provider roles"),
        ({"realm_access": {"roles": ["supervisor"]}}, "none of the identity provider roles"),
        ({"realm_access": {"roles": "auditor"}}, "none of the identity provider roles"),
    ],
)
def test_unusable_role_claims_are_refused(claims: dict[str, Any], reason: str) -> None:
    with pytest.raises(RoleClaimError, match=reason):
        KEYCLOAK_MAPPING.principal(keycloak_claims(**claims))


def _jwks(*keys: tuple[str, Any]) -> dict[str, Any]:
    documents = []
    for kid, key in keys:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        documents.append({**jwk, "kid": kid, "use": "sig", "alg": "ES256"})
    return {"keys": documents}


async def test_jwks_keys_are_fetched_cached_and_refetched_on_rotation() -> None:
    old, new = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    published = {"document": _jwks(("old", old))}
    fetches = []

    def serve(request: httpx.Request) -> httpx.Response:
        fetches.append(request.url)
        return httpx.Response(200, json=published["document"])

    now = [1000.0]
    keys = JwksKeys(
        "https://keycloak.example/certs",
        cache_seconds=300,
        http=httpx.AsyncClient(transport=httpx.MockTransport(serve)),
        clock=lambda: now[0],
    )
    issuer = TrustedIssuer(KEYCLOAK, IssuerKind.EXTERNAL, ("ES256",), keys, KEYCLOAK_MAPPING)
    verifier = TokenVerifier([issuer], audience="oss-router")
    old_token = jwt.encode(keycloak_claims(), old, algorithm="ES256", headers={"kid": "old"})
    new_token = jwt.encode(keycloak_claims(), new, algorithm="ES256", headers={"kid": "new"})

    assert (await verifier.verify(old_token)).principal.subject == "anna.nowak"
    assert (await verifier.verify(old_token)).principal.subject == "anna.nowak"
    assert len(fetches) == 1  # cached

    published["document"] = _jwks(("old", old), ("new", new))
    with pytest.raises(InvalidTokenError, match="not one the identity provider lists"):
        await verifier.verify(new_token)  # too soon to refetch: forged kids cannot flood it
    now[0] += 31
    assert (await verifier.verify(new_token)).principal.subject == "anna.nowak"
    assert len(fetches) == 2
    await keys.aclose()


async def test_an_unreachable_identity_provider_is_a_503_not_a_401(
    tmp_path: Path,
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    keys = JwksKeys(
        "https://keycloak.example/certs",
        cache_seconds=300,
        http=httpx.AsyncClient(transport=httpx.MockTransport(down)),
    )
    with pytest.raises(KeysUnavailableError):
        await keys.key_for("any")
    await keys.aclose()


# --- Through HTTP, with the settings a deployment would use ---------------------------------


def _write_public_key(path: Path, key: Any) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture
async def keycloak_app(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        auth_issuer=KEYCLOAK,
        auth_public_key_file=_write_public_key(tmp_path / "realm.pem", key),
        auth_subject_claim="preferred_username",
        auth_role_claim="realm_access.roles",
        auth_role_map={"oss-officer": "officer", "oss-supervisor": "supervisor"},
    )
    app = create_app(settings, migrate=True, embedded=False)
    async with app.router.lifespan_context(app):
        yield app, key


async def test_the_api_accepts_identity_provider_tokens(
    keycloak_app: tuple[FastAPI, rsa.RSAPrivateKey],
) -> None:
    app, key = keycloak_app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        officer = jwt.encode(keycloak_claims(), key, algorithm="RS256")
        response = await http.get("/v1/requests", headers={"Authorization": f"Bearer {officer}"})
        assert response.status_code == 200, response.text

        auditor_only = jwt.encode(
            keycloak_claims(realm_access={"roles": ["offline_access"]}), key, algorithm="RS256"
        )
        response = await http.get(
            "/v1/requests", headers={"Authorization": f"Bearer {auditor_only}"}
        )
        assert response.status_code == 403
        assert "none of the identity provider roles" in response.json()["detail"]


@pytest.mark.parametrize(
    ("role_map", "claim", "expected"),
    [
        ({"idp-sup": "supervisor"}, "idp-sup", 200),
        # A map says which identity provider roles grant what: a role that happens to be
        # called "supervisor" is not one of them. The token is genuine (not a 401) but grants
        # no role of this service: 403, like a token carrying only unrelated roles.
        ({"idp-sup": "supervisor"}, "supervisor", 403),
        ({"idp-sup": "supervisor"}, "officer", 403),
        ({}, "supervisor", 200),  # without a map the role names themselves grant
    ],
)
async def test_with_a_role_map_only_mapped_names_grant_a_role(
    tmp_path: Path, role_map: dict[str, str], claim: str, expected: int
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        auth_issuer=KEYCLOAK,
        auth_public_key_file=_write_public_key(tmp_path / "realm.pem", key),
        auth_role_map=role_map,
    )
    token = jwt.encode(
        {**keycloak_claims(), "aud": "oss-router", "role": claim}, key, algorithm="ES256"
    )
    app = create_app(settings, migrate=True, embedded=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == expected, response.text
    if expected == 200:
        assert response.json()["role"] == "supervisor"
    else:
        assert response.headers["content-type"] == "application/problem+json"


async def test_probes_need_no_token(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/healthz")).status_code == 200
    assert (await anonymous.get("/readyz")).status_code == 200


async def test_dev_token_endpoint_follows_the_web_client_contract(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.post(
        "/v1/auth/dev-token", json={"role": "pccc", "subject": "kehl-desk", "unit": "PCCC-KEHL"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert response.headers["cache-control"] == "no-store"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["role"], claims["unit"]) == ("kehl-desk", "pccc", "PCCC-KEHL")
    listed = await anonymous.get(
        "/v1/requests", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert listed.status_code == 200


async def test_dev_token_refuses_a_pccc_without_unit(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/v1/auth/dev-token", json={"role": "pccc", "subject": "x"})
    assert response.status_code == 422


def production(tmp_path: Path, **overrides: Any) -> Settings:
    key = ec.generate_private_key(ec.SECP256R1())
    values: dict[str, Any] = {
        "env": "production",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        "auth_issuer": KEYCLOAK,
        "auth_public_key_file": _write_public_key(tmp_path / "realm.pem", key),
    }
    values.update(overrides)
    return Settings(**values)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"dev_issuer": True}, "development issuer"),
        ({"dev_secret": TEST_DEV_SECRET}, "development key"),
        ({"auth_algorithms": ["HS256"]}, "public-key algorithm"),
        ({"auth_issuer": None, "auth_public_key_file": None}, "nobody could authenticate"),
        ({"auth_jwks_url": "http://keycloak/certs", "auth_public_key_file": None}, "https"),
    ],
)
def test_production_refuses_to_start_with_development_keys(
    tmp_path: Path, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InsecureConfigurationError, match=reason):
        create_app(production(tmp_path, **overrides))


async def test_production_has_no_development_issuer(tmp_path: Path) -> None:
    app = create_app(production(tmp_path), migrate=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.post(
                "/v1/auth/dev-token", json={"role": "supervisor", "subject": "mallory"}
            )
            assert response.status_code == 404
            assert (await http.get("/docs")).status_code == 404
    development = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'dev.sqlite'}")
    with pytest.raises(AssertionError, match="disabled"):
        auth_headers(production(tmp_path, dev_secret=None), Role.OFFICER)
    assert auth_headers(development, Role.OFFICER)


def test_cli_refuses_to_serve_in_production_with_the_dev_issuer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OSS_ROUTER_ENV", "production")
    monkeypatch.setenv("OSS_ROUTER_DEV_ISSUER", "true")
    get_settings.cache_clear()
    try:
        assert cli.main(["token", "issue", "--role", "officer", "--subject", "x"]) == 78
    finally:
        get_settings.cache_clear()
    assert "refuses to start" in capsys.readouterr().err


async def test_cli_token_issue_prints_a_token_the_service_accepts(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    anonymous: httpx.AsyncClient,
) -> None:
    monkeypatch.setenv("OSS_ROUTER_DEV_SECRET", TEST_DEV_SECRET)
    get_settings.cache_clear()
    try:
        status = cli.main(
            ["token", "issue", "--role", "pccc", "--subject", "kehl", "--unit", "PCCC-KEHL"]
        )
    finally:
        get_settings.cache_clear()
    assert status == 0
    token = capsys.readouterr().out.strip()
    response = await anonymous.get("/v1/requests", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_cli_token_issue_checks_its_arguments(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OSS_ROUTER_DEV_SECRET", TEST_DEV_SECRET)
    get_settings.cache_clear()
    try:
        assert cli.main(["token", "issue", "--role", "pccc", "--subject", "kehl"]) == 2
    finally:
        get_settings.cache_clear()
    assert "unit" in capsys.readouterr().err


def _b64(document: dict[str, Any]) -> str:
    raw = json.dumps(document).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
