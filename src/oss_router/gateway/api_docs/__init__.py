"""The interactive API documentation at ``/docs`` (development only), served from this host.

Swagger UI's JavaScript and CSS come from the ``fastapi-offline`` package (which ships the
swagger-ui dist files), not from a public CDN: on an air-gapped police network a CDN page is
blank. The page has no inline script, so it runs under the strict script policy of the rest of
the service (headers.py). ReDoc is not offered: one documentation page is enough.
"""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
_HERE = Path(__file__).parent
SWAGGER_ASSETS = Path(str(files("fastapi_offline") / "static"))


def install(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    page = (_HERE / "swagger.html").read_text(encoding="utf-8")
    html = page.replace("{{ assets }}", ASSETS_PATH).replace("{{ openapi_url }}", openapi_url)

    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html)

    async def swagger_init() -> FileResponse:
        return FileResponse(_HERE / "swagger-init.js", media_type="text/javascript")

    app.add_api_route(DOCS_PATH, swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        f"{DOCS_PATH}/swagger-init.js", swagger_init, methods=["GET"], include_in_schema=False
    )
    app.mount(ASSETS_PATH, StaticFiles(directory=SWAGGER_ASSETS), name="docs-assets")
