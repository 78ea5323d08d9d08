"""Case files in Debian's chromium (issue 15), against the real API: the case list with its
filters and keyset "more", a new case, the case page (details, close with a reason, reopen,
what is filed in it, its one timeline), "add to case" from a request we sent and from one
received (the related-requests match suggesting a case), and the search box in the header."""

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.support.payloads import request_body
from tests.web.conftest import screenshot, sign_in
from tests.web.support import api
from tests.web.test_desk_browser import PURPOSE, fill_person, submit, tab_to
from tests.web.test_inbound_browser import WANTED, register

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]
CASE_URL = re.compile(r".*/cases/([0-9a-f-]{36})$")


def token(prefix: str = "zq") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def new_case(page: Page, **overrides: Any) -> dict[str, Any]:
    body = {"title": f"Smuggling ring {token()}", "reference": token("NCR-").upper()}
    body.update(overrides)
    result = api(page, "/v1/cases", "POST", body)
    assert result["status"] == 201, result
    created: dict[str, Any] = result["body"]
    return created


def new_request(page: Page, **overrides: Any) -> dict[str, Any]:
    result = api(page, "/v1/requests", "POST", request_body(**overrides))
    assert result["status"] in {201, 202}, result
    created: dict[str, Any] = result["body"]
    return created


def test_a_case_is_opened_closed_with_a_reason_and_reopened(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "case.officer")
    page.get_by_role("link", name="Cases").click()
    page.wait_for_url("**/cases")
    page.get_by_role("link", name="New case").click()
    page.wait_for_url("**/cases/new")
    reference = token("BKA-").upper()
    page.get_by_label("Title").fill("Cigarette smuggling over the A4")
    page.get_by_label("National case reference").fill(reference)
    page.get_by_label("Crime area").select_option("other")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(CASE_URL)
    expect(page.locator("#case-title")).to_contain_text(reference)
    expect(page.locator("#case-title")).to_contain_text("Cigarette smuggling over the A4")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "open")
    expect(page.locator("#facts")).to_contain_text("case.officer")
    expect(page.locator("#timeline-rows tr[data-source='case']").first).to_be_visible()

    # Closing needs a reason: the API's 422 is shown at the field.
    page.get_by_role("button", name="Close the case…").click()
    page.get_by_role("button", name="Confirm closing").click()
    error = page.locator("#close-form [data-field='reason'] .field-error")
    expect(error).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Reason").fill("Prosecution handed the file to the court")
    page.get_by_role("button", name="Confirm closing").click()
    expect(page.locator("#case-status")).to_have_attribute("data-status", "closed")
    expect(page.locator("#facts")).to_contain_text("Prosecution handed the file to the court")
    expect(page.locator("#timeline-rows")).to_contain_text("closed")
    page.get_by_role("button", name="Reopen the case").click()
    expect(page.locator("#case-status")).to_have_attribute("data-status", "open")
    expect(page.locator("#timeline-rows")).to_contain_text("reopened")
    screenshot(page, "case-page", full_page=True)

    # The same reference again: the API's 409 names the field, shown there.
    page.goto("/cases/new")
    page.get_by_label("Title").fill("Another matter")
    page.get_by_label("National case reference").fill(reference)
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("[data-field='reference'] .field-error")).to_be_visible()
    expect(page.locator("#form-errors")).to_be_visible()
    assert CASE_URL.match(page.url) is None


def test_the_case_list_filters_and_reads_more_along_the_cursor(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "list.officer")
    word = token()
    made = [new_case(page, title=f"Batch {word} {index}") for index in range(27)]
    closed = made[3]
    result = api(page, f"/v1/cases/{closed['id']}/close", "POST", {"reason": "Done"})
    assert result["status"] == 200, result
    page.goto("/cases?owner=me")
    expect(page.get_by_label("Opened by me")).to_be_checked()
    rows = page.locator("#case-rows tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_have_attribute("data-case-id", made[-1]["id"])  # newest first
    page.get_by_role("button", name="Show more cases").click()
    expect(rows).to_have_count(27)
    expect(page.get_by_role("button", name="Show more cases")).to_be_hidden()
    page.get_by_label("Status").select_option("closed")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-case-id", closed["id"])
    assert "status=closed" in page.url
    assert "owner=me" in page.url
    # Another officer's cases are not "mine".
    other = new_page()
    sign_in(other, "officer", "list.other")
    other.goto("/cases?owner=me")
    expect(other.locator("#cases-empty")).to_be_visible()
    # A case opens from its row.
    page.get_by_role("link", name=closed["reference"]).click()
    page.wait_for_url(f"**/cases/{closed['id']}")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "closed")


def test_a_sent_request_is_added_to_a_case_and_a_case_is_opened_from_one(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "file.officer")
    case = new_case(page)
    sent = new_request(page)
    page.goto(f"/requests/{sent['id']}")
    page.get_by_label("Case", exact=True).select_option(case["id"])
    page.get_by_role("button", name="File it in this case").click()
    expect(page.locator("#case-filed")).to_contain_text(case["reference"])
    # Filing it again: the API refuses (it is in a case already), said in the form.
    page.get_by_role("button", name="File it in this case").click()
    expect(page.locator("#case-pick-form .form-error")).to_contain_text("Not possible now")
    page.locator("#case-filed-link").click()
    page.wait_for_url(f"**/cases/{case['id']}")
    link = page.locator(f"#links li[data-request-id='{sent['id']}']")
    expect(link).to_be_visible()
    expect(page.locator("#timeline-rows tr[data-source='request']").first).to_be_visible()
    # Take it out again, then open a new case from another request.
    link.get_by_role("button").click()
    expect(page.locator(f"#links li[data-request-id='{sent['id']}']")).to_have_count(0)

    second = new_request(page)
    page.goto(f"/requests/{second['id']}")
    page.get_by_role("link", name="Open a new case from this request").click()
    page.wait_for_url(re.compile(r".*/cases/new\?request_id=.*"))
    expect(page.locator("#case-from")).to_contain_text(second["id"][:8])
    page.get_by_label("Title").fill("Opened from a request")
    page.get_by_label("National case reference").fill(token("NCR-").upper())
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(CASE_URL)
    expect(page.locator(f"#links li[data-request-id='{second['id']}']")).to_be_visible()


def test_a_received_request_is_filed_in_the_case_its_related_request_is_in(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "suggest.officer")
    family = "Wiśniewski" + uuid.uuid4().hex[:4]
    subject = {**WANTED, "family_name": family}
    first = register(page, subject=subject)
    case = new_case(page, inbound_id=first["id"])
    second = register(page, subject=subject)
    page.goto(f"/inbound/{second['id']}")
    suggested = page.locator(f"#case-suggested-form li[data-suggested-case='{case['id']}']")
    expect(suggested).to_be_visible()
    suggested.get_by_role("button", name=f"File it in case {case['reference']}").click()
    expect(page.locator("#case-filed")).to_contain_text(case["reference"])
    page.goto(f"/cases/{case['id']}")
    expect(page.locator(f"#links li[data-inbound-id='{second['id']}']")).to_be_visible()
    expect(page.locator("#timeline-rows tr[data-source='inbound']").first).to_be_visible()


def test_the_header_search_finds_cases_and_requests_and_reads_more(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "search.officer")
    word = token()
    cases = [new_case(page, title=f"Ring {word} {index}") for index in range(27)]
    page.goto("/inbound")
    box = page.get_by_role("searchbox", name="Search everything")
    box.fill(word)
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=" + word))
    results = page.locator("#search-results li")
    expect(results).to_have_count(25)
    expect(results.first).to_have_attribute("data-type", "case")
    expect(results.first.locator(".tag")).to_have_text("Case")
    page.get_by_role("button", name="Show more results").click()
    expect(results).to_have_count(27)
    expect(page.get_by_role("button", name="Show more results")).to_be_hidden()
    page.get_by_role("link", name=f"Ring {word} 0").first.click()
    page.wait_for_url(f"**/cases/{cases[0]['id']}")
    # A received request by its subject's name without diacritics.
    family = "Zielińsk" + uuid.uuid4().hex[:4]
    received = register(page, subject={**WANTED, "family_name": family})
    page.get_by_role("searchbox", name="Search everything").fill(family.replace("ń", "n"))
    page.get_by_role("searchbox", name="Search everything").press("Enter")
    item = page.locator(f"#search-results li[data-id='{received['id']}']")
    expect(item).to_have_attribute("data-type", "inbound")
    item.get_by_role("link").click()
    page.wait_for_url(f"**/inbound/{received['id']}")


def test_an_auditor_has_no_cases_link_and_no_search_box(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "auditor", "case.auditor")
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()
    expect(page.get_by_role("link", name="Cases")).to_be_hidden()
    expect(page.get_by_role("searchbox", name="Search everything")).to_be_hidden()
    page.goto("/cases")
    page.wait_for_url("**/audit")


def test_a_new_request_is_sent_in_a_case_from_the_case_page(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "case.sender")
    case = new_case(page)
    page.goto(f"/cases/{case['id']}")
    page.get_by_role("link", name="New request in this case").click()
    page.wait_for_url(re.compile(r".*/requests/new\?case_id=.*"))
    expect(page.get_by_label("File in a case")).to_have_value(case["id"])
    fill_person(page)
    page.get_by_label("Target countries").fill("DE")
    page.get_by_label("Purpose").fill(PURPOSE)
    request_id = submit(page)
    page.goto(f"/cases/{case['id']}")
    expect(page.locator(f"#links li[data-request-id='{request_id}']")).to_be_visible()


def test_a_pccc_sees_its_own_units_cases_only(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "pccc", "pccc.one", unit="pccc-swiecko")
    own = new_case(page)
    page.goto("/cases")
    expect(page.locator(f"#case-rows tr[data-case-id='{own['id']}']")).to_be_visible()
    other = new_page()
    sign_in(other, "pccc", "pccc.two", unit="pccc-kudowa")
    other.goto("/cases")
    expect(other.locator("#cases-summary")).to_contain_text("shown")
    expect(other.locator(f"#case-rows tr[data-case-id='{own['id']}']")).to_have_count(0)
    other.goto(f"/cases/{own['id']}")
    expect(other.locator("#detail-error")).to_contain_text("No such case")
    expect(other.get_by_role("button", name="Send spontaneous information…")).to_be_hidden()


def test_a_case_is_opened_and_closed_with_the_keyboard_alone(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "case.keys")
    page.goto("/cases/new")
    expect(page.get_by_label("Title")).to_be_focused()  # the form starts at its first field
    page.keyboard.type("Counterfeit documents, Terespol crossing")
    page.keyboard.press("Tab")
    page.keyboard.type(token("KB-").upper())
    page.keyboard.press("Enter")  # sends the form
    page.wait_for_url(CASE_URL)
    tab_to(page, "Close the case…")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Reason")).to_be_focused()
    page.keyboard.type("Merged into another case")
    tab_to(page, "Confirm closing", limit=5)
    page.keyboard.press("Enter")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "closed")


def test_the_case_list_follows_cases_opened_and_closed_elsewhere(new_page: OpenPage) -> None:
    """Another officer opens a case, then closes it: the list shows both without a reload
    (``case`` notices on the live stream)."""
    page = new_page()
    sign_in(page, "officer", "live.list")
    page.goto("/cases")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    other = new_page()
    sign_in(other, "officer", "live.other")
    opened = new_case(other, title=f"Live ring {token()}")
    row = page.locator(f"#case-rows tr[data-case-id='{opened['id']}']")
    expect(row).to_have_count(1)
    closed = api(other, f"/v1/cases/{opened['id']}/close", "POST", {"reason": "Solved."})
    assert closed["status"] == 200, closed
    expect(row).to_contain_text("Closed")
