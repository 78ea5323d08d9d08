"""A minimal HTTP endpoint for the roles without a web server (relay, tracker, worker, watch).

``GET /metrics`` refreshes the role's gauges and returns the Prometheus exposition;
``GET /healthz`` answers 200 while the process runs (container health checks);
``GET /readyz`` answers 200 while the broker is connected, else 503.
It runs in the role's event loop (no thread), so gauges are refreshed with the role's own
engine and broker. Anything but a well-formed GET of those paths gets 404 or 400.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from oss_router.startup import listening_socket
from oss_router.telemetry.metrics import CONTENT_TYPE_LATEST, exposition

log = logging.getLogger(__name__)

_READ_TIMEOUT_SECONDS = 5.0
_MAX_HEADER_LINES = 100


class MetricsServer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        refresh: Callable[[], Awaitable[None]],
        ready: Callable[[], bool],
    ) -> None:
        self.host = host
        self.port = port
        self._refresh = refresh
        self._ready = ready
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        sock = listening_socket(self.host, self.port, "OSS_ROUTER_METRICS_PORT")
        self._server = await asyncio.start_server(self._serve, sock=sock)
        socket = self._server.sockets[0].getsockname()
        self.port = int(socket[1])  # the real port when 0 (any free port) was asked for
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, path = await asyncio.wait_for(_read_request(reader), _READ_TIMEOUT_SECONDS)
            status, content_type, body = await self._answer(method, path)
        except (TimeoutError, ValueError, ConnectionError, asyncio.IncompleteReadError):
            status, content_type, body = "400 Bad Request", "text/plain", b"bad request\n"
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode() + body)
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    async def _answer(self, method: str, path: str) -> tuple[str, str, bytes]:
        path = path.split("?", 1)[0]
        if method != "GET":
            return "405 Method Not Allowed", "text/plain", b"GET only\n"
        if path == "/metrics":
            try:
                await self._refresh()
            except Exception:  # stale gauges beat no metrics while the database is away
                log.exception("refreshing gauges failed")
            return "200 OK", CONTENT_TYPE_LATEST, exposition()
        if path == "/healthz":
            return "200 OK", "application/json", b'{"status":"ok"}'
        if path == "/readyz":
            ready = self._ready()
            body = b'{"status":"ready"}' if ready else b'{"status":"unavailable"}'
            return ("200 OK" if ready else "503 Service Unavailable"), "application/json", body
        return "404 Not Found", "text/plain", b"not found\n"


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str]:
    request_line = (await reader.readline()).decode("latin-1").split()
    if len(request_line) != 3:
        raise ValueError("malformed request line")
    for _ in range(_MAX_HEADER_LINES):
        if (await reader.readline()) in (b"\r\n", b"\n", b""):
            return request_line[0], request_line[1]
    raise ValueError("too many header lines")
