"""The desk officers' screens in Debian's chromium: sign in, create, watch live, fix, cancel."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.web.conftest import WALL, screenshot, sign_in

pytestmark = pytest.mark.browser

DETAIL_URL = re.compile(r".*/requests/([0-9a-f-]{36})$")
PURPOSE = "Investigation of an organised vehicle theft ring, case 2026/114"
LOCI = "D3S1358: 15, 17\nvWA: 16, 18\nFGA: 21, 24\nD8S1179: 13, 14\nD21S11: 29, 30\nD18S51: 14, 16"

OpenPage = Callable[..., Page]


def fill_person(page: Page, **values: str) -> None:
    page.get_by_label("Person", exact=True).check()
    page.get_by_label("Family name").fill(values.get("family_name", "Kowalski"))
    page.get_by_label("Given names").fill(values.get("given_names", "Jan Maria"))
    page.get_by_label("Date of birth").fill(values.get("date_of_birth", "1980-02-17"))


def fill_vehicle(page: Page, **_: str) -> None:
    page.get_by_label("Vehicle", exact=True).check()
    page.get_by_label("VIN").fill("WVWZZZ1JZXW000001")
    page.get_by_label("Make").fill("Volkswagen")


def fill_document(page: Page, **_: str) -> None:
    page.get_by_label("Document", exact=True).check()
    page.get_by_label("Document type").select_option("passport")
    page.get_by_label("Document number").fill("EA1234567")
    page.get_by_label("Issuing country").fill("PL")


def fill_dna(page: Page, **_: str) -> None:
    page.get_by_label("DNA profile", exact=True).check()
    page.get_by_label("Profile reference").fill("PL-DNA-2026-0042")
    page.get_by_label("Sample type").select_option("crime_scene")
    page.get_by_label("Loci").fill(LOCI)


FILLERS: dict[str, Callable[..., None]] = {
    "person": fill_person,
    "vehicle": fill_vehicle,
    "document": fill_document,
    "dna": fill_dna,
}
# One target set per kind, so that the queue shows every channel at work.
ROUTES: dict[str, dict[str, Any]] = {
    "person": {"targets": "DE, TR"},
    "vehicle": {"targets": "CZ", "border_area": True},
    "document": {"targets": "US"},
    "dna": {"targets": "FR", "sis_alert_id": "FR-SIS-0042"},
}


def compose(page: Page, kind: str, targets: str, **extra: Any) -> None:
    page.goto("/requests/new")
    FILLERS[kind](page, **extra)
    page.get_by_label("Target countries").fill(targets)
    if extra.get("border_area"):
        page.get_by_label("Local matter of the border region").check()
    if extra.get("sis_alert_id"):
        page.get_by_label("SIS alert or hit followed up").fill(extra["sis_alert_id"])
    if extra.get("reference"):
        page.get_by_label("Your case reference").fill(extra["reference"])
    if extra.get("urgency_ground"):
        page.get_by_label("Urgent", exact=True).check()
        page.get_by_label("Ground of urgency").select_option(extra["urgency_ground"])
        page.get_by_label("Access to the information").select_option("direct")
    page.get_by_label("Purpose").fill(PURPOSE)


def submit(page: Page) -> str:
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(DETAIL_URL)
    match = DETAIL_URL.match(page.url)
    assert match is not None
    return match.group(1)


def create(page: Page, kind: str, **extra: Any) -> str:
    route = {**ROUTES[kind], **extra}
    compose(page, kind, route.pop("targets"), **route)
    return submit(page)


def queue_row(page: Page, request_id: str) -> Any:
    return page.locator(f"#queue-rows tr[data-request-id='{request_id}']")


def tab_to(page: Page, name: str, limit: int = 30) -> None:
    """Press Tab until the focused element's text or label is ``name`` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => (document.activeElement.getAttribute('aria-label')"
            " || document.activeElement.textContent || '').trim()"
        )
        if focused == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with the Tab key")


def test_the_screens_work_with_the_keyboard_alone(new_page: OpenPage) -> None:
    page = new_page()
    page.goto("/sign-in")
    tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    tab_to(page, "New request")
    page.keyboard.press("Enter")
    page.wait_for_url("**/requests/new")
    tab_to(page, "Send request", limit=60)
    focus_ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert focus_ring == "solid"  # the focused control is visibly marked
    page.keyboard.press("Enter")
    expect(page.locator("#form-errors")).to_be_focused()  # errors come to the keyboard user


def test_sign_in_leads_to_the_queue(new_page: OpenPage) -> None:
    page = new_page()
    page.goto("/")
    page.wait_for_url("**/sign-in?next=%2F")  # no session: off to sign in first
    screenshot(page, "sign-in")
    sign_in(page, "supervisor", "sup.nowak")
    expect(page.get_by_role("heading", name="Request queue")).to_be_visible()
    expect(page.locator("#live-state")).to_have_text("Live")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")


def test_each_kind_created_through_the_form_is_answered_on_the_queue_live(
    new_page: OpenPage,
) -> None:
    watcher = new_page()
    sign_in(watcher)
    expect(watcher.locator("#live-state")).to_have_text("Live")
    watcher.evaluate("window.__notReloaded = true")
    author = new_page()
    sign_in(author)
    created = {kind: create(author, kind) for kind in FILLERS}
    # One urgent request the channel keeps busy, so that the queue also shows open work.
    urgent = create(
        author,
        "person",
        targets="DE",
        reference="stub:slow=20000",
        urgency_ground="life_or_physical_integrity",
    )
    for kind, request_id in created.items():
        row = queue_row(watcher, request_id)
        expect(row).to_have_attribute("data-status", "answered")
        expect(row.locator(".status-cell")).to_contain_text("Answered")
        expect(row).to_contain_text(
            {"person": "KOWALSKI", "vehicle": "WVWZZZ1JZXW000001", "document": "EA1234567"}.get(
                kind, "PL-DNA-2026-0042"
            )
        )
    open_row = queue_row(watcher, urgent)
    expect(open_row).to_have_attribute("data-status", "in_progress")
    expect(open_row.locator(".deadline")).to_contain_text(re.compile(r"^7h \d\dm left$"))
    assert watcher.evaluate("window.__notReloaded") is True  # updated in place, never reloaded
    channels = watcher.locator("#queue-rows .channel").all_inner_texts()
    assert {"Europol SIENA", "Liaison officer", "PCCC", "Interpol I-24/7", "SIRENE (SIS)"} <= set(
        channels
    )
    screenshot(watcher, "queue", readme=True)
    watcher.set_viewport_size(WALL)
    screenshot(watcher, "queue-wall-screen")
    author.goto(f"/requests/{created['person']}")
    expect(author.locator("#request-status")).to_have_attribute("data-status", "answered")
    expect(author.locator("#dispatch-rows tr")).to_have_count(2)
    expect(author.locator("#timeline-rows")).to_contain_text("created")
    screenshot(author, "request-detail", full_page=True)


def test_a_server_validation_error_is_shown_at_its_field(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page)
    compose(page, "person", "DE", date_of_birth="1980-13-45")
    page.get_by_role("button", name="Send request").click()
    field = page.locator("[data-field='subject.date_of_birth']")
    expect(field.locator(".field-error")).to_contain_text("not a valid date")
    expect(page.get_by_label("Date of birth")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-errors")).to_be_focused()  # the summary is announced first
    assert page.url.endswith("/requests/new")  # nothing was created
    expect(page.locator("#preview-rows tr")).to_have_count(1)  # routing shown all the same
    screenshot(page, "new-request-error", full_page=True)
    page.get_by_label("Date of birth").fill("1980-02-17")
    request_id = submit(page)
    assert request_id


def test_the_routing_preview_follows_the_target_country(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page)
    compose(page, "person", "DE")
    preview = page.locator("#preview-rows tr")
    expect(preview).to_have_count(1)
    expect(preview.first).to_have_attribute("data-channel", "europol")
    expect(preview.first).to_have_attribute("data-rule", "R3")
    expect(preview.first).to_contain_text("Directive (EU) 2023/977")
    page.get_by_label("Target countries").fill("TR")
    expect(preview.first).to_have_attribute("data-country", "TR")
    expect(preview.first).to_have_attribute("data-channel", "liaison_officer")
    expect(preview.first).to_have_attribute("data-rule", "R4")
    finder = page.get_by_label("Find a country")
    finder.fill("CZ")
    finder.dispatch_event("change")  # what picking a suggestion does
    expect(page.get_by_label("Target countries")).to_have_value("TR, CZ")
    expect(page.locator("#target-names")).to_have_text("TR Türkiye · CZ Czechia")
    page.get_by_label("Target countries").fill("TR, CZ, US")
    page.get_by_label("Crime area").select_option("motor_vehicle_crime")
    expect(preview).to_have_count(3)
    expect(page.locator("#preview-rows tr[data-country='US']")).to_have_attribute("data-rule", "R5")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "new-request", readme=True, full_page=True)
    page.get_by_label("Target countries").fill("PL")
    expect(page.locator("#preview-state")).to_contain_text("Cannot be routed")


def test_what_our_registers_hold_is_shown_before_and_after_sending(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page)
    # Typed without diacritics; the wanted persons register holds Łukasz Wiśniewski.
    compose(
        page, "person", "DE", family_name="WISNIEWSKI", given_names="Lukasz",
        date_of_birth="1987-04-12",
    )  # fmt: skip
    known = page.locator("#known-to-us")
    hit = known.locator(".register-hit[data-record='PL-WP-2025-000117']")
    expect(hit).to_contain_text("Wanted persons")
    expect(hit).to_contain_text("European arrest warrant")
    expect(known.locator(".known-clean")).to_contain_text("Missing persons")
    screenshot(page, "new-request-known-to-us", full_page=True)
    page.get_by_label("Family name").fill("Kowalski")  # another person: nothing known
    expect(known.locator(".register-hit")).to_have_count(0)
    expect(known.locator(".known-clean")).to_contain_text("Wanted persons")
    page.get_by_label("Family name").fill("Wiśniewski")
    expect(hit).to_be_visible()
    submit(page)
    detail = page.locator("#known-to-us .register-hit[data-record='PL-WP-2025-000117']")
    expect(detail).to_contain_text("Match: name and birth date")
    expect(page.locator("#known-to-us")).to_contain_text("directly accessible to us")
    screenshot(page, "request-known-to-us", full_page=True)


def test_cancel_with_a_reason(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page)
    request_id = create(page, "person", reference="stub:slow=30000")
    expect(page.locator("#request-status")).to_have_attribute(
        "data-status", re.compile("queued|dispatched|in_progress")
    )
    page.get_by_role("button", name="Cancel request").click()
    page.get_by_role("button", name="Confirm cancellation").click()
    expect(page.locator("[data-field='reason'] .field-error")).to_be_visible()  # reason needed
    page.get_by_label("Reason").fill("Subject located by the national police")
    page.get_by_role("button", name="Confirm cancellation").click()
    expect(page.locator("#request-status")).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#dispatch-rows tr[data-status='cancelled']")).to_have_count(2)
    expect(page.locator("#timeline-rows")).to_contain_text("Subject located")
    expect(page.get_by_role("button", name="Cancel request")).to_be_hidden()
    screenshot(page, "request-cancelled", full_page=True)
    page.goto("/?status=cancelled")
    expect(queue_row(page, request_id)).to_have_attribute("data-status", "cancelled")


def test_a_pccc_never_sees_another_units_requests(new_page: OpenPage) -> None:
    officer, swiecko, slubice = new_page(), new_page(), new_page()
    sign_in(officer)
    desk_request = create(officer, "vehicle")
    sign_in(swiecko, "pccc", "pccc.swiecko", "pccc-swiecko")
    own_request = create(swiecko, "vehicle")
    sign_in(slubice, "pccc", "pccc.slubice", "pccc-slubice")
    slubice_request = create(slubice, "document")
    for page, visible, hidden in (
        (swiecko, own_request, [desk_request, slubice_request]),
        (slubice, slubice_request, [desk_request, own_request]),
    ):
        page.goto("/")
        expect(queue_row(page, visible)).to_have_count(1)
        for other in hidden:
            expect(queue_row(page, other)).to_have_count(0)
            page.goto(f"/requests/{other}")
            expect(page.locator("#detail-error")).to_contain_text("No such request")
            page.goto("/")
    officer.goto("/")
    for request_id in (desk_request, own_request, slubice_request):
        expect(queue_row(officer, request_id)).to_have_count(1)


def test_a_supervisor_reroutes_a_dispatch_with_a_reason(new_page: OpenPage) -> None:
    officer = new_page()
    sign_in(officer)
    request_id = create(
        officer, "person", targets="DE", reference="stub:slow=8000"
    )  # time to re-route it
    expect(officer.get_by_role("button", name="Re-route DE")).to_have_count(0)  # officers cannot
    supervisor = new_page()
    sign_in(supervisor, "supervisor", "sup.nowak")
    supervisor.goto(f"/requests/{request_id}")
    supervisor.get_by_role("button", name="Re-route DE").click()
    offered = (
        supervisor.get_by_label("New channel")
        .locator("option")
        .evaluate_all("options => options.map(o => o.value)")
    )
    assert "sirene" not in offered  # not eligible without an SIS alert: not even offered
    assert "europol" not in offered  # its own channel
    supervisor.get_by_label("New channel").select_option("interpol")
    supervisor.get_by_label("Reason for re-routing").fill("SIENA outage at the DE SPOC")
    supervisor.get_by_role("button", name="Confirm re-routing").click()
    rows = supervisor.locator("#dispatch-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-status", "cancelled")
    expect(rows.nth(1)).to_have_attribute("data-channel", "interpol")
    expect(rows.nth(1)).to_contain_text("OVERRIDE")
    expect(supervisor.locator("#timeline-rows")).to_contain_text("SIENA outage at the DE SPOC")
    expect(supervisor.locator("#request-status")).to_have_attribute("data-status", "answered")
    screenshot(supervisor, "request-rerouted", full_page=True)
