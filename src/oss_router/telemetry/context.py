"""The correlation id and the component of the work in progress, carried by ``contextvars``.

Each asyncio task starts with a copy of its creator's context, so a value bound while handling
one message is seen by every log line of that handling and by nothing else.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

CORRELATION_HEADER = "x-correlation-id"

correlation_id: ContextVar[str | None] = ContextVar("oss_router_correlation_id", default=None)
component: ContextVar[str | None] = ContextVar("oss_router_component", default=None)


@contextmanager
def bound(correlation: str | None, role: str | None = None) -> Iterator[None]:
    """Bind a correlation id (and the component doing the work) for the enclosed block."""
    correlation_token = correlation_id.set(correlation)
    role_token = component.set(role) if role is not None else None
    try:
        yield
    finally:
        correlation_id.reset(correlation_token)
        if role_token is not None:
            component.reset(role_token)


def from_headers(headers: Mapping[str, Any], fallback: str | None = None) -> str | None:
    value = headers.get(CORRELATION_HEADER)
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value) if value else fallback
