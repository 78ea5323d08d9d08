"""Browser test harness: the service in a real uvicorn server, Debian's chromium via Playwright.

Screenshots go to tests/artifacts/ (ignored by git); with OSS_ROUTER_UPDATE_SCREENSHOTS=1 the
README's screenshots in docs/screenshots/ are refreshed too.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from tests.support.live_server import LiveServer, live_server
from tests.support.services import require_chromium
from tests.support.stand_in_auth import stand_in_issuer

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
    page.wait_for_url("**/audit" if role == "auditor" else "**/")  # each role's own page
    expect(page.locator("#whoami")).to_contain_text(subject)


def screenshot(page: Page, name: str, *, readme: bool = False, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    if readme and os.environ.get("OSS_ROUTER_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS_SCREENSHOTS / f"{name}.png", full_page=full_page)
    return path
