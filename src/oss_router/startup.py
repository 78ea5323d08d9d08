"""Why a process cannot start, said in one line (no traceback) with a non-zero exit code."""

import errno
import socket

EX_UNAVAILABLE = 69  # sysexits.h: a service the process needs (here, its port) is unavailable


class StartupError(RuntimeError):
    """The process cannot start as configured; the message names the setting to change."""

    exit_code = 1
    headline = "cannot start"


class PortInUseError(StartupError):
    exit_code = EX_UNAVAILABLE


def listening_socket(host: str, port: int, setting: str) -> socket.socket:
    """A socket bound to ``host:port`` and listening, or a :class:`PortInUseError` naming the
    environment variable (``setting``) that chose the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restarts reuse TIME_WAIT ports
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        advice = (
            f"set {setting} to a free port"
            if error.errno == errno.EADDRINUSE
            else f"check {setting.replace('_PORT', '_HOST')} and {setting}"
        )
        raise PortInUseError(
            f"cannot listen on {host}:{port} ({error.strerror or error}): {advice}"
        ) from None
    sock.setblocking(False)
    return sock
