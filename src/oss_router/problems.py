"""The one place that turns errors into RFC 9457 ``application/problem+json`` responses."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from oss_router.errors import (
    PROBLEM_BASE,
    FieldError,
    MalformedBody,
    ProblemError,
    ValidationFailed,
)
from oss_router.messages.codes import Kind

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_KIND_TAGS = {kind.value for kind in Kind}


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
    return problem_response(validation_problem(error.errors()), request)


def validation_problem(errors: Sequence[Any]) -> ProblemError:
    if any(item.get("type") == "json_invalid" for item in errors):
        return MalformedBody(
            "the body is not valid JSON", errors=[FieldError("body", "malformed JSON")]
        )
    fields = _field_errors(errors)
    names = ", ".join(dict.fromkeys(error.field for error in fields))
    return ValidationFailed(f"invalid fields: {names}", errors=fields)


def _field_errors(errors: Sequence[Any]) -> list[FieldError]:
    kind_is_bad = any(tuple(item.get("loc", ()))[-1:] == ("kind",) for item in errors)
    result = []
    for item in errors:
        if kind_is_bad and item.get("type") in {"union_tag_not_found", "union_tag_invalid"}:
            continue  # the subject cannot be checked before the kind is right
        result.append(FieldError(field_name(item.get("loc", ())), _message(item)))
    return result


def field_name(loc: Sequence[Any]) -> str:
    """``("body", "subject", "person", "dob")`` → ``subject.dob``; indices as ``[i]``."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    if len(parts) >= 2 and parts[0] == "subject" and parts[1] in _KIND_TAGS:
        del parts[1]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


def _message(item: Any) -> str:
    kind = item.get("type", "")
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "must be a JSON object"
    message = str(item.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


async def _on_http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed"}
    body = {
        "type": PROBLEM_BASE + str(error.status_code),
        "title": titles.get(error.status_code, "HTTP error"),
        "status": error.status_code,
        "detail": str(error.detail),
        "instance": request.url.path,
    }
    return JSONResponse(
        body, status_code=error.status_code, media_type=PROBLEM_JSON, headers=error.headers
    )


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    body = {
        "type": PROBLEM_BASE + "internal",
        "title": "Internal error",
        "status": 500,
        "detail": "the service could not complete the request; nothing was stored",
    }
    return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)
