"""The OpenAPI document, completed with the error responses the service really gives.

FastAPI documents a 422 ``HTTPValidationError`` that this service never sends; every error
here is an RFC 9457 problem (problems.py). This module documents, for each operation, the
problems it can answer with, so that clients and the schema-driven fuzz tests (schemathesis)
can hold the service to its document.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from oss_router.gateway.problems import PROBLEM_JSON
from oss_router.input import forbid_nul_in_schema

_REF = "#/components/schemas/Problem"
_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing, invalid or expired access token",
    403: "The caller's role does not allow this",
    404: "Not found (or not visible to the caller)",
    409: "Conflict with the current state",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Validation failed; `errors` names each field and reason",
    429: "Rate limit exceeded; see Retry-After",
    503: "A service this call depends on is unavailable",
}
_FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None


def install(app: FastAPI) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_problems(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            _document_problems(path, operation)
            for parameter in operation.get("parameters", []):
                forbid_nul_in_schema(parameter.get("schema", {}))
    return document


def _document_problems(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status in _statuses(path, operation):
        responses.setdefault(str(status), {"description": _DESCRIPTIONS[status]})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            response["content"] = {PROBLEM_JSON: {"schema": {"$ref": _REF}}}
            response.setdefault("description", _DESCRIPTIONS.get(int(status), "Error"))


def _statuses(path: str, operation: dict[str, Any]) -> set[int]:
    statuses = {422}  # a query parameter the operation does not declare (input.py)
    if not path.startswith("/v1/"):
        return statuses
    statuses.add(429)  # every /v1 call counts against a rate limit
    if operation.get("security"):
        statuses |= {401, 403, 503}
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    if operation.get("parameters"):
        statuses.add(422)
    if "{" in path:
        statuses.add(404)
    return statuses
