"""The one place that turns errors into RFC 9457 ``application/problem+json`` responses."""

import logging
from collections.abc import Callable, Sequence
from typing import Any, get_args

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from oss_router.errors import (
    PROBLEM_BASE,
    FieldError,
    MalformedBody,
    ProblemError,
    ValidationFailed,
)
from oss_router.field_messages import fields_detail, sentence
from oss_router.messages.codes import Kind

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_KIND_TAGS = [kind.value for kind in Kind]


def problem_response(error: ProblemError, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(
        error.body(instance),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=error.headers,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_problem(request: Request, error: ProblemError) -> JSONResponse:
    return problem_response(error, request)


async def _on_validation(request: Request, error: RequestValidationError) -> JSONResponse:
    return problem_response(validation_problem(error.errors(), form_order(request)), request)


def validation_problem(errors: Sequence[Any], order: Sequence[str] = ()) -> ProblemError:
    """A 422 naming each bad field with a sentence for a person, in the order of ``order``
    (the fields of the form); a body that is not JSON at all is a 400."""
    if any(item.get("type") == "json_invalid" for item in errors):
        return MalformedBody(
            "the body is not valid JSON",
            errors=[FieldError("body", "Send the body as a JSON document.")],
        )
    fields = sorted(_field_errors(errors), key=_position_in(order))
    return ValidationFailed(fields_detail(fields), errors=fields)


def form_order(request: Request) -> list[str]:
    """The names of the route's parameters and body fields, in their declared order."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return []
    names = [param.alias for param in dependant.path_params + dependant.query_params]
    names += [param.alias for param in dependant.header_params]
    body = getattr(route, "body_field", None)
    if body is not None:
        names += _model_fields(body.field_info.annotation)
    return names


def _model_fields(annotation: Any) -> list[str]:
    members = get_args(annotation) or (annotation,)
    for member in members:  # the members of a request union share their field order
        if isinstance(member, type) and issubclass(member, BaseModel):
            return [field.alias or name for name, field in member.model_fields.items()]
        nested = _model_fields(member) if get_args(member) else []
        if nested:
            return nested
    return []


def _position_in(order: Sequence[str]) -> Callable[[FieldError], int]:
    positions = {name: index for index, name in enumerate(order)}

    def position(error: FieldError) -> int:
        top = error.field.split(".", 1)[0].split("[", 1)[0]
        return positions.get(top, len(positions))

    return position


def _field_errors(errors: Sequence[Any]) -> list[FieldError]:
    result = []
    for item in errors:
        if item.get("type") in _UNION_TAG_ERRORS:
            result.append(_kind_error(item))
            continue
        name = field_name(item.get("loc", ()))
        result.append(FieldError(name, sentence(item, name)))
    return result


_UNION_TAG_ERRORS = {"union_tag_not_found": "missing", "union_tag_invalid": "invalid"}


def _kind_error(item: Any) -> FieldError:
    """The request union could not pick its member: the discriminator (``kind``) is wrong."""
    context = item.get("ctx") or {}
    name = str(context.get("discriminator", "kind")).strip("'") or "kind"
    loc = (*tuple(item.get("loc", ())), name)
    tags = ", ".join(_KIND_TAGS)
    error = {"type": _UNION_TAG_ERRORS[item["type"]], "ctx": {"tags": tags}}
    field = field_name(loc)
    return FieldError(field, sentence(error, field))


def field_name(loc: Sequence[Any]) -> str:
    """``("body", "person", "subject", "dob")`` → ``subject.dob``; indices as ``[i]``."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    if parts and parts[0] in _KIND_TAGS:
        del parts[0]  # the member of the request union, chosen by ``kind``
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


async def _on_http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed"}
    body = {
        "type": PROBLEM_BASE + str(error.status_code),
        "title": titles.get(error.status_code, "HTTP error"),
        "status": error.status_code,
        "detail": str(error.detail),
        "instance": request.url.path,
    }
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return JSONResponse(
        body, status_code=error.status_code, media_type=PROBLEM_JSON, headers=headers
    )


def allowed_methods(request: Request) -> str:
    """Every method some route of this path answers (RFC 9110 §15.5.6). Starlette's own 405
    names only the methods of the first route whose path matched: ``POST`` on a path that
    also answers ``GET``. Each method is tried against the whole routing table instead."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(route.matches(_probe(request, method))[0] is Match.FULL for route in routes)
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _probe(request: Request, method: str) -> dict[str, Any]:
    """A fresh scope for ``method`` on the request's path (no state of the failed match)."""
    scope = request.scope
    return {
        "type": "http",
        "method": method,
        "path": scope["path"],
        "root_path": scope.get("root_path", ""),
        "headers": [],
        "query_string": b"",
    }


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    body = {
        "type": PROBLEM_BASE + "internal",
        "title": "Internal error",
        "status": 500,
        "detail": "the service could not complete the request; nothing was stored",
    }
    return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)
