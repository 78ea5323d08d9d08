"""Security headers on every response: the API's and the web client's pages alike.

The content security policy allows scripts, styles, images and connections from this origin
only: no inline script or style, no framing, no plugins. API responses carry personal data, so
they are never cached. The development-only API docs (``/docs``, served from this host by
``api_docs``) only get inline styles on top, which Swagger UI sets from its script.
"""

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy(connect_to: list[str] | None = None) -> str:
    """The policy, letting scripts also reach ``connect_to`` (the identity provider's token
    endpoint, which the web client's sign-in calls in production)."""
    origins = sorted({origin for origin in map(_origin, connect_to or []) if origin})
    if not origins:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "connect-src 'self'", "connect-src 'self' " + " ".join(origins)
    )


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


# Swagger UI (api_docs) sets style attributes from its script: styles may be inline there.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
DOCS_PREFIX = "/docs"


class SecurityHeaders:
    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts_seconds: int = 0,
        docs_enabled: bool = False,
        connect_to: list[str] | None = None,
    ) -> None:
        self.app = app
        self.hsts_seconds = hsts_seconds
        self.docs_enabled = docs_enabled
        self.policy = content_security_policy(connect_to)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _add(self, headers: MutableHeaders, path: str) -> None:
        docs = self.docs_enabled and (path == DOCS_PREFIX or path.startswith(DOCS_PREFIX + "/"))
        policy = DOCS_CONTENT_SECURITY_POLICY if docs else self.policy
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if path.startswith("/v1/"):
            headers.setdefault("Cache-Control", "no-store")  # unless the endpoint chose
        if self.hsts_seconds:
            headers.setdefault(
                "Strict-Transport-Security", f"max-age={self.hsts_seconds}; includeSubDomains"
            )
