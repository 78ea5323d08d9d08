"""A private RabbitMQ virtual host per test session or test, so runs never share queues."""

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from tests.support.services import RABBITMQ_URL, require_rabbitmq, unavailable


def rabbitmqctl(*args: str, timeout: float = 60) -> str:
    """Run ``rabbitmqctl`` (the tests run on the broker's host, as root or its user)."""
    if shutil.which("rabbitmqctl") is None:
        unavailable("rabbitmqctl", "not on PATH")
    done = subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr or done.stdout}")
    return done.stdout


@contextmanager
def fresh_vhost() -> Iterator[str]:
    """A new, empty virtual host for guest, deleted afterwards; yields its AMQP URL."""
    require_rabbitmq()
    name = f"oss_test_{uuid.uuid4().hex[:12]}"
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield vhost_url(name)
    finally:
        rabbitmqctl("delete_vhost", name)


def vhost_url(name: str) -> str:
    return RABBITMQ_URL.rstrip("/") + "/" + quote(name, safe="")


def vhost_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def close_connections(url: str, reason: str = "test: connection closed on purpose") -> None:
    """Force-close every client connection of the URL's virtual host (a network cut)."""
    rabbitmqctl("close_all_connections", "-p", vhost_of(url), reason)
