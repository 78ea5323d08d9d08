"""The inbound fixtures (frozen clock, fake national check) for the retention tests."""

from tests.inbound.conftest import app, checker, clock, headers, http

__all__ = ["app", "checker", "clock", "headers", "http"]
