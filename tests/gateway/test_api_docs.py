"""``/docs`` works on a network without Internet: Swagger UI comes from this host."""

import re

import httpx
import pytest
from fastapi import FastAPI

from oss_router.app import create_app
from tests.conftest import make_settings


@pytest.fixture
async def docs_client() -> httpx.AsyncClient:
    app: FastAPI = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_the_docs_page_references_no_other_host(docs_client: httpx.AsyncClient) -> None:
    async with docs_client as http:
        page = await http.get("/docs")
        assert page.status_code == 200
        assert "//" not in re.sub(r"<!doctype html>", "", page.text, flags=re.IGNORECASE)
        references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert len(references) == 4, references
        for url in references:
            asset = await http.get(url)
            assert asset.status_code == 200, url
            assert asset.content, url


async def test_the_docs_page_runs_without_inline_script(docs_client: httpx.AsyncClient) -> None:
    async with docs_client as http:
        page = await http.get("/docs")
        init = await http.get("/docs/swagger-init.js")

    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "http" not in policy
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", page.text) == []
    assert "SwaggerUIBundle(" in init.text
    assert init.headers["content-type"].startswith("text/javascript")


async def test_redoc_is_not_offered(docs_client: httpx.AsyncClient) -> None:
    async with docs_client as http:
        assert (await http.get("/redoc")).status_code == 404
