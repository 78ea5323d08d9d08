"""The gateway's HTTP server: uvicorn, with bounds on what a client may send before the
application sees a request, and a shutdown that says what it waits for.

uvicorn bounds neither the size nor the count of header fields, nor the time a client takes to
send them or the request body: one 100 MiB header cost the server 22 s of CPU (the parser joins
the pieces of a long value again and again) and blocked the event loop for every other client;
a client sending a byte now and then held its connection for ever. :class:`BoundedHttpProtocol`
(uvicorn's httptools protocol) refuses a request head over ``http_max_header_bytes`` or
``http_max_headers`` with 431, one not complete within ``http_header_timeout_seconds`` with
408, and closes a connection whose body stalls for ``http_body_timeout_seconds`` (408 if no
response started). Each refusal closes the connection.
"""

import asyncio
import logging
import math
import socket
from dataclasses import dataclass
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from oss_router.config import Settings
from oss_router.startup import listening_socket

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpLimits:
    max_header_bytes: int = 16 * 1024  # the request line and the header fields together
    max_headers: int = 100
    header_timeout_seconds: float = 10.0  # from connection (or first byte) to end of head
    body_timeout_seconds: float = 30.0  # the longest pause between two pieces of a body

    @classmethod
    def from_settings(cls, settings: Settings) -> "HttpLimits":
        return cls(
            max_header_bytes=settings.http_max_header_bytes,
            max_headers=settings.http_max_headers,
            header_timeout_seconds=settings.http_header_timeout_seconds,
            body_timeout_seconds=settings.http_body_timeout_seconds,
        )


class _Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


_PHRASES = {400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large"}


class BoundedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounded request heads and bodies (module docstring).

    The head is measured in :meth:`data_received`, before the parser sees its bytes: a head
    over the limit costs at most the limit of parsing. (A request pipelined behind a body in
    the same read is measured from its next read on: at most one read more.)
    """

    limits: ClassVar[HttpLimits] = HttpLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = True
        self._head_bytes = 0
        self._tail = b""  # the head's last bytes so far: its end may straddle two reads
        self._header_count = 0
        self._refusal: _Refusal | None = None
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None

    # -- connection ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()  # a connection that never sends a byte is a slow head too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        while data and not self.transport.is_closing():
            if not self._reading_head:
                super().data_received(data)
                return
            room = self.limits.max_header_bytes - self._head_bytes
            end = self._head_end(data)
            if end == -1 and len(data) <= room:
                self._head_bytes += len(data)
                self._tail = (self._tail + data)[-3:]
                super().data_received(data)
                return
            if end == -1 or end > room:
                limit = self.limits.max_header_bytes
                self._refuse(_Refusal(431, f"request head over {limit} bytes"))
                return
            # The parser sees the head alone; what follows (a body, the next request) is the
            # next turn of the loop, counted anew.
            head, data = data[:end], data[end:]
            self._head_bytes += len(head)
            super().data_received(head)

    def _head_end(self, data: bytes) -> int:
        """Where in ``data`` the request head ends (after its empty line), or -1."""
        found = (self._tail + data).find(b"\r\n\r\n")
        return -1 if found == -1 else found + 4 - len(self._tail)

    # -- parser callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_count = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            # Raised inside the parser: uvicorn turns it into its 400 answer, which
            # send_400_response replaces with this refusal.
            self._refusal = _Refusal(431, f"more than {self.limits.max_headers} header fields")
            raise self._refusal
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_bytes = 0
        self._tail = b""
        self._cancel_head_timer()
        super().on_headers_complete()
        self._arm_body_timer()

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm_body_timer()

    def on_message_complete(self) -> None:
        self._cancel_body_timer()
        self._reading_head = True
        super().on_message_complete()

    # -- refusals --------------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        refusal, self._refusal = self._refusal, None
        if refusal is not None:
            self._refuse(refusal)
        else:
            super().send_400_response(msg)

    def _refuse(self, refusal: _Refusal) -> None:
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "unknown client"
        log.warning("HTTP request from %s refused: %s", client, refusal.reason)
        body = (refusal.reason + "\n").encode("ascii")
        head = (
            f"HTTP/1.1 {refusal.status} {_PHRASES[refusal.status]}\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self._cancel_timers()
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()

    # -- timers ----------------------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(
            self.limits.header_timeout_seconds, self._head_timed_out
        )

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_bytes == 0:
            self.transport.close()  # not a byte of a request: nothing to answer
            return
        seconds = self.limits.header_timeout_seconds
        self._refuse(_Refusal(408, f"request head not complete within {seconds:g} s"))

    def _arm_body_timer(self) -> None:
        self._cancel_body_timer()
        if self.cycle is not None and self.cycle.more_body:
            self._body_timer = self.loop.call_later(
                self.limits.body_timeout_seconds, self._body_timed_out
            )

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or not self.cycle.more_body:
            return
        if self.flow.read_paused:  # the application is not reading yet: not the client's fault
            self._arm_body_timer()
            return
        seconds = self.limits.body_timeout_seconds
        reason = f"request body paused for more than {seconds:g} s"
        if self.cycle.response_started:
            log.warning("HTTP connection closed: %s", reason)
            self.transport.close()
        else:
            self._refuse(_Refusal(408, reason))

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()


def bounded_protocol(limits: HttpLimits) -> type[BoundedHttpProtocol]:
    """The protocol class uvicorn instantiates per connection, with these limits."""
    return type("ConfiguredHttpProtocol", (BoundedHttpProtocol,), {"limits": limits})


class GatewayServer(uvicorn.Server):
    """uvicorn's server, saying at shutdown how many HTTP calls it waits for, and whether
    they finished or the grace period ran out."""

    async def _wait_tasks_to_complete(self) -> None:
        calls = len(self.server_state.tasks)
        grace = self.config.timeout_graceful_shutdown
        if calls or self.server_state.connections:
            log.info(
                "gateway stopping: waiting up to %ss for %d HTTP call(s) in flight "
                "on %d open connection(s)",
                grace,
                calls,
                len(self.server_state.connections),
            )
        try:
            await super()._wait_tasks_to_complete()
        except asyncio.CancelledError:  # uvicorn's wait_for: the grace period ran out
            log.warning(
                "gateway: grace period of %ss over, cancelling %d HTTP call(s) still in flight",
                grace,
                len(self.server_state.tasks),
            )
            raise
        if calls:
            log.info("gateway: every HTTP call in flight finished")


def gateway_server(app: Any, settings: Settings) -> GatewayServer:
    config = uvicorn.Config(
        app,
        http=bounded_protocol(HttpLimits.from_settings(settings)),
        ws="none",  # no WebSocket endpoint: an upgrade request is answered as plain HTTP
        log_level="info",
        # log_config=None: uvicorn logs through our JSON handler instead of its own text.
        log_config=None,
        access_log=settings.access_log,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_seconds),
    )
    return GatewayServer(config)


def serve_http(app: Any, settings: Settings) -> None:
    """Serve ``app`` on ``settings.host:port`` until SIGTERM/SIGINT. The port is taken before
    the application starts: a port in use is a one-line ``PortInUseError``."""
    sock: socket.socket = listening_socket(settings.host, settings.port, "OSS_ROUTER_PORT")
    log.info("serving on http://%s:%d", settings.host, settings.port)
    gateway_server(app, settings).run(sockets=[sock])
