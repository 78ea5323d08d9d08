"""The FastAPI side of authentication: bearer token → principal, or a 401/403/429 problem."""

import re
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from oss_router.auth import clients
from oss_router.auth.keys import JWKS_RETRY_SECONDS, InvalidTokenError, KeysUnavailableError
from oss_router.auth.principal import Principal
from oss_router.auth.setup import Authentication
from oss_router.auth.tokens import IssuerKind, RoleClaimError, VerifiedToken
from oss_router.errors import Forbidden, ServiceUnavailable, Unauthenticated

REALM = "oss-router"

bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token from the identity provider, from `POST /v1/auth/token` "
    "(OAuth2 clients) or, in development, from `oss-router token issue`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)]


def get_authentication(request: Request) -> Authentication:
    authentication: Authentication = request.app.state.authentication
    return authentication


async def authenticate(request: Request, credentials: Credentials) -> Principal:
    """The caller, from a genuine and current bearer token; counts against its rate limit."""
    authentication = get_authentication(request)
    if credentials is None:
        check_anonymous_rate(request)
        raise Unauthenticated(
            "send an access token: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        )
    principal = await _verified(request, authentication, credentials.credentials)
    authentication.principal_limits.check(f"{principal.role}:{principal.subject}")
    request.state.principal = principal
    return principal


async def _verified(request: Request, authentication: Authentication, token: str) -> Principal:
    try:
        verified = await authentication.verifier.verify(token)
        if verified.issuer is IssuerKind.LOCAL:
            await _check_client_current(request, verified)
    except InvalidTokenError as error:
        check_anonymous_rate(request)
        raise Unauthenticated(
            str(error), headers={"WWW-Authenticate": _challenge("invalid_token", str(error))}
        ) from None
    except RoleClaimError as error:
        check_anonymous_rate(request)  # no principal to count it against
        raise Forbidden(str(error)) from None
    except KeysUnavailableError:
        check_anonymous_rate(request)
        raise ServiceUnavailable(
            "the identity provider's keys cannot be fetched; retry later",
            headers={"Retry-After": str(round(JWKS_RETRY_SECONDS))},
        ) from None
    return verified.principal


async def _check_client_current(request: Request, verified: VerifiedToken) -> None:
    async with request.app.state.runtime.sessions() as session:
        current = await clients.is_current(
            session, verified.principal.subject, verified.claims.get("gen")
        )
    if not current:
        raise InvalidTokenError("the client was revoked or its secret rotated")


def check_anonymous_rate(request: Request) -> None:
    """Calls without a valid token are limited per client address."""
    address = request.client.host if request.client else "unknown"
    get_authentication(request).anonymous_limits.check(f"ip:{address}")


_UNSAFE = re.compile(r'[^\x20-\x7e]|["\\]')


def _challenge(error: str, description: str) -> str:
    """RFC 6750 §3 ``WWW-Authenticate`` value (quoted-string safe)."""
    safe = _UNSAFE.sub("'", description)[:200]
    return f'Bearer realm="{REALM}", error="{error}", error_description="{safe}"'
