"""The Incoming screens in Debian's chromium (issue 13): the queue of requests received from
partners, a request's detail, and the registration of one that came by e-mail or phone."""

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.web.conftest import screenshot, sign_in
from tests.web.support import api
from tests.web.test_desk_browser import tab_to

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]
INBOUND_URL = re.compile(r".*/inbound/([0-9a-f-]{36})$")
# A person the stub wanted-persons register holds (adapters/oss_router_registers/data).
WANTED = {"family_name": "Wiśniewski", "given_names": "Łukasz", "date_of_birth": "1987-04-12"}
VEHICLE = {"vin": "WVWZZZ1JZXW000001", "make": "Volkswagen"}


def reference(prefix: str = "DE-BKA") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def register(page: Page, **overrides: Any) -> dict[str, Any]:
    """Registers a received request through ``POST /v1/inbound`` with the page's token."""
    body: dict[str, Any] = {
        "channel": "europol",
        "partner_reference": reference(),
        "requesting_country": "DE",
        "requesting_authority": "Bundeskriminalamt, Wiesbaden",
        "kind": "person",
        "subject": dict(WANTED),
        "purpose": "Suspected member of a fraud ring, case DE 2026/55",
    }
    body.update(overrides)
    result = api(page, "/v1/inbound", "POST", body)
    assert result["status"] == 201, result
    created: dict[str, Any] = result["body"]
    return created


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def inbound_row(page: Page, inbound_id: str) -> Any:
    return page.locator(f"#inbound-rows tr[data-inbound-id='{inbound_id}']")


def test_the_incoming_queue_puts_overdue_first_counts_down_and_filters(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.incoming")
    expect(page.get_by_role("link", name="Incoming")).to_be_visible()
    overdue = register(page, received_at=ago(days=8))  # 7 days under Art. 5(1)(c): overdue
    sirene = register(
        page,
        channel="sirene",
        requesting_country="FR",
        requesting_authority="SIRENE France",
        kind="vehicle",
        subject=dict(VEHICLE),
        partner_reference=reference("FR-SIRENE"),
    )
    fresh = register(page, urgency="urgent", urgency_ground="life_or_physical_integrity")
    page.get_by_role("link", name="Incoming").click()
    page.wait_for_url("**/inbound")
    expect(page.get_by_role("heading", name="Incoming requests")).to_be_visible()
    first = page.locator("#inbound-rows tr").first
    expect(first).to_have_attribute("data-inbound-id", overdue["id"])  # overdue first
    expect(first).to_have_attribute("data-overdue", "true")
    expect(first.locator(".deadline")).to_contain_text(re.compile(r"Overdue by 1d 0\dh"))
    expect(inbound_row(page, fresh["id"]).locator(".deadline")).to_contain_text(
        re.compile(r"^7h \d\dm left$")  # urgent, directly accessible: 8 hours from receipt
    )
    expect(inbound_row(page, sirene["id"]).locator(".deadline")).to_contain_text(
        re.compile(r"^11h \d\dm left$")  # SIRENE: 12 hours
    )
    expect(inbound_row(page, fresh["id"])).to_contain_text("WIŚNIEWSKI, Łukasz (1987-04-12)")
    expect(inbound_row(page, fresh["id"])).to_contain_text("Not assigned")
    screenshot(page, "incoming-queue")
    page.get_by_label("Channel").select_option("sirene")
    expect(inbound_row(page, sirene["id"])).to_have_count(1)
    expect(inbound_row(page, fresh["id"])).to_have_count(0)
    assert "channel=sirene" in page.url  # kept in the address
    page.get_by_role("button", name="Clear filters").click()
    page.get_by_label("Requesting country").fill("FR")
    expect(inbound_row(page, fresh["id"])).to_have_count(0)
    expect(inbound_row(page, sirene["id"])).to_have_count(1)
    page.get_by_role("button", name="Clear filters").click()
    page.get_by_label("Overdue only").check()
    expect(inbound_row(page, overdue["id"])).to_have_count(1)
    expect(page.locator("#inbound-rows tr[data-overdue='false']")).to_have_count(0)
    page.get_by_role("button", name="Clear filters").click()
    page.get_by_label("Mine only").check()
    expect(inbound_row(page, fresh["id"])).to_have_count(0)  # assigned to nobody yet
    page.get_by_role("button", name="Clear filters").click()
    page.locator(f"#inbound-rows tr[data-inbound-id='{fresh['id']}'] a").click()
    page.wait_for_url(INBOUND_URL)


def test_more_pages_along_the_cursor(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.paging")
    country = "LT"  # a filter only this test's requests match
    ids = [
        register(
            page,
            requesting_country=country,
            partner_reference=reference("LT"),
            subject={"family_name": f"Petrauskas{index}", "date_of_birth": "1990-01-01"},
        )["id"]
        for index in range(53)
    ]
    page.goto(f"/inbound?requesting_country={country}")
    rows = page.locator("#inbound-rows tr")
    expect(rows).to_have_count(50)
    page.get_by_role("button", name="Show more requests").click()
    expect(rows).to_have_count(53)
    shown = {row.get_attribute("data-inbound-id") for row in rows.all()}
    assert shown == set(ids)
    expect(page.get_by_role("button", name="Show more requests")).to_be_hidden()


def test_the_detail_shows_the_request_what_we_hold_and_related_requests(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.detail")
    first = register(page)
    second = register(page, partner_reference=reference("DE-LKA"))
    page.goto(f"/inbound/{second['id']}")
    expect(page.locator("#inbound-title")).to_have_text("Person: WIŚNIEWSKI, Łukasz (1987-04-12)")
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "received")
    facts = page.locator("#facts")
    expect(facts).to_contain_text(second["partner_reference"])
    expect(facts).to_contain_text("Germany (DE)")
    expect(facts).to_contain_text("Bundeskriminalamt, Wiesbaden")
    expect(facts).to_contain_text("Europol SIENA")
    expect(page.locator("#deadline-basis")).to_have_text(second["deadline_basis"])
    expect(page.locator("#inbound-due")).to_contain_text("Art. 5(1)(c)")
    expect(page.locator("#inbound-due .deadline")).to_contain_text(re.compile(r"^6d 23h left$"))
    hits = page.locator("#known-to-us li[data-register='wanted_persons']")
    expect(hits).to_have_count(1)
    expect(hits).to_contain_text("PL-WP-2025-000117")
    expect(hits.locator("dl")).to_contain_text("District Court Kraków")  # the record's details
    expect(page.locator("#known-to-us")).to_contain_text("Nothing found in: Missing persons")
    related = page.locator(f"#related li[data-related-id='{first['id']}']")
    expect(related).to_contain_text("Received")
    expect(page.locator("#timeline-rows tr").first).to_contain_text("received")
    screenshot(page, "incoming-detail", full_page=True)
    related.get_by_role("link").click()
    page.wait_for_url(f"**/inbound/{first['id']}")
    expect(page.locator("#facts")).to_contain_text(first["partner_reference"])


def test_a_request_received_by_phone_is_registered_through_the_form(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.phone")
    page.goto("/inbound")
    page.get_by_role("link", name="Register a request").click()
    page.wait_for_url("**/inbound/new")
    ref = reference("CZ-PCCC")
    page.get_by_label("Channel").select_option("pccc")
    page.get_by_label("Partner's reference").fill(ref)
    page.get_by_label("Requesting country").fill("CZ")
    page.get_by_label("Requesting authority").fill("PCCC Petrovice")
    page.get_by_label("Vehicle", exact=True).check()
    page.get_by_label("VIN").fill("WVWZZZ1JZXW000001")
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Received at").fill(later)  # in the future: refused, at its field
    page.get_by_role("button", name="Register the request").click()
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator("[data-field='received_at'] .field-error")).to_be_visible()
    expect(page.get_by_label("Received at")).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith("/inbound/new")
    page.get_by_label("Received at").fill("")
    page.get_by_role("button", name="Register the request").click()
    page.wait_for_url(INBOUND_URL)
    expect(page.locator("#facts")).to_contain_text(ref)
    expect(page.locator("#facts")).to_contain_text("By hand")
    expect(page.locator("#facts")).to_contain_text("PCCC Petrovice")


def test_auditors_get_no_incoming_screens(new_page: OpenPage) -> None:
    auditor = new_page()
    sign_in(auditor, "auditor", "audit.incoming")
    expect(auditor.get_by_role("link", name="Incoming")).to_be_hidden()
    for address in ("/inbound", f"/inbound/{uuid.uuid4()}", "/inbound/new"):
        auditor.goto(address)
        auditor.wait_for_url(re.compile(r".*/audit$"))


def test_the_incoming_screens_work_with_the_keyboard_alone(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.keys")
    created = register(  # urgent: near the top of a queue other tests fill
        page,
        partner_reference=reference("DE-KEYS"),
        urgency="urgent",
        urgency_ground="public_security_threat",
    )
    page.goto("/")
    tab_to(page, "Incoming")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbound")
    expect(inbound_row(page, created["id"])).to_have_count(1)
    tab_to(page, created["partner_reference"], limit=200)
    focus_ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert focus_ring == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/inbound/{created['id']}")
    expect(page.locator("#facts")).to_contain_text(created["partner_reference"])
    tab_to(page, "Take it")
    page.keyboard.press("Enter")
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "assigned")
    tab_to(page, "Ask for clarification…", limit=60)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Question")).to_be_focused()  # the form takes the focus
    page.keyboard.press("Escape")  # and gives it back when closed
    expect(page.locator("#clarify-form")).to_be_hidden()
    expect(page.get_by_role("button", name="Ask for clarification…")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # past Refuse…
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Answer…")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Hit", exact=True)).to_be_focused()
    page.keyboard.press("Space")  # the first choice of the radio group
    page.keyboard.press("Tab")
    page.keyboard.type("Wanted on a European arrest warrant: arrest for surrender")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Send the answer
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "answered")


def test_an_officer_corrects_the_access_type_and_the_due_time_follows(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.access")
    created = register(
        page, urgency="urgent", urgency_ground="loss_of_relevance", access_type="direct"
    )
    page.goto(f"/inbound/{created['id']}")
    expect(page.locator("#inbound-due")).to_contain_text("Art. 5(1)(a)")
    page.get_by_role("button", name="Correct the access type…").click()
    expect(page.get_by_label("Access to the information")).to_have_value("indirect")
    page.get_by_role("button", name="Confirm the correction").click()
    expect(page.locator("#access-form [data-field='reason'] .field-error")).to_be_visible()
    expect(page.locator("#access-reason")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Reason for the correction").fill(
        "Held by the border guard, not in our own databases"
    )
    page.get_by_role("button", name="Confirm the correction").click()
    expect(page.locator("#access-form")).to_be_hidden()
    expect(page.locator("#inbound-due")).to_contain_text("Art. 5(1)(b)")
    expect(page.locator("#inbound-due .deadline")).to_contain_text(re.compile(r"^2d 23h left$"))
    expect(page.locator("#facts")).to_contain_text("corrected by an officer")
    expect(page.locator("#timeline-rows")).to_contain_text("Held by the border guard")


DELIVERY = re.compile("queued|sent|delivered")


def take(page: Page) -> None:
    page.get_by_role("button", name="Take it").click()
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "assigned")
    expect(page.get_by_role("button", name="Take it")).to_be_hidden()


def test_an_officer_takes_a_request_and_answers_it(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.answer")
    created = register(page)
    page.goto(f"/inbound/{created['id']}")
    expect(page.get_by_role("button", name="Answer…")).to_be_hidden()  # take it first
    expect(page.locator("#reply-hint")).to_contain_text("Take the request")
    take(page)
    expect(page.locator("#facts")).to_contain_text("desk.answer")
    page.get_by_role("button", name="Answer…").click()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("#answer-form [data-field='outcome'] .field-error")).to_be_visible()
    page.get_by_label("Hit", exact=True).check()
    page.get_by_label("Information given to the partner").fill(
        "Wanted on a European arrest warrant (District Court Kraków): arrest for surrender"
    )
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "answered")
    reply = page.locator("#reply-rows tr[data-type='answer']")
    expect(reply).to_have_count(1)
    expect(reply).to_have_attribute("data-status", DELIVERY)
    expect(reply).to_contain_text("Hit")
    expect(page.locator("#reply-actions [data-open]:visible")).to_have_count(0)  # closed
    expect(page.locator("#inbound-due")).to_contain_text("Closed")
    screenshot(page, "incoming-answered", full_page=True)
    page.goto("/inbound?mine=true")
    expect(inbound_row(page, created["id"])).to_contain_text("You (desk.answer)")


def test_a_directive_refusal_picks_an_article_6_ground_other_channels_give_a_reason(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.refuse")
    siena = register(page)
    page.goto(f"/inbound/{siena['id']}")
    take(page)
    page.get_by_role("button", name="Refuse…").click()
    grounds = page.locator("#ground-picker input[name='ground']")
    expect(grounds).to_have_count(8)
    expect(page.locator("#ground-picker")).to_contain_text("ongoing criminal investigation")
    page.get_by_role("button", name="Send the refusal").click()
    expect(page.locator("#refuse-form [data-field='reason'] .field-error")).to_be_visible()
    page.get_by_label("Reasons given to the partner").fill("A minor offence under our law")
    page.get_by_role("button", name="Send the refusal").click()
    error = page.locator("#refuse-form [data-field='ground'] .field-error")
    expect(error).to_be_visible()  # the Directive allows no refusal without a ground
    page.get_by_role("radio", name=re.compile(r"^\(g\) minor offence")).check()
    page.get_by_role("button", name="Send the refusal").click()
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "refused")
    reply = page.locator("#reply-rows tr[data-type='refusal']")
    expect(reply).to_contain_text("Art. 6(1)(g)")
    interpol = register(
        page,
        channel="interpol",
        requesting_country="US",
        requesting_authority="NCB Washington",
        partner_reference=reference("US-NCB"),
        subject={"family_name": "Smith", "date_of_birth": "1970-05-05"},
    )
    page.goto(f"/inbound/{interpol['id']}")
    take(page)
    page.get_by_role("button", name="Refuse…").click()
    expect(page.locator("#ground-picker")).to_be_hidden()  # not a Directive request
    page.get_by_label("Reason for the refusal").fill("Outside the scope of our cooperation")
    page.get_by_role("button", name="Send the refusal").click()
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "refused")
    expect(page.locator("#reply-rows tr[data-type='refusal']")).to_contain_text("Outside the scope")


def test_a_clarification_pauses_the_clock_and_a_delay_notice_says_why(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "desk.clarify")
    paused = register(page)
    page.goto(f"/inbound/{paused['id']}")
    take(page)
    page.get_by_role("button", name="Ask for clarification…").click()
    page.get_by_label("Question").fill("Which date of birth does your record give?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator("#inbound-status")).to_have_attribute(
        "data-status", "awaiting_clarification"
    )
    expect(page.locator("#pause-notice")).to_contain_text("Clock paused")
    expect(page.locator("#pause-notice")).to_contain_text("Art. 6(3)")
    expect(page.locator("#inbound-due")).to_contain_text("Clock paused")
    expect(page.locator("#reply-rows tr[data-type='clarification_request']")).to_have_attribute(
        "data-status", DELIVERY
    )
    page.goto("/inbound?status=awaiting_clarification")
    expect(inbound_row(page, paused["id"]).locator(".deadline")).to_have_text("⏸ Clock paused")
    delayed = register(page, partner_reference=reference("DE-DELAY"))
    page.goto(f"/inbound/{delayed['id']}")
    take(page)
    page.get_by_role("button", name="Notify a delay…").click()
    page.get_by_label("Reason for the delay").fill("A judicial authorisation is needed (Art. 9)")
    page.get_by_role("button", name="Send the delay notice").click()
    expect(page.locator("#delay-form [data-field='expected_by'] .field-error")).to_be_visible()
    expected = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Answer expected by").fill(expected)
    page.get_by_role("button", name="Send the delay notice").click()
    expect(page.locator("#delay-notice")).to_contain_text("A judicial authorisation is needed")
    expect(page.locator("#inbound-due .deadline")).to_contain_text(re.compile(r"^9d 23h left$"))
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "assigned")
    screenshot(page, "incoming-delayed", full_page=True)


def test_a_supervisor_assigns_and_a_stale_form_is_told_why_not(new_page: OpenPage) -> None:
    supervisor = new_page()
    sign_in(supervisor, "supervisor", "sup.incoming")
    created = register(supervisor)
    officer = new_page()
    sign_in(officer, "officer", "desk.assigned")
    officer.goto(f"/inbound/{created['id']}")
    expect(officer.get_by_role("button", name="Assign…")).to_be_hidden()  # supervisors only
    supervisor.goto(f"/inbound/{created['id']}")
    supervisor.get_by_role("button", name="Assign…").click()
    supervisor.get_by_label("Officer's user name").fill("desk.assigned")
    supervisor.get_by_role("button", name="Confirm assignment").click()
    expect(supervisor.locator("#facts")).to_contain_text("desk.assigned")
    expect(supervisor.get_by_role("button", name="Answer…")).to_be_visible()  # supervisors too
    officer.reload()
    expect(officer.get_by_role("button", name="Answer…")).to_be_visible()  # theirs now
    officer.goto("/inbound?mine=true")
    expect(inbound_row(officer, created["id"])).to_have_count(1)
    # A second tab without live updates keeps a stale form: the API's 409 is shown in it.
    stale = officer.context.new_page()
    session = officer.evaluate("() => sessionStorage.getItem('oss-router.session')")
    stale.add_init_script(f"sessionStorage.setItem('oss-router.session', {json.dumps(session)})")
    stale.route("**/v1/stream", lambda route: route.abort())
    stale.goto(f"/inbound/{created['id']}")
    stale.get_by_role("button", name="Refuse…").click()
    officer.goto(f"/inbound/{created['id']}")
    officer.get_by_role("button", name="Answer…").click()
    officer.get_by_label("No hit", exact=True).check()
    officer.get_by_role("button", name="Send the answer").click()
    expect(officer.locator("#inbound-status")).to_have_attribute("data-status", "answered")
    stale.get_by_role("radio", name=re.compile(r"^\(a\) information not available")).check()
    stale.get_by_label("Reasons given to the partner").fill("Not available to us")
    stale.get_by_role("button", name="Send the refusal").click()
    expect(stale.locator("#refuse-form .form-error")).to_contain_text("Not possible now")
    expect(stale.locator("#inbound-status")).to_have_attribute("data-status", "answered")


def test_a_pccc_sees_only_what_arrived_for_its_unit(new_page: OpenPage) -> None:
    officer, swiecko, slubice = new_page(), new_page(), new_page()
    sign_in(officer, "officer", "desk.units")
    pccc = {
        "channel": "pccc",
        "requesting_country": "DE",
        "requesting_authority": "Gemeinsames Zentrum Świecko",
        "kind": "vehicle",
        "subject": dict(VEHICLE),
    }
    own = register(officer, **pccc, unit="pccc-swiecko", partner_reference=reference("GZ"))
    desk = register(officer, partner_reference=reference("DE-DESK"))
    sign_in(swiecko, "pccc", "pccc.swiecko", "pccc-swiecko")
    sign_in(slubice, "pccc", "pccc.slubice", "pccc-slubice")
    swiecko.get_by_role("link", name="Incoming").click()
    expect(inbound_row(swiecko, own["id"])).to_have_count(1)
    expect(inbound_row(swiecko, desk["id"])).to_have_count(0)
    slubice.goto("/inbound")
    expect(slubice.locator("#inbound-summary")).to_contain_text("shown")
    expect(inbound_row(slubice, own["id"])).to_have_count(0)
    slubice.goto(f"/inbound/{own['id']}")
    expect(slubice.locator("#detail-error")).to_contain_text("No such incoming request")
    # A PCCC registers by hand for its own unit (the form does not even offer another).
    swiecko.goto("/inbound/new")
    expect(swiecko.get_by_label("PCCC unit")).to_be_hidden()
    swiecko.get_by_label("Channel").select_option("pccc")
    swiecko.get_by_label("Partner's reference").fill(reference("GZ-PHONE"))
    swiecko.get_by_label("Requesting country").fill("DE")
    swiecko.get_by_label("Requesting authority").fill("Bundespolizei Frankfurt (Oder)")
    swiecko.get_by_label("Vehicle", exact=True).check()
    swiecko.get_by_label("VIN").fill("WVWZZZ1JZXW000001")
    swiecko.get_by_role("button", name="Register the request").click()
    swiecko.wait_for_url(INBOUND_URL)
    expect(swiecko.locator("#facts")).to_contain_text("pccc-swiecko")
    for inbound_id in (own["id"], desk["id"]):  # the desk sees every unit's
        officer.goto(f"/inbound/{inbound_id}")
        expect(officer.locator("#inbound-status")).to_have_attribute("data-status", "received")


def test_the_incoming_queue_and_a_detail_page_follow_live(new_page: OpenPage) -> None:
    watcher = new_page()
    sign_in(watcher, "officer", "desk.watching")
    watcher.goto("/inbound?channel=interpol&requesting_country=BR")
    expect(watcher.locator("#live-state")).to_have_text("Live")
    expect(watcher.locator("#inbound-summary")).to_contain_text("shown")
    watcher.evaluate("window.__notReloaded = true")
    author = new_page()
    sign_in(author, "officer", "desk.author")
    created = register(
        author,
        channel="interpol",
        requesting_country="BR",
        requesting_authority="NCB Brasília",
        partner_reference=reference("BR-NCB"),
    )
    row = inbound_row(watcher, created["id"])
    expect(row).to_have_attribute("data-status", "received", timeout=10_000)  # within seconds
    detail = new_page()
    sign_in(detail, "officer", "desk.watching")
    detail.goto(f"/inbound/{created['id']}")
    expect(detail.locator("#live-state")).to_have_text("Live")
    detail.evaluate("window.__notReloaded = true")
    api(author, f"/v1/inbound/{created['id']}/assign", "POST", {"officer": "desk.author"})
    expect(row).to_have_attribute("data-status", "assigned", timeout=10_000)
    expect(row.locator(".assigned-cell")).to_have_text("desk.author")
    expect(detail.locator("#inbound-status")).to_have_attribute(
        "data-status", "assigned", timeout=10_000
    )
    expect(detail.locator("#timeline-rows")).to_contain_text("assigned")
    assert watcher.evaluate("window.__notReloaded") is True  # updated in place
    assert detail.evaluate("window.__notReloaded") is True
