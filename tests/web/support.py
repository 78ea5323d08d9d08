"""Helpers of the browser tests that need the API as the signed-in page sees it."""

from typing import Any

from playwright.sync_api import Page

_FETCH = """async ([path, method, body]) => {
  const session = JSON.parse(sessionStorage.getItem("oss-router.session"));
  const headers = { Authorization: "Bearer " + session.token, Accept: "application/json" };
  if (body !== null) headers["Content-Type"] = "application/json";
  const sent = body === null ? undefined : JSON.stringify(body);
  const response = await fetch(path, { method, headers, body: sent });
  return { status: response.status, body: await response.json().catch(() => null) };
}"""


def api(page: Page, path: str, method: str = "GET", body: Any = None) -> dict[str, Any]:
    """Calls the API with the page's own token: ``{"status", "body"}``."""
    result: dict[str, Any] = page.evaluate(_FETCH, [path, method, body])
    return result
