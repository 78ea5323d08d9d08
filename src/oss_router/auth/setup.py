"""Who may issue tokens to this service, from the settings; refuses unsafe production set-ups."""

import ssl
from dataclasses import dataclass

import httpx

from oss_router.auth.keys import (
    JWKS_TIMEOUT_SECONDS,
    JwksKeys,
    KeySource,
    StaticKey,
    development_secret,
    load_private_key,
    load_public_key,
    tls_context,
)
from oss_router.auth.tokens import (
    ClaimMapping,
    IssuerKind,
    TokenSigner,
    TokenVerifier,
    TrustedIssuer,
)
from oss_router.config import Settings
from oss_router.gateway.ratelimit import TokenBuckets
from oss_router.startup import StartupError

DEVELOPMENT_ISSUER = "oss-router-dev"
ASYMMETRIC_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}


class InsecureConfigurationError(StartupError):
    """The settings would run the service with keys or issuers unfit for its environment."""

    exit_code = 78  # EX_CONFIG
    headline = "refuses to start"


@dataclass
class Authentication:
    verifier: TokenVerifier
    client_signer: TokenSigner | None  # tokens for OAuth2 clients; None: grant not configured
    dev_signer: TokenSigner | None  # None outside development
    client_token_seconds: int
    dev_token_seconds: int
    principal_limits: TokenBuckets
    anonymous_limits: TokenBuckets

    @property
    def has_identity_provider(self) -> bool:
        return any(issuer.kind is IssuerKind.EXTERNAL for issuer in self.verifier.issuers)

    async def identity_provider_problem(self) -> str | None:
        """Why the identity provider's tokens cannot be verified right now, or None."""
        for issuer in self.verifier.issuers:
            if issuer.kind is IssuerKind.EXTERNAL:
                return await issuer.keys.problem()
        return None

    async def aclose(self) -> None:
        for issuer in self.verifier.issuers:
            await issuer.keys.aclose()


def build_authentication(settings: Settings) -> Authentication:
    check_configuration(settings)
    dev_secret = _dev_secret(settings)
    dev_signer = _dev_signer(settings, dev_secret)
    client_signer = _client_signer(settings, dev_secret)
    issuers = [_external_issuer(settings)] if settings.auth_issuer else []
    for signer, kind in [(client_signer, IssuerKind.LOCAL), (dev_signer, IssuerKind.DEVELOPMENT)]:
        if signer is not None:
            issuers.append(_own_issuer(signer, kind))
    return Authentication(
        verifier=TokenVerifier(
            issuers,
            audience=settings.auth_audience,
            leeway_seconds=settings.auth_leeway_seconds,
            max_token_bytes=settings.max_token_bytes,
        ),
        client_signer=client_signer,
        dev_signer=dev_signer,
        client_token_seconds=settings.auth_client_token_seconds,
        dev_token_seconds=settings.dev_token_seconds,
        principal_limits=TokenBuckets(settings.rate_limit_per_second, settings.rate_limit_burst),
        anonymous_limits=TokenBuckets(settings.anonymous_rate_per_second, settings.anonymous_burst),
    )


def development_signer(settings: Settings) -> TokenSigner | None:
    """The development issuer's signer, or None where it is not enabled."""
    check_configuration(settings)
    return _dev_signer(settings, _dev_secret(settings))


def check_configuration(settings: Settings) -> None:
    """Raise ``InsecureConfigurationError`` naming every problem of the security settings."""
    problems = _general_problems(settings)
    if settings.production:
        problems += _production_problems(settings)
    if problems:
        raise InsecureConfigurationError("; ".join(problems))


def _general_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.auth_issuer and not (settings.auth_jwks_url or settings.auth_public_key_file):
        problems.append("OSS_ROUTER_AUTH_ISSUER needs AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE")
    if (settings.auth_jwks_url or settings.auth_public_key_file) and not settings.auth_issuer:
        problems.append("identity provider keys are configured without OSS_ROUTER_AUTH_ISSUER")
    if settings.auth_issuer in {settings.auth_local_issuer, DEVELOPMENT_ISSUER}:
        problems.append("OSS_ROUTER_AUTH_ISSUER must differ from this service's own issuers")
    unsafe = set(settings.auth_algorithms) - ASYMMETRIC_ALGORITHMS
    if unsafe:
        problems.append(
            f"OSS_ROUTER_AUTH_ALGORITHMS allows {sorted(unsafe)}: identity provider tokens must "
            "be signed with a public-key algorithm (RS256, ES256, ...)"
        )
    return problems


def _production_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.dev_issuer_enabled:
        problems.append("the development issuer is enabled (unset OSS_ROUTER_DEV_ISSUER)")
    if settings.dev_secret is not None:
        problems.append("a development key is configured (unset OSS_ROUTER_DEV_SECRET)")
    if not settings.auth_issuer and settings.auth_signing_key_file is None:
        problems.append(
            "nobody could authenticate: configure an identity provider (OSS_ROUTER_AUTH_ISSUER) "
            "or a signing key for OAuth2 clients (OSS_ROUTER_AUTH_SIGNING_KEY_FILE)"
        )
    if settings.auth_jwks_url and not settings.auth_jwks_url.startswith("https://"):
        problems.append("OSS_ROUTER_AUTH_JWKS_URL must be an https:// URL in production")
    return problems


def _dev_secret(settings: Settings) -> bytes | None:
    if not settings.dev_issuer_enabled:
        return None
    configured = settings.dev_secret.get_secret_value() if settings.dev_secret else None
    try:
        return development_secret(configured, settings.dev_secret_file)
    except ValueError as error:
        raise InsecureConfigurationError(str(error)) from None


def _dev_signer(settings: Settings, secret: bytes | None) -> TokenSigner | None:
    if secret is None:
        return None
    return TokenSigner(DEVELOPMENT_ISSUER, "HS256", secret, settings.auth_audience)


def _client_signer(settings: Settings, dev_secret: bytes | None) -> TokenSigner | None:
    if settings.auth_signing_key_file is not None:
        key, algorithm = load_private_key(settings.auth_signing_key_file)
        return TokenSigner(
            settings.auth_local_issuer,
            algorithm,
            key,
            settings.auth_audience,
            settings.auth_signing_key_id,
        )
    if dev_secret is not None:
        # Development only: client tokens signed with the development secret.
        return TokenSigner(settings.auth_local_issuer, "HS256", dev_secret, settings.auth_audience)
    return None


def _own_issuer(signer: TokenSigner, kind: IssuerKind) -> TrustedIssuer:
    key = signer.key if signer.algorithm == "HS256" else signer.key.public_key()
    return TrustedIssuer(signer.issuer, kind, (signer.algorithm,), StaticKey(key))


def _jwks_client(settings: Settings) -> httpx.AsyncClient:
    try:
        verify = tls_context(settings.auth_ca_file)
    except (OSError, ssl.SSLError) as error:
        # Refused at start-up: a typo here would otherwise surface as 503s on every call.
        raise InsecureConfigurationError(
            f"OSS_ROUTER_AUTH_CA_FILE {settings.auth_ca_file} is not a readable PEM "
            f"certificate bundle: {error}"
        ) from None
    return httpx.AsyncClient(timeout=JWKS_TIMEOUT_SECONDS, follow_redirects=False, verify=verify)


def _external_issuer(settings: Settings) -> TrustedIssuer:
    assert settings.auth_issuer is not None
    keys: KeySource
    if settings.auth_jwks_url:
        keys = JwksKeys(
            settings.auth_jwks_url,
            cache_seconds=settings.auth_jwks_cache_seconds,
            http=_jwks_client(settings),
        )
    else:
        assert settings.auth_public_key_file is not None
        keys = StaticKey(load_public_key(settings.auth_public_key_file))
    claims = ClaimMapping(
        subject=settings.auth_subject_claim,
        role=settings.auth_role_claim,
        unit=settings.auth_unit_claim,
        role_map=dict(settings.auth_role_map),
    )
    return TrustedIssuer(
        settings.auth_issuer, IssuerKind.EXTERNAL, tuple(settings.auth_algorithms), keys, claims
    )
