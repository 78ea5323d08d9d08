"""Access tokens for tests, from the development issuer of the app's (or the test) settings."""

from datetime import UTC, datetime

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
