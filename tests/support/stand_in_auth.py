"""A stand-in for the gateway's token contract, for tests that need several principals.

``POST /v1/auth/dev-token`` with ``{"role", "subject", "unit"}`` returns
``{"access_token", "token_type": "Bearer", "expires_in"}``; the bearer of that token is that
principal. Used only while the gateway has no issuer of its own: the real one wins.
"""

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header

from oss_router.auth.principal import Principal, Role
from oss_router.deps import get_principal
from oss_router.errors import Unauthenticated

DEV_TOKEN_PATH = "/v1/auth/dev-token"


def has_dev_issuer(app: FastAPI) -> bool:
    authentication = getattr(app.state, "authentication", None)
    return authentication is not None and authentication.dev_signer is not None


def stand_in_issuer(app: FastAPI) -> None:
    """Until token authentication is part of the gateway, stand in for its contract: the
    dev-token endpoint issues opaque tokens, and the caller is the principal its token names.
    The real issuer and verification win as soon as the gateway has them."""
    if has_dev_issuer(app):
        return
    principals: dict[str, Principal] = {}
    router = APIRouter()

    @router.post(DEV_TOKEN_PATH)
    async def dev_token(body: dict[str, Any]) -> dict[str, Any]:
        token = secrets.token_urlsafe(24)
        principals[token] = Principal(body["subject"], Role(body["role"]), body.get("unit"))
        return {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    def bearer(authorization: Annotated[str, Header()] = "") -> Principal:
        principal = principals.get(authorization.removeprefix("Bearer "))
        if principal is None:
            raise Unauthenticated("no valid bearer token")
        return principal

    app.router.routes[:0] = router.routes
    app.dependency_overrides[get_principal] = bearer
    app.state.stand_in_issuer = True
