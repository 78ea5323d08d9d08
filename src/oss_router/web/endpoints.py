"""The web client's pages (HTML shells) and static files, served by the gateway at ``/``."""

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from oss_router import __version__
from oss_router.config import Settings
from oss_router.web.vocabulary import (
    CHANNEL_LABELS,
    DOCUMENT_TYPES,
    KIND_LABELS,
    REFUSAL_LABELS,
    STATUS_LABELS,
    countries,
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
        "document_types": DOCUMENT_TYPES,
        "countries": {option.value: option.label for option in countries()},
    }
    # "</" cannot end the data block early: escape it (and the other HTML-significant signs).
    text = json.dumps(labels, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    settings: Settings = request.app.state.runtime.settings
    base = {
        "version": __version__,
        "env": settings.env,
        "labels_json": _labels_json(),
        "vocabulary": vocabulary(),
    }
    return templates.TemplateResponse(request, template, {**base, **context})


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


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
