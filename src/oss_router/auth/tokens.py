"""Issuing and verifying JWT access tokens (RFC 7519, RFC 9068 profile)."""

import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from oss_router.auth.keys import InvalidTokenError, KeySource
from oss_router.auth.principal import Principal, Role

MAX_SUBJECT_LENGTH = 150
MAX_UNIT_LENGTH = 100
ROLE_NAMES = frozenset(member.value for member in Role)


class IssuerKind(StrEnum):
    EXTERNAL = "external"  # the identity provider of the staff (e.g. Keycloak)
    LOCAL = "local"  # this service, for OAuth2 clients (PCCC systems)
    DEVELOPMENT = "development"  # this service's development issuer (HS256)


class RoleClaimError(Exception):
    """The token is genuine but names no usable role (a 403, not a 401)."""


@dataclass(frozen=True)
class ClaimMapping:
    """Where a principal's subject, role and unit are in the claims (dotted paths allowed)."""

    subject: str = "sub"
    role: str = "role"
    unit: str = "unit"
    role_map: Mapping[str, Role] = field(default_factory=dict)

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        subject = _claim(claims, self.subject)
        if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
            raise InvalidTokenError(f"claim {self.subject!r} must name the subject")
        unit = _claim(claims, self.unit)
        if unit is not None and (not isinstance(unit, str) or len(unit) > MAX_UNIT_LENGTH):
            raise InvalidTokenError(f"claim {self.unit!r} must be a unit name")
        role = self._role(_claim(claims, self.role))
        if role is Role.PCCC and not unit:
            raise RoleClaimError("a pccc token must name its unit")
        return Principal(subject=subject, role=role, unit=unit or None)

    def _role(self, value: Any) -> Role:
        roles = {role for name in self._role_names(value) if (role := self._granted(name))}
        if not roles and self.role_map:
            raise RoleClaimError(
                "the token carries none of the identity provider roles this service maps to "
                "officer, supervisor, pccc or auditor"
            )
        return _one_role(roles)

    def _role_names(self, value: Any) -> list[str]:
        if value is None:
            return []
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            # Malformed, not merely unprivileged: the token is refused like a forged one (401).
            raise InvalidTokenError(f"claim {self.role!r} must be a role name or a list of them")
        return names

    def _granted(self, name: str) -> Role | None:
        """The role ``name`` grants: with a role map only its names grant anything, so that an
        identity provider role that happens to be called "supervisor" grants nothing."""
        if self.role_map:
            return self.role_map.get(name)
        return Role(name) if name in ROLE_NAMES else None


def _one_role(roles: set[Role]) -> Role:
    # Identity providers often grant supervisors the officer role too (composite roles); any
    # other combination mixes duties the service keeps apart (an auditor reads no requests).
    if roles == {Role.OFFICER, Role.SUPERVISOR}:
        return Role.SUPERVISOR
    if len(roles) == 1:
        return next(iter(roles))
    if not roles:
        raise RoleClaimError(
            "the token carries none of the roles officer, supervisor, pccc, auditor"
        )
    listed = ", ".join(sorted(roles))
    raise RoleClaimError(f"the token carries conflicting roles: {listed}")


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class TrustedIssuer:
    name: str
    kind: IssuerKind
    algorithms: tuple[str, ...]
    keys: KeySource
    claims: ClaimMapping = ClaimMapping()


@dataclass(frozen=True)
class VerifiedToken:
    principal: Principal
    issuer: IssuerKind
    claims: Mapping[str, Any]
    expires_at: int  # ``exp`` as PyJWT read it (it also accepts a numeric string)


VERIFIED_CACHE_SIZE = 10_000  # tokens; a few MB at most


class TokenVerifier:
    def __init__(
        self,
        issuers: Sequence[TrustedIssuer],
        *,
        audience: str,
        leeway_seconds: int = 30,
        max_token_bytes: int = 8192,
    ) -> None:
        self._issuers = {issuer.name: issuer for issuer in issuers}
        self._audience = audience
        self._leeway = leeway_seconds
        self._max_bytes = max_token_bytes
        # A client sends the same token with every call until it expires: checking its
        # signature and claims once is enough (checked again when it expires or is evicted).
        self._verified: OrderedDict[str, VerifiedToken] = OrderedDict()

    @property
    def issuers(self) -> list[TrustedIssuer]:
        return list(self._issuers.values())

    async def verify(self, token: str) -> VerifiedToken:
        """The principal of a genuine, current token meant for this service; else raises.

        Tokens verified before are taken from a bounded cache while they are current; the
        caller's own checks that can change during a token's life (a PCCC client revoked or
        rotated) are not cached (``auth/dependencies.py``)."""
        if len(token) > self._max_bytes:
            raise InvalidTokenError("the token is too long")
        cached = self._verified.get(token)
        if cached is not None and time.time() < cached.expires_at + self._leeway:
            self._verified.move_to_end(token)
            return cached
        verified = await self._verify_signature_and_claims(token)
        self._verified[token] = verified
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return verified

    async def _verify_signature_and_claims(self, token: str) -> VerifiedToken:
        issuer, algorithm, kid = self._issuer_of(token)
        key = _fitting_key(await issuer.keys.key_for(kid), algorithm)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=issuer.name,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidTokenError("the token has expired") from None
        except (jwt.PyJWTError, TypeError, ValueError) as error:
            # PyJWTError, not only InvalidTokenError: a claim PyJWT cannot read raises others.
            raise InvalidTokenError(f"the token is not valid: {error}") from None
        expires_at = int(claims["exp"])  # PyJWT checked that it reads as an integer
        return VerifiedToken(issuer.claims.principal(claims), issuer.kind, claims, expires_at)

    def _issuer_of(self, token: str) -> tuple[TrustedIssuer, str, str | None]:
        """The trusted issuer the token claims, the algorithm it names and its ``kid``."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise InvalidTokenError("the token is not a well-formed JWT") from None
        name = unverified.get("iss")
        issuer = self._issuers.get(name) if isinstance(name, str) else None
        if issuer is None:
            raise InvalidTokenError("the token's issuer is not trusted")
        # The algorithm is the issuer's, never the token's choice (no "none", no HS/RS confusion).
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in issuer.algorithms:
            raise InvalidTokenError("the token's algorithm is not accepted for its issuer")
        kid = header.get("kid")
        return issuer, algorithm, kid if isinstance(kid, str) else None


def _fitting_key(key: Any, algorithm: str) -> Any:
    """``key`` ready for ``algorithm``, or a 401 when the two do not go together.

    An issuer may publish keys of several types (RSA and EC in one JWKS): a token naming the
    ``kid`` of an EC key but ``alg`` RS256 is forged, and PyJWT says so with a TypeError."""
    try:
        return jwt.get_algorithm_by_name(algorithm).prepare_key(key)
    except (jwt.PyJWTError, NotImplementedError, TypeError, ValueError):
        raise InvalidTokenError(
            f"the token's algorithm {algorithm} does not fit the key it names"
        ) from None


@dataclass(frozen=True)
class TokenSigner:
    """Signs access tokens as one of this service's issuers."""

    issuer: str
    algorithm: str
    key: Any
    audience: str
    key_id: str | None = None

    def issue(
        self,
        principal: Principal,
        *,
        ttl_seconds: int,
        now: datetime,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": principal.subject,
            "role": principal.role.value,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
            "jti": str(uuid.uuid4()),
            **(extra or {}),
        }
        if principal.unit is not None:
            claims["unit"] = principal.unit
        headers = {"typ": "at+jwt", **({"kid": self.key_id} if self.key_id else {})}
        return jwt.encode(claims, self.key, algorithm=self.algorithm, headers=headers)
