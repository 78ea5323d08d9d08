"""Fixtures of the request tests."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from oss_router.auth.principal import Principal, Role
from oss_router.deps import get_principal


@pytest.fixture
def as_role(app: FastAPI) -> Iterator[Any]:
    """Call ``as_role(role)`` to act as someone of that role; a supervisor until then."""

    def switch(role: Role) -> None:
        app.dependency_overrides[get_principal] = lambda: Principal("someone", role)

    switch(Role.SUPERVISOR)
    yield switch
    app.dependency_overrides.pop(get_principal, None)
