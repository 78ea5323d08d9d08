"""The page shells and static files, over HTTP: served, labelled, fit for a strict CSP."""

import json
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import make_settings
from tests.support.auth import production_identity_provider

from oss_router.app import create_app

PAGES = [
    "/",
    "/requests/new",
    f"/requests/{uuid.uuid4()}",
    "/sign-in",
    "/audit",
    "/inbound",
    "/inbound/new",
    f"/inbound/{uuid.uuid4()}",
    "/cases",
    "/cases/new",
    f"/cases/{uuid.uuid4()}",
    "/search",
]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.script_data: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_data.append(data)


async def parse(client: httpx.AsyncClient, path: str) -> Elements:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    parser = Elements()
    parser.feed(response.text)
    return parser


@pytest.mark.parametrize("path", PAGES)
async def test_pages_have_no_inline_script_handler_or_style(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await parse(client, path)
    for tag, attrs in page.elements:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        assert tag != "style"
        if tag == "script":
            # Scripts come from files; the only inline block is JSON data, never executed.
            assert attrs.get("src") or attrs.get("type") == "application/json", attrs


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/requests/new",
        "/sign-in",
        "/audit",
        "/inbound",
        "/inbound/new",
        PAGES[7],
        "/cases",
        "/cases/new",
        PAGES[10],
        "/search",
    ],
)
async def test_every_form_control_has_a_label(client: httpx.AsyncClient, path: str) -> None:
    page = await parse(client, path)
    labelled = {attrs.get("for") for tag, attrs in page.elements if tag == "label"}
    controls = [
        attrs
        for tag, attrs in page.elements
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in {"radio", "hidden"}
    ]
    assert controls
    for attrs in controls:
        assert attrs.get("id") in labelled or attrs.get("aria-label"), attrs


async def test_labels_data_block_is_json_that_cannot_close_its_element(
    client: httpx.AsyncClient,
) -> None:
    page = await parse(client, "/")
    (data,) = page.script_data
    assert "</" not in data
    labels = json.loads(data)
    assert labels["countries"]["DE"] == "Germany"
    assert labels["channels"]["sirene"]
    assert set(labels["refusal_grounds"]) == set("abcdefgh")


async def test_static_files_are_served(client: httpx.AsyncClient) -> None:
    page = await parse(client, "/requests/new")
    sources = [attrs["src"] for tag, attrs in page.elements if tag == "script" and attrs.get("src")]
    assert len(sources) == 1
    assert sources[0].startswith("/static/js/new.js?v=")
    for path in [sources[0], "/static/js/common.js", "/static/css/app.css"]:
        response = await client.get(path)
        assert response.status_code == 200, path
    assert (await client.get("/static/js/missing.js")).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/no-such-page", "/requests/not-a-uuid", "/requests/12345", "/inbound/12345", "/cases/12345"],
)
async def test_a_browser_gets_a_page_for_an_address_that_does_not_exist(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers=BROWSER)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
    assert 'href="/"' in response.text  # a way back
    parser = Elements()
    parser.feed(response.text)
    assert not [attrs for tag, attrs in parser.elements if tag == "script" and attrs.get("src")]


@pytest.mark.parametrize("path", ["/v1/requests/not-a-uuid", "/v1/no-such-endpoint"])
async def test_the_api_keeps_answering_problems_to_browsers(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers=BROWSER)
    assert response.status_code in {404, 422}
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_program_asking_for_json_still_gets_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_every_page_names_its_icon_and_the_icon_is_served(
    client: httpx.AsyncClient,
) -> None:
    for path in PAGES:
        page = await parse(client, path)
        icons = [attrs for tag, attrs in page.elements if tag == "link" and attrs["rel"] == "icon"]
        assert [icon["href"].split("?")[0] for icon in icons] == ["/static/favicon.svg"], path
    for path in ["/static/favicon.svg", "/favicon.ico"]:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.text.startswith("<svg")


async def render_sign_in(database_url: str, directory: Path, **overrides: Any) -> Elements:
    production = {"env": "production", **production_identity_provider(directory), **overrides}
    app = create_app(make_settings(database_url, **production), migrate=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await parse(http, "/sign-in")


async def test_production_sign_in_uses_the_configured_identity_provider(
    database_url: str, tmp_path: Path
) -> None:
    page = await render_sign_in(
        database_url,
        tmp_path,
        oidc_authorize_url="https://idp.example/authorize",
        oidc_token_url="https://idp.example/token",
        oidc_client_id="oss-router-desk",
    )
    ids = {attrs.get("id"): attrs for _, attrs in page.elements}
    assert "dev-sign-in" not in ids  # no development issuer in production
    assert "oidc-sign-in" in ids
    assert ids["oidc"]["data-authorize-url"] == "https://idp.example/authorize"
    assert ids["oidc"]["data-client-id"] == "oss-router-desk"


async def test_production_sign_in_without_a_provider_says_what_to_configure(
    database_url: str, tmp_path: Path
) -> None:
    page = await render_sign_in(database_url, tmp_path)
    ids = {attrs.get("id") for _, attrs in page.elements}
    assert "oidc-sign-in" not in ids
    assert "dev-sign-in" not in ids
