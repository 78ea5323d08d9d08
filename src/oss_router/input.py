"""What every text a client sends must be, whatever field, parameter or header carries it.

PostgreSQL cannot store the NUL character (U+0000) in ``text`` or ``jsonb`` and fails the whole
statement, where SQLite stores it: the same request would be a 500 on one database and stored on
the other. So NUL is refused before anything reaches a database, in two shared places:

- ``InputModel``, the base of every request body model: a validator on all of its fields;
- ``TextGuard``, an ASGI middleware: every query parameter and header of every request.

Lone surrogates (``"\\ud800"``) need no check here: pydantic already refuses them as text.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError
from starlette.types import ASGIApp, Receive, Scope, Send

from oss_router.errors import FieldError, ProblemError, ValidationFailed
from oss_router.problems import fields_detail, problem_response

NUL = "\x00"
NUL_MESSAGE = "Remove the NUL character (U+0000): it cannot be part of a text."
NUL_ERROR_TYPE = "nul_character"


def _strings(value: Any) -> Iterator[str]:
    """Every string in a validated field value; nested models check their own fields."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)


# A JSON Schema (ECMA-262) pattern: any text without NUL, for the strings the document describes.
NUL_FREE_PATTERN = "^[^\\u0000]*$"


def forbid_nul_in_schema(schema: dict[str, Any]) -> None:
    """Tell the document's readers what ``InputModel`` and ``TextGuard`` refuse: each string
    without a pattern, format or closed set of values gets ``NUL_FREE_PATTERN``."""
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(schema):
        schema["pattern"] = NUL_FREE_PATTERN
    for value in schema.values():
        if isinstance(value, dict):
            forbid_nul_in_schema(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    forbid_nul_in_schema(item)


class InputModel(BaseModel):
    """Base of the models of request bodies: unknown fields refused, text trimmed, no NUL."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=forbid_nul_in_schema
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if any(NUL in text for text in _strings(value)):
            raise PydanticCustomError(NUL_ERROR_TYPE, NUL_MESSAGE)
        return value


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
