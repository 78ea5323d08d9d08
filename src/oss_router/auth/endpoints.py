"""Token endpoints: OAuth2 client credentials (PCCC systems), the development issuer, and the
caller as the server sees it."""

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError

from oss_router.auth import clients
from oss_router.auth.dependencies import check_anonymous_rate, get_authentication
from oss_router.auth.principal import Principal
from oss_router.auth.schemas import (
    CLIENT_CREDENTIALS_FORM_SCHEMA,
    ClientCredentials,
    DevTokenRequest,
    PrincipalRead,
    TokenResponse,
)
from oss_router.clock import utcnow
from oss_router.deps import CurrentPrincipal, SessionDep
from oss_router.errors import NotFound, ProblemError, ServiceUnavailable

router = APIRouter(prefix="/v1/auth", tags=["auth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthProblem(ProblemError):
    """RFC 6749 §5.2 error, as a problem document that also carries ``error``."""

    slug, title = "oauth", "Token request refused"

    def __init__(self, status: int, error: str, description: str, **kwargs: Any) -> None:
        super().__init__(description, error=error, error_description=description, **kwargs)
        self.status = status


@router.post(
    "/token",
    response_model=TokenResponse,
    summary="OAuth2 client credentials grant (RFC 6749 §4.4)",
    responses={
        401: {"description": "Client authentication failed (`error`: invalid_client)"},
        503: {"description": "OAuth2 clients are not configured"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": CLIENT_CREDENTIALS_FORM_SCHEMA}
            },
        }
    },
)
async def issue_client_token(
    request: Request, response: Response, session: SessionDep
) -> TokenResponse:
    check_anonymous_rate(request)
    authentication = get_authentication(request)
    if authentication.client_signer is None:
        raise ServiceUnavailable(
            "OAuth2 clients are not configured (OSS_ROUTER_AUTH_SIGNING_KEY_FILE)"
        )
    form = _credentials(await request.body(), request.headers.get("authorization"))
    try:
        client = await clients.authenticate(session, form.client_id, form.client_secret)
    except clients.InvalidClientError:
        raise _invalid_client("client authentication failed") from None
    ttl = authentication.client_token_seconds
    token = authentication.client_signer.issue(
        clients.principal_of(client),
        ttl_seconds=ttl,
        now=utcnow(),  # the verifier checks against the wall clock, never a test's clock
        extra={"client_id": client.client_id, "gen": client.generation},
    )
    response.headers.update(NO_STORE)
    return TokenResponse(access_token=token, expires_in=ttl)


@router.post(
    "/dev-token",
    response_model=TokenResponse,
    summary="A token of any role from the development issuer (404 in production)",
    responses={404: {"description": "The development issuer is not enabled"}},
)
async def issue_dev_token(
    body: DevTokenRequest, request: Request, response: Response
) -> TokenResponse:
    check_anonymous_rate(request)
    authentication = get_authentication(request)
    if authentication.dev_signer is None:
        raise NotFound("the development issuer is not enabled")
    ttl = authentication.dev_token_seconds
    principal = Principal(subject=body.subject, role=body.role, unit=body.unit)
    token = authentication.dev_signer.issue(principal, ttl_seconds=ttl, now=utcnow())
    response.headers.update(NO_STORE)
    return TokenResponse(access_token=token, expires_in=ttl)


@router.get(
    "/me",
    response_model=PrincipalRead,
    summary="The caller: subject, role and unit as the server derives them from the token",
)
async def who_am_i(principal: CurrentPrincipal, response: Response) -> PrincipalRead:
    # Clients must not guess roles from claims: only the server knows the claim and role map.
    response.headers["Cache-Control"] = "no-store"
    return PrincipalRead(
        subject=principal.subject, role=principal.role, unit=principal.unit, actor=principal.actor
    )


def _credentials(body: bytes, authorization: str | None) -> ClientCredentials:
    fields = _form_fields(body)
    if fields.get("grant_type") != "client_credentials":
        raise _invalid("unsupported_grant_type", "grant_type must be client_credentials")
    basic = _basic_credentials(authorization)
    if basic is not None:
        if "client_secret" in fields:
            raise _invalid("invalid_request", "use one client authentication method, not two")
        fields["client_id"], fields["client_secret"] = basic
    if not fields.get("client_id") or not fields.get("client_secret"):
        # RFC 6749 §5.2: no client authentication included is invalid_client, a 401.
        raise _invalid_client("send client_id and client_secret, or HTTP Basic credentials")
    try:
        return ClientCredentials.model_validate(fields)
    except ValidationError:
        raise _invalid(
            "invalid_request", "client_id or client_secret is too long or contains a NUL character"
        ) from None


def _form_fields(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise _invalid("invalid_request", "the body is not a form-encoded document") from None
    fields = dict(pairs)
    names = [name for name, _ in pairs if name in _TOKEN_PARAMETERS]
    if len(names) != len(set(names)):
        raise _invalid("invalid_request", "a parameter is repeated")  # RFC 6749 §3.2
    # RFC 6749 §3.2: unrecognized parameters are ignored (repeated or not).
    return {name: value for name, value in fields.items() if name in _TOKEN_PARAMETERS}


_TOKEN_PARAMETERS = frozenset({"grant_type", "client_id", "client_secret", "scope"})


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if authorization is None or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        client_id, secret = decoded.split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _invalid("invalid_request", "malformed HTTP Basic credentials") from None
    # RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    return unquote_plus(client_id), unquote_plus(secret)


def _invalid_client(description: str) -> OAuthProblem:
    return OAuthProblem(
        status.HTTP_401_UNAUTHORIZED,
        "invalid_client",
        description,
        headers={"WWW-Authenticate": 'Basic realm="oss-router"'},
    )


def _invalid(error: str, description: str) -> OAuthProblem:
    return OAuthProblem(status.HTTP_400_BAD_REQUEST, error, description)
