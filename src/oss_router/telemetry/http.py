"""ASGI middleware: counts the gateway's HTTP calls, times intake, names the log component."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oss_router.telemetry import context, metrics

_INTAKE = ("POST", "/v1/requests")


class HttpTelemetry:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the application raises before answering

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            with context.bound(None, "gateway"):
                await self.app(scope, receive, record_status)
        finally:
            _record(scope, status, time.perf_counter() - started)


def _record(scope: Scope, status: int, seconds: float) -> None:
    route = _route_template(scope)
    method = scope["method"]
    metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
    if (method, route) == _INTAKE:
        metrics.INTAKE_SECONDS.labels(str(status)).observe(seconds)


def _route_template(scope: Scope) -> str:
    """The matched route's template (``/v1/requests/{request_id}``), never the raw path:
    raw paths would make one series per request id."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
