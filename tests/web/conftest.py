"""Browser test harness: the service in a real uvicorn server, Debian's chromium via Playwright.

Screenshots go to tests/artifacts/ (ignored by git); with OSS_ROUTER_UPDATE_SCREENSHOTS=1 the
README's screenshots in docs/screenshots/ are refreshed too.
"""

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI, Header
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from tests.support.live_server import LiveServer, live_server
from tests.support.services import require_chromium

from oss_router.auth.principal import Principal, Role
from oss_router.deps import get_principal
from oss_router.errors import Unauthenticated

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
DOCS_SCREENSHOTS = REPO / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}
WALL = {"width": 1920, "height": 1080}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATUS_TIMEOUT_MS = 20_000
DEV_TOKEN_PATH = "/v1/auth/dev-token"


def has_dev_issuer(app: FastAPI) -> bool:
    return any(getattr(route, "path", None) == DEV_TOKEN_PATH for route in app.routes)


def stand_in_issuer(app: FastAPI) -> None:
    """Until token authentication is part of the gateway, stand in for its contract: the
    dev-token endpoint issues opaque tokens, and the caller is the principal its token names.
    The real issuer and verification win as soon as the gateway has them."""
    if has_dev_issuer(app):
        return
    principals: dict[str, Principal] = {}
    router = APIRouter()

    @router.post(DEV_TOKEN_PATH)
    async def dev_token(body: dict[str, Any]) -> dict[str, Any]:
        token = secrets.token_urlsafe(24)
        principals[token] = Principal(body["subject"], Role(body["role"]), body.get("unit"))
        return {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    def bearer(authorization: Annotated[str, Header()] = "") -> Principal:
        principal = principals.get(authorization.removeprefix("Bearer "))
        if principal is None:
            raise Unauthenticated("no valid bearer token")
        return principal

    app.router.routes[:0] = router.routes
    app.dependency_overrides[get_principal] = bearer
    app.state.stand_in_issuer = True


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        tmp_path_factory.mktemp("web"), latency_ms=300, customize=stand_in_issuer
    ) as server:
        yield server


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    require_chromium()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS)
    expect.set_options(timeout=STATUS_TIMEOUT_MS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_page(browser: Browser, web: LiveServer) -> Iterator[Callable[..., Page]]:
    """Opens pages in fresh contexts (each its own session); fails on any script error."""
    contexts = []
    errors: list[str] = []

    def open_page(viewport: dict[str, int] = LAPTOP) -> Page:
        context = browser.new_context(viewport=viewport, base_url=web.url)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    # Leaving a page that needs a session for the sign-in page is not a script error.
    assert [error for error in errors if "not signed in" not in error] == []


def sign_in(
    page: Page, role: str = "officer", subject: str = "desk.officer", unit: str = ""
) -> None:
    page.goto("/sign-in")
    page.get_by_label("Role").select_option(role)
    page.get_by_label("User name").fill(subject)
    if role == "pccc":
        page.get_by_label("Unit").fill(unit)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    expect(page.locator("#whoami")).to_contain_text(subject)


def screenshot(page: Page, name: str, *, readme: bool = False, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    if readme and os.environ.get("OSS_ROUTER_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS_SCREENSHOTS / f"{name}.png", full_page=full_page)
    return path
