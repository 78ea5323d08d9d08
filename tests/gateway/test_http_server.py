"""The gateway's HTTP server over real sockets: bounded request heads and bodies.

A real uvicorn server (``http_server.gateway_server``, the one ``oss-router gateway`` runs) in a
background thread on a free loopback port, with a small application that reads the body and
answers with its length. Timeouts are configured small; the tests assert what the server does
(status, connection closed, another client served), never how long it took.
"""

import asyncio
import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from oss_router.config import Settings
from oss_router.gateway.http_server import GatewayServer, gateway_server
from oss_router.startup import listening_socket

START_SECONDS = 30.0
READ_SECONDS = 30.0  # a safety net against a hanging test, not a performance bound


async def body_length_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            event = (await receive())["type"]  # lifespan.startup, then lifespan.shutdown
            await send({"type": f"{event}.complete"})
            if event == "lifespan.shutdown":
                return
    if scope["path"] == "/slow":
        await asyncio.sleep(0.5)
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = f"ok {size}".encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def running_server(**overrides: Any) -> Iterator[int]:
    with running_gateway_server(**overrides) as (port, _server):
        yield port


@contextmanager
def running_gateway_server(**overrides: Any) -> Iterator[tuple[int, GatewayServer]]:
    settings = Settings(shutdown_grace_seconds=1, **overrides)
    sock = listening_socket("127.0.0.1", 0, "OSS_ROUTER_PORT")
    port: int = sock.getsockname()[1]
    server = gateway_server(body_length_app, settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.02)
    try:
        yield port, server
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=READ_SECONDS)


def read_all(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := client.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_response(client: socket.socket) -> bytes:
    """One response with a content-length body (the connection stays open)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        assert chunk, f"closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length")
    )
    while len(body) < length:
        body += client.recv(65536)
    return data


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def get(port: int, extra_headers: bytes = b"") -> bytes:
    with connect(port) as client:
        client.sendall(b"GET / HTTP/1.1\r\nhost: test\r\n" + extra_headers + b"\r\n")
        return read_response(client)


def readable(client: socket.socket, seconds: float) -> bool:
    return bool(select.select([client], [], [], seconds)[0])


def test_a_request_within_the_bounds_is_served() -> None:
    with running_server() as port:
        response = get(port, b"x-padding: " + b"a" * 10_000 + b"\r\n")
    assert status_of(response) == 200
    assert response.endswith(b"ok 0")


def test_a_head_over_the_byte_limit_is_refused_with_431_and_closed() -> None:
    with running_server(http_max_header_bytes=4096) as port, connect(port) as client:
        client.sendall(b"GET / HTTP/1.1\r\nhost: test\r\nx-big: " + b"a" * 5000 + b"\r\n\r\n")
        response = read_all(client)  # returns: the server closed the connection
    assert status_of(response) == 431
    assert b"request head over 4096 bytes" in response


def test_too_many_header_fields_are_refused_with_431_and_closed() -> None:
    headers = b"".join(b"x-h%d: v\r\n" % n for n in range(101))
    with running_server() as port, connect(port) as client:
        client.sendall(b"GET / HTTP/1.1\r\nhost: test\r\n" + headers + b"\r\n")
        response = read_all(client)
    assert status_of(response) == 431
    assert b"more than 100 header fields" in response


def test_a_100_mib_header_is_cut_short_while_another_client_is_served() -> None:
    total = 100 * 1024 * 1024
    piece = b"a" * (1024 * 1024)
    sent = 0
    started = threading.Event()

    def attack(port: int) -> None:
        nonlocal sent
        with connect(port) as client:
            client.sendall(b"GET / HTTP/1.1\r\nhost: test\r\nx-huge: ")
            try:
                while sent < total:
                    client.sendall(piece)
                    sent += len(piece)
                    started.set()
            except OSError:  # the server closed the connection: what we want
                pass
            finally:
                started.set()

    with running_server() as port:
        attacker = threading.Thread(target=attack, args=(port,), daemon=True)
        attacker.start()
        assert started.wait(READ_SECONDS)
        served = get(port)
        attacker.join(timeout=READ_SECONDS)
    assert status_of(served) == 200
    assert not attacker.is_alive()
    assert sent < total  # the server stopped reading long before the end of the header


def test_a_head_dribbled_slower_than_the_timeout_gets_408_and_is_closed() -> None:
    with running_server(http_header_timeout_seconds=0.5) as port, connect(port) as client:
        client.sendall(b"GET / HTTP/1.1\r\n")
        for _ in range(300):  # one byte at a time, each well within any idle timeout
            if readable(client, 0.05):
                break
            client.sendall(b"x")
        response = read_all(client)
        # Meanwhile the server kept serving others (the event loop was never blocked).
        assert status_of(get(port)) == 200
    assert status_of(response) == 408
    assert b"request head not complete within 0.5 s" in response


def test_a_connection_that_sends_nothing_is_closed_after_the_head_timeout() -> None:
    with running_server(http_header_timeout_seconds=0.5) as port, connect(port) as client:
        assert readable(client, READ_SECONDS)
        assert read_all(client) == b""


def test_a_stalled_body_gets_408_and_is_closed() -> None:
    with running_server(http_body_timeout_seconds=0.5) as port, connect(port) as client:
        client.sendall(b"POST / HTTP/1.1\r\nhost: test\r\ncontent-length: 100\r\n\r\n" + b"b" * 10)
        assert readable(client, READ_SECONDS)
        response = read_all(client)
    assert status_of(response) == 408
    assert b"request body paused for more than 0.5 s" in response


def test_a_body_sent_in_pieces_within_the_pause_limit_is_served() -> None:
    with running_server(http_body_timeout_seconds=5) as port, connect(port) as client:
        client.sendall(b"POST / HTTP/1.1\r\nhost: test\r\ncontent-length: 50\r\n\r\n")
        for _ in range(5):
            time.sleep(0.05)
            client.sendall(b"b" * 10)
        response = read_response(client)
    assert status_of(response) == 200
    assert response.endswith(b"ok 50")


def test_keep_alive_and_pipelined_requests_are_counted_per_request() -> None:
    padding = b"x-padding: " + b"a" * 3000 + b"\r\n"  # three of these exceed 4 KiB together
    request = b"GET / HTTP/1.1\r\nhost: test\r\n" + padding + b"\r\n"
    with running_server(http_max_header_bytes=4096) as port, connect(port) as client:
        client.sendall(request)
        first = read_response(client)
        client.sendall(request)
        second = read_response(client)
        client.sendall(request + request)
        third = read_response(client)
    assert [status_of(r) for r in (first, second, third)] == [200, 200, 200]


def test_a_body_arriving_with_its_head_in_one_read_is_not_counted_as_head() -> None:
    body = b"b" * 50_000
    head = b"POST / HTTP/1.1\r\nhost: test\r\ncontent-length: %d\r\n\r\n" % len(body)
    with running_server(http_max_header_bytes=4096) as port, connect(port) as client:
        client.sendall(head + body)
        response = read_response(client)
    assert status_of(response) == 200
    assert response.endswith(b"ok 50000")


def test_a_head_whose_end_straddles_two_reads_is_served() -> None:
    with running_server() as port, connect(port) as client:
        client.sendall(b"GET / HTTP/1.1\r\nhost: test\r\n\r")
        time.sleep(0.1)  # let the server read the first part on its own
        client.sendall(b"\n")
        response = read_response(client)
    assert status_of(response) == 200


def test_the_shutdown_says_how_many_http_calls_it_waits_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="oss_router.gateway.http_server"),
        running_gateway_server() as (port, server),
        connect(port) as client,
    ):
        client.sendall(b"GET /slow HTTP/1.1\r\nhost: test\r\n\r\n")
        deadline = time.monotonic() + READ_SECONDS
        while not server.server_state.tasks:
            assert time.monotonic() < deadline, "the call never started"
            time.sleep(0.01)
        server.should_exit = True
        response = read_all(client)
    assert status_of(response) == 200  # the call in flight was finished, then closed
    messages = [
        r.getMessage() for r in caplog.records if r.name == "oss_router.gateway.http_server"
    ]
    assert messages == [
        "gateway stopping: waiting up to 1s for 1 HTTP call(s) in flight on 1 open connection(s)",
        "gateway: every HTTP call in flight finished",
    ]


def test_a_request_line_over_the_byte_limit_is_refused_with_431() -> None:
    with running_server(http_max_header_bytes=4096) as port, connect(port) as client:
        client.sendall(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nhost: test\r\n\r\n")
        response = read_all(client)
    assert status_of(response) == 431
