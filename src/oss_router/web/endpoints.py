"""The web client's pages (HTML shells) and static files, served by the gateway at ``/``."""

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from oss_router import __version__
from oss_router.config import Settings
from oss_router.web.vocabulary import (
    CHANNEL_LABELS,
    DOCUMENT_TYPES,
    INBOUND_STATUS_LABELS,
    KIND_LABELS,
    REFUSAL_LABELS,
    REFUSAL_TEXTS,
    REPLY_STATUS_LABELS,
    REPLY_TYPE_LABELS,
    STATUS_LABELS,
    URGENCY_GROUND_LABELS,
    countries,
    directive_countries,
    vocabulary,
)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def _labels_json() -> str:
    """Labels the scripts need to render API data, embedded as a JSON data block."""
    labels = {
        "kinds": KIND_LABELS,
        "channels": CHANNEL_LABELS,
        "statuses": STATUS_LABELS,
        "refusal_grounds": REFUSAL_LABELS,
        "refusal_texts": REFUSAL_TEXTS,
        "inbound_statuses": INBOUND_STATUS_LABELS,
        "reply_types": REPLY_TYPE_LABELS,
        "reply_statuses": REPLY_STATUS_LABELS,
        "urgency_grounds": URGENCY_GROUND_LABELS,
        "document_types": DOCUMENT_TYPES,
        "countries": {option.value: option.label for option in countries()},
        "directive_countries": directive_countries(),
    }
    # "</" cannot end the data block early: escape it (and the other HTML-significant signs).
    text = json.dumps(labels, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings: Settings = request.app.state.runtime.settings
    base = {
        "version": __version__,
        "env": settings.env,
        "labels_json": _labels_json(),
        "vocabulary": vocabulary(),
    }
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


@router.get("/", response_class=HTMLResponse)
async def queue_page(request: Request) -> HTMLResponse:
    return _page(request, "queue.html", page="queue", title="Queue")


@router.get("/requests/new", response_class=HTMLResponse)
async def new_request_page(request: Request) -> HTMLResponse:
    return _page(request, "new_request.html", page="new", title="New request")


@router.get("/requests/{request_id}", response_class=HTMLResponse)
async def request_page(request: Request, request_id: UUID) -> HTMLResponse:
    return _page(
        request, "request_detail.html", page="detail", title="Request", request_id=request_id
    )


@router.get("/inbound", response_class=HTMLResponse)
async def inbound_queue_page(request: Request) -> HTMLResponse:
    return _page(request, "inbound_queue.html", page="inbound", title="Incoming")


@router.get("/inbound/new", response_class=HTMLResponse)
async def inbound_new_page(request: Request) -> HTMLResponse:
    return _page(request, "inbound_new.html", page="inbound-new", title="Register a request")


@router.get("/inbound/{inbound_id}", response_class=HTMLResponse)
async def inbound_page(request: Request, inbound_id: UUID) -> HTMLResponse:
    return _page(
        request,
        "inbound_detail.html",
        page="inbound-detail",
        title="Incoming request",
        inbound_id=inbound_id,
    )


@router.get("/cases", response_class=HTMLResponse)
async def cases_page(request: Request) -> HTMLResponse:
    return _page(request, "case_list.html", page="cases", title="Cases")


@router.get("/cases/new", response_class=HTMLResponse)
async def case_new_page(request: Request) -> HTMLResponse:
    return _page(request, "case_new.html", page="case-new", title="New case")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, case_id: UUID) -> HTMLResponse:
    return _page(request, "case_detail.html", page="case-detail", title="Case", case_id=case_id)


@router.get("/search", response_class=HTMLResponse)
async def search_page(request: Request) -> HTMLResponse:
    return _page(request, "search.html", page="search", title="Search")


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request) -> HTMLResponse:
    return _page(request, "audit.html", page="audit", title="Audit log")


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    # Browsers ask for /favicon.ico wherever a page does not name its icon.
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.runtime.settings
    oidc = {
        "authorize_url": settings.oidc_authorize_url or "",
        "token_url": settings.oidc_token_url or "",
        "client_id": settings.oidc_client_id or "",
        "scope": settings.oidc_scope,
    }
    return _page(request, "sign_in.html", page="sign-in", title="Sign in", oidc=oidc)


# Addresses of the API and of machines: they keep answering problem+json, whatever asks.
MACHINE_PREFIXES = (
    "/v1/",
    "/static/",
    "/health",
    "/readyz",
    "/metrics",
    "/docs",
    "/openapi",
    "/redoc",
)


def wants_page(request: Request) -> bool:
    """A browser navigating to an address of the site (not the API) reads HTML, not JSON."""
    path = request.url.path
    if request.method not in {"GET", "HEAD"} or path.startswith(MACHINE_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def _error_page(request: Request, status_code: int) -> HTMLResponse:
    title = "Page not found" if status_code == 404 else "This page cannot be shown"
    context = {"title": title, "error_status": status_code, "path": request.url.path}
    return _page(request, "error.html", status_code, page="error", **context)


Handler = Callable[[Request, Any], Awaitable[Response]]


def _pages_first(fallback: Handler, status_of: Callable[[Any], int]) -> Handler:
    """An exception handler that renders a page for browsers and leaves the API to ``fallback``."""

    async def handle(request: Request, error: Any) -> Response:
        if wants_page(request):
            return _error_page(request, status_of(error))
        return await fallback(request, error)

    return handle


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # A malformed request id in a page address is a page that does not exist: 404.
    handlers = app.exception_handlers
    app.add_exception_handler(
        StarletteHTTPException,
        _pages_first(cast(Handler, handlers[StarletteHTTPException]), lambda e: e.status_code),
    )
    app.add_exception_handler(
        RequestValidationError,
        _pages_first(cast(Handler, handlers[RequestValidationError]), lambda _error: 404),
    )
