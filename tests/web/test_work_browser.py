"""The officer's work is not lost or hidden (issue 11 items 10, 11, 13, 14 and 17)."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Response, expect
from tests.web.conftest import screenshot, sign_in
from tests.web.support import api
from tests.web.test_desk_browser import DETAIL_URL, compose, create, fill_person, queue_row, submit

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]
SECONDS_AND_ZONE = re.compile(r"\d{2}:\d{2}:\d{2} [A-Z][A-Za-z0-9+:-]*$")


def test_a_failed_dispatch_is_shown_and_a_supervisor_retries_it(new_page: OpenPage) -> None:
    officer = new_page()
    sign_in(officer)
    request_id = create(officer, "person", targets="DE", reference="stub:permanent")
    expect(officer.locator("#request-status")).to_contain_text("Failed · needs action")
    officer.goto("/")
    row = queue_row(officer, request_id)
    badge = row.locator(".status-cell")
    expect(badge).to_have_text("⚠Failed · needs action")  # icon and words, not colour alone
    expect(row).to_have_attribute("data-needs-action", "true")
    officer.get_by_label("Status").select_option("failed")
    expect(queue_row(officer, request_id)).to_have_count(1)
    expect(
        officer.locator("#queue-rows tr[data-status]:not([data-status='failed'])")
    ).to_have_count(0)
    officer.goto(f"/requests/{request_id}")
    expect(officer.get_by_role("button", name="Retry DE")).to_have_count(0)  # supervisors only
    supervisor = new_page()
    sign_in(supervisor, "supervisor", "sup.retry")
    supervisor.goto(f"/requests/{request_id}")
    read = api(supervisor, f"/v1/requests/{request_id}")["body"]
    failed = read["dispatches"][0]
    supervisor.get_by_role("button", name="Re-route DE").click()
    offered = (
        supervisor.get_by_label("New channel")
        .locator("option")
        .evaluate_all("options => options.map(o => o.value)")
    )
    assert offered == failed["reroute_channels"]  # only the eligible channels
    assert failed["channel"] not in offered
    supervisor.get_by_role("button", name="Keep the route").click()
    screenshot(supervisor, "request-failed", full_page=True)
    assert failed["retry_allowed"] is True
    supervisor.get_by_role("button", name="Retry DE").click()
    supervisor.get_by_role("button", name="Confirm retry").click()
    expect(supervisor.locator("[data-field='reason'] .field-error")).to_be_visible()  # needed
    supervisor.get_by_label("Reason for the retry").fill("SIENA is back up at the DE SPOC")
    supervisor.get_by_role("button", name="Confirm retry").click()
    expect(supervisor.locator("#timeline-rows")).to_contain_text("SIENA is back up")
    # The same dispatch goes again through its channel (decision 0018), no new row.
    expect(supervisor.locator("#dispatch-rows tr")).to_have_count(1)


def test_find_a_country_by_name_and_enter_adds_it(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page)
    page.goto("/requests/new")
    fill_person(page)
    finder = page.get_by_label("Find a country")
    targets = page.get_by_label("Target countries")
    for typed, expected in (("germany", "DE"), ("Czech", "DE, CZ"), ("turkiye", "DE, CZ, TR")):
        finder.fill(typed)
        finder.press("Enter")
        expect(targets).to_have_value(expected)
    finder.fill("Zzz")
    finder.press("Enter")
    expect(page.locator("#add-country-hint")).to_contain_text("No single country")
    expect(targets).to_have_value("DE, CZ, TR")
    expect(page.locator("#form-errors")).to_be_hidden()  # Enter did not send the form
    assert page.url.endswith("/requests/new")


def test_an_expired_session_keeps_the_draft_says_why_and_remembers_the_user(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.kowalska")
    compose(page, "person", "DE, TR", date_of_birth="1979-03-04")
    expect(page.locator("#preview-rows tr")).to_have_count(2)
    # The identity provider's token runs out: the next call is answered 401.
    page.evaluate(
        """() => {
      const s = JSON.parse(sessionStorage.getItem("oss-router.session"));
      sessionStorage.setItem("oss-router.session", JSON.stringify({ ...s, token: "expired" }));
    }"""
    )
    page.get_by_label("Given names").fill("Anna")
    page.wait_for_url(re.compile(r".*/sign-in\?.*reason=expired"))
    expect(page.locator("#signin-notice")).to_contain_text("Your session has expired")
    expect(page.locator("#signin-notice")).to_contain_text("unsent request is kept")
    expect(page.get_by_label("User name")).to_have_value("desk.kowalska")
    expect(page.get_by_label("Role")).to_have_value("officer")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/requests/new")
    expect(page.locator("#draft-notice")).to_be_visible()
    expect(page.get_by_label("Family name")).to_have_value("Kowalski")
    expect(page.get_by_label("Given names")).to_have_value("Anna")
    expect(page.get_by_label("Date of birth")).to_have_value("1979-03-04")
    expect(page.get_by_label("Target countries")).to_have_value("DE, TR")
    expect(page.locator("#preview-rows tr")).to_have_count(2)
    submit(page)
    page.goto("/requests/new")  # sent: the draft is gone
    expect(page.locator("#draft-notice")).to_be_hidden()
    expect(page.get_by_label("Family name")).to_have_value("")
    # An expiry noticed by the page itself (the token's lifetime) says why too.
    page.evaluate(
        """() => {
      const s = JSON.parse(sessionStorage.getItem("oss-router.session"));
      sessionStorage.setItem("oss-router.session", JSON.stringify({ ...s, expiresAt: 1 }));
    }"""
    )
    page.goto("/")
    page.wait_for_url(re.compile(r".*/sign-in\?.*reason=expired"))
    expect(page.get_by_label("User name")).to_have_value("desk.kowalska")


def test_the_preview_waits_for_a_whole_code_and_routes_every_good_target(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page)
    compose(page, "person", "DE")
    state = page.locator("#preview-state")
    targets = page.get_by_label("Target countries")
    targets.press("End")
    targets.press_sequentially(", F")
    page.wait_for_timeout(800)  # longer than the preview's delay: it has run
    expect(state).not_to_have_class(re.compile("alert-error"))  # no shouting mid-code
    expect(page.locator("#preview-rows tr")).to_have_count(1)
    targets.press_sequentially("R, PL, TR")
    rows = page.locator("#preview-rows tr")
    expect(rows).to_have_count(4)  # one bad target (PL, the home country) hides no other
    assert [row.get_attribute("data-country") for row in rows.all()] == ["DE", "FR", "PL", "TR"]
    expect(page.locator("#preview-rows tr[data-refused='true']")).to_have_attribute(
        "data-country", "PL"
    )
    expect(page.locator("#preview-rows tr[data-country='TR']")).to_have_attribute(
        "data-channel", "liaison_officer"
    )
    expect(state).to_contain_text("3 dispatches would be sent; 1 target cannot be routed")
    screenshot(page, "new-request-one-bad-target", full_page=True)


def test_server_messages_come_in_the_order_of_the_form(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page)
    page.goto("/requests/new")
    page.get_by_role("button", name="Send request").click()
    items = page.locator("#form-errors-list li")
    expect(items.first).to_be_visible()
    fields = [text.split(":")[0] for text in items.all_inner_texts()]
    order = ["Family name", "Target countries", "Purpose"]
    assert [field for field in fields if field in order] == order


def test_timeline_seconds_duplicate_link_error_page_and_no_console_404(
    new_page: OpenPage,
) -> None:
    page = new_page()
    missing: list[str] = []

    def note(response: Response) -> None:
        if response.status == 404:
            missing.append(response.url)

    page.on("response", note)
    sign_in(page)
    first = create(page, "person", targets="DE", reference="stub:slow=20000")
    times = page.locator("#timeline-rows tr td:first-child")
    expect(times.first).to_have_text(SECONDS_AND_ZONE)
    compose(page, "person", "DE")
    link = page.locator("#preview-warnings li[data-code='possible_duplicate'] a")
    expect(link).to_have_attribute("href", f"/requests/{first}")
    second = submit(page)
    assert second != first
    page.locator("#facts a[data-warned-request]").click()
    page.wait_for_url(DETAIL_URL)
    assert page.url.endswith(first)
    assert missing == []  # the favicon too: no 404 in any page's console
    for address in ("/requests/not-a-request-id", "/no-such-page"):
        response = page.goto(address)
        assert response is not None
        assert response.status == 404
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        assert response.headers["content-type"].startswith("text/html")
    page.goto("/")
    expect(queue_row(page, first)).to_have_count(1)
