"""The request-wide input checks of the gateway: NUL in query parameters and headers
(``TextGuard``, see input.py for why) and query parameters an operation does not declare."""

from collections.abc import Iterator
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from oss_router.errors import FieldError, ProblemError, ValidationFailed
from oss_router.field_messages import fields_detail
from oss_router.gateway.problems import problem_response
from oss_router.input import NUL, NUL_MESSAGE


async def refuse_unknown_query(request: Request) -> None:
    """A query parameter the operation does not declare is a mistake (a misspelt filter would
    silently list everything), refused like an unknown body field."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    declared = set(_query_names(route.dependant))
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in declared]
    if unknown:
        errors = [FieldError(name or "query", UNKNOWN_PARAMETER) for name in unknown]
        raise ValidationFailed(fields_detail(errors), errors=errors)


UNKNOWN_PARAMETER = "This parameter is not known here: remove it."


def _query_names(dependant: Dependant) -> Iterator[str]:
    for param in dependant.query_params:
        yield param.alias
    for dependency in dependant.dependencies:
        yield from _query_names(dependency)


class TextGuard:
    """Refuses a request with NUL in a query parameter (422 naming it) or a header (400)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _query_problem(scope.get("query_string", b"")) or _header_problem(
            scope["headers"]
        )
        if problem is not None:
            await problem_response(problem)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _query_problem(query: bytes) -> ProblemError | None:
    if b"\x00" not in query and b"%00" not in query.lower():
        return None  # the common case, without decoding anything
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    names = [name for name, value in pairs if NUL in name or NUL in value]
    if not names:
        return None
    shown = [name.replace(NUL, "") or "query" for name in dict.fromkeys(names)]
    return ValidationFailed(
        fields_detail(errors := [FieldError(name, NUL_MESSAGE) for name in shown]), errors=errors
    )


def _header_problem(headers: list[tuple[bytes, bytes]]) -> ProblemError | None:
    for name, value in headers:
        if b"\x00" in name or b"\x00" in value:
            shown = name.replace(b"\x00", b"").decode("latin-1") or "header"
            return ProblemError(
                f"the {shown} header contains a NUL character",
                errors=[FieldError(shown, NUL_MESSAGE)],
            )
    return None
