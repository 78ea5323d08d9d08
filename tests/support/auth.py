"""Access tokens for tests, from the development issuer of the app's (or the test) settings."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI

from oss_router.auth.principal import Principal, Role
from oss_router.auth.setup import Authentication, build_authentication
from oss_router.config import Settings

# At least 32 bytes: RFC 7518 §3.2 (and PyJWT warns below that).
TEST_DEV_SECRET = "test-only-development-issuer-secret-0123456789"


def token(
    app_or_settings: FastAPI | Settings,
    role: Role | str,
    subject: str | None = None,
    unit: str | None = None,
    *,
    ttl_seconds: int = 3600,
) -> str:
    """A development-issuer token; a pccc token gets unit ``PCCC-TEST`` unless one is given."""
    role = Role(role)
    if role is Role.PCCC and unit is None:
        unit = "PCCC-TEST"
    signer = _authentication(app_or_settings).dev_signer
    assert signer is not None, "the development issuer is disabled in these settings"
    principal = Principal(subject=subject or f"test-{role.value}", role=role, unit=unit)
    return signer.issue(principal, ttl_seconds=ttl_seconds, now=datetime.now(UTC))


def auth_headers(
    app_or_settings: FastAPI | Settings,
    role: Role | str,
    subject: str | None = None,
    unit: str | None = None,
) -> dict[str, str]:
    """``{"Authorization": "Bearer ..."}`` for ``role`` (see ``token``)."""
    return {"Authorization": f"Bearer {token(app_or_settings, role, subject, unit)}"}


def _authentication(app_or_settings: FastAPI | Settings) -> Authentication:
    if isinstance(app_or_settings, FastAPI):
        authentication: Authentication = app_or_settings.state.authentication
        return authentication
    return build_authentication(app_or_settings)


def production_identity_provider(directory: Path) -> dict[str, Any]:
    """Settings overrides for production: an identity provider's public key, no development
    issuer or secret (production refuses to start with those)."""
    key = ec.generate_private_key(ec.SECP256R1())
    path = directory / "idp-public.pem"
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return {
        "dev_secret": None,
        "auth_issuer": "https://idp.example/realms/police",
        "auth_public_key_file": path,
    }
