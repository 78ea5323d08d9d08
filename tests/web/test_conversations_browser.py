"""Conversations on the request page, the received-request page and the case page (issue 15),
in Debian's chromium, against the real API and the embedded pipeline: the stub partners
answer our requests, take our messages (queued → sent → delivered) and answer our questions
and reminders (``MESSAGE_ANSWER_RATE=1`` here, after ``MESSAGE_ANSWER_DELAY_MS``, so that a
page shows the question waiting before the answer comes). Nothing is mocked: every message a
page shows was written by the API, and every change it shows live came through the stream."""

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID

import pytest
from fastapi import FastAPI, Request, Response
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import update
from tests.support.attachments import png
from tests.support.live_server import LiveServer, live_server
from tests.support.payloads import request_body
from tests.support.stand_in_auth import stand_in_issuer
from tests.web.conftest import screenshot, sign_in
from tests.web.support import api
from tests.web.test_cases_browser import new_case
from tests.web.test_inbound_browser import register

from oss_router.messages.codes import RECEIVING_CHANNELS
from oss_router.models import Dispatch

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]
ANSWER_DELAY_MS = 2500  # long enough to see our question waiting, short enough to wait for
# The PCCC partner sends spontaneous information of its own accord, often enough that one
# arrives, unfiled, while a test waits for it.
PCCC_SPONTANEOUS_PER_MINUTE = 20


def partner_environment() -> dict[str, str]:
    values: dict[str, str] = {}
    for channel in RECEIVING_CHANNELS:
        prefix = f"OSS_ROUTER_ADAPTER_{channel.name}_"
        values[prefix + "MESSAGE_ANSWER_RATE"] = "1"
        values[prefix + "MESSAGE_ANSWER_DELAY_MS"] = str(ANSWER_DELAY_MS)
        values[prefix + "MESSAGE_ATTACHMENT_RATE"] = "0"
    values["OSS_ROUTER_ADAPTER_PCCC_SPONTANEOUS_PER_MINUTE"] = str(PCCC_SPONTANEOUS_PER_MINUTE)
    return values


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server with partners that answer every question; it keeps its event loop so a
    test can change a row the way tests/conversations/conftest.py's ``set_dispatch`` does."""

    def customize(app: FastAPI) -> None:
        stand_in_issuer(app)

        @app.middleware("http")
        async def keep_loop(request: Request, call_next: Any) -> Response:
            app.state.test_loop = asyncio.get_running_loop()
            response: Response = await call_next(request)
            return response

    with (
        mock.patch.dict(os.environ, partner_environment()),
        live_server(
            tmp_path_factory.mktemp("conversations"), latency_ms=300, customize=customize
        ) as server,
    ):
        yield server


def on_server(web: LiveServer, work: Coroutine[Any, Any, Any]) -> Any:
    """Runs ``work`` on the server's own event loop (its engine's connections live there)."""
    return asyncio.run_coroutine_threadsafe(work, web.app.state.test_loop).result(timeout=15)


def set_dispatch(web: LiveServer, dispatch_id: str, **values: Any) -> None:
    async def write() -> None:
        async with web.app.state.runtime.sessions() as session:
            await session.execute(
                update(Dispatch).where(Dispatch.id == UUID(dispatch_id)).values(**values)
            )
            await session.commit()

    on_server(web, write())


def until(probe: Callable[[], Any], accept: Callable[[Any], bool], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    value = probe()
    while not accept(value):
        assert time.monotonic() < deadline, f"not reached within {timeout} s: {value!r}"
        time.sleep(0.2)
        value = probe()
    return value


def answered_request(page: Page, **overrides: Any) -> dict[str, Any]:
    """A request through the real pipeline, answered by the stub partner."""
    created = api(page, "/v1/requests", "POST", request_body(**overrides))
    assert created["status"] == 202, created
    request_id = created["body"]["id"]
    detail: dict[str, Any] = until(
        lambda: api(page, f"/v1/requests/{request_id}")["body"],
        lambda body: body["dispatches"][0]["status"] == "answered",
    )
    return detail


def token() -> str:
    return uuid.uuid4().hex[:10]


def upload_file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def downloaded(page: Page, link: Locator, name: str) -> bytes:
    """Click a download link; the file's bytes, after checking the name it is saved under."""
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == name
    return Path(download.value.path()).read_bytes()


def compose(form: Locator, message_type: str, text: str) -> None:
    form.get_by_label("Message").select_option(message_type)
    form.get_by_label("Text").fill(text)


def thread_of(page: Page, dispatch_id: str) -> Locator:
    return page.locator(f"#conversations section[data-dispatch-id='{dispatch_id}']")


def partner_answers_live(
    page: Page, section: Locator, ours: Locator, request_id: str, question_id: str
) -> None:
    # The partner's answer, registered from the stub partner, appears without a reload.
    theirs = section.locator(".message[data-direction='incoming'][data-type='answer']")
    expect(theirs).to_have_count(1, timeout=ANSWER_DELAY_MS + 20_000)
    expect(theirs).to_contain_text("Answer")
    expect(theirs).to_contain_text("From DE")
    expect(theirs).to_contain_text("answers an earlier question")
    expect(ours).to_contain_text("✓ answered")
    expect(section.locator(".thread-state")).not_to_contain_text("awaits")
    (answer,) = api(page, f"/v1/messages?request_id={request_id}&direction=incoming")["body"][
        "items"
    ]
    assert (answer["answers_id"], answer["status"]) == (question_id, "received")


def test_a_follow_up_with_a_file_is_delivered_and_the_partners_answer_appears_live(
    new_page: OpenPage, tmp_path: Path
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.officer")
    request = answered_request(page)
    request_id, dispatch_id = request["id"], request["dispatches"][0]["id"]
    assert request["dispatches"][0]["channel"] == "europol"
    page.goto(f"/requests/{request_id}")
    section = thread_of(page, dispatch_id)
    expect(section.locator(".thread-empty")).to_be_visible()  # answered, nothing said yet

    # Without text: the API's 422 (problem+json naming ``text``) at the Text field.
    section.get_by_role("button", name="Write to DE").click()
    form = section.locator("form.message-form")
    options = form.get_by_label("Message").locator("option")
    # An answered dispatch: the types the API lists, but no question of the partner's to answer.
    expect(options).to_have_text(
        ["Follow-up question", "Clarification", "Additional information", "Acknowledgement"]
    )
    compose(form, "follow_up", "")
    form.get_by_role("button", name="Send").click()
    expect(form.locator("[data-field='text'] .field-error")).to_be_visible()
    expect(form.get_by_label("Text")).to_have_attribute("aria-invalid", "true")
    assert api(page, f"/v1/messages?request_id={request_id}")["body"]["items"] == []

    # With text and a file: uploaded, named in the message, sent through SIENA.
    question = f"Please send the registration certificate {token()}."
    form.get_by_label("Text").fill(question)
    picture = png()
    form.get_by_label("Attachments").set_input_files(upload_file(tmp_path, "scan.png", picture))
    form.get_by_role("button", name="Send").click()
    ours = section.locator(".message[data-direction='outgoing']")
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text("Follow-up question")
    expect(ours).to_contain_text(question)
    expect(form).to_be_hidden()
    # The delivery steps arrive on the stream: delivered, and the question waits.
    expect(ours).to_have_attribute("data-status", "delivered")
    expect(ours).to_contain_text("delivered")
    expect(ours).to_contain_text("awaiting the partner's answer")
    expect(section.locator(".thread-state")).to_contain_text("a question of ours awaits")
    (sent,) = api(page, f"/v1/messages?request_id={request_id}&direction=outgoing")["body"]["items"]
    assert (sent["type"], sent["text"], sent["dispatch_id"]) == ("follow_up", question, dispatch_id)
    assert [a["filename"] for a in sent["attachments"]] == ["scan.png"]

    # The file downloads with the bearer token (the real GET .../content).
    link = ours.get_by_role("link", name="scan.png")
    assert downloaded(page, link, "scan.png") == picture

    partner_answers_live(page, section, ours, request_id, sent["id"])
    screenshot(page, "conversation-dispatch", full_page=True)


def test_a_reminder_on_an_overdue_dispatch_is_sent_and_acknowledged(
    new_page: OpenPage, web: LiveServer
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.reminder")
    request = answered_request(page)
    request_id, dispatch_id = request["id"], request["dispatches"][0]["id"]
    assert request["dispatches"][0]["reminder_allowed"] is False
    # The partner has it and has not answered, past its deadline (as set_dispatch does).
    set_dispatch(
        web, dispatch_id, status="delivered", due_at=datetime.now(UTC) - timedelta(hours=2)
    )
    page.goto(f"/requests/{request_id}")
    section = thread_of(page, dispatch_id)
    remind = section.get_by_role("button", name="Send a reminder to DE")
    expect(remind).to_be_visible()
    # A delivered dispatch takes additional information and answers only (and no question of
    # the partner's is open to answer).
    section.get_by_role("button", name="Write to DE").click()
    options = section.locator("form.message-form").get_by_label("Message").locator("option")
    expect(options).to_have_text(["Additional information"])

    remind.click()
    reminder = section.locator("form.reminder-form")
    expect(reminder).to_be_visible()
    section.get_by_role("button", name="Send the reminder").click()
    sent = section.locator(".message[data-type='reminder']")
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("has not been answered")  # the API's standard sentence
    expect(section.locator(".thread-state")).to_contain_text("1 reminder sent")
    expect(remind).to_be_hidden()  # one an hour: the read says reminder_allowed false now
    expect(sent).to_have_attribute("data-status", "delivered")
    # The partner acknowledges it, live.
    acknowledged = section.locator(
        ".message[data-direction='incoming'][data-type='acknowledgement']"
    )
    expect(acknowledged).to_have_count(1, timeout=ANSWER_DELAY_MS + 20_000)
    screenshot(page, "conversation-reminder", full_page=True)


def test_a_stale_reminder_form_says_why_it_is_refused(new_page: OpenPage, web: LiveServer) -> None:
    """A reminder sent elsewhere while the form was open: the API's 409 at the top of the
    form, and the page re-reads the dispatch (no more reminder button)."""
    page = new_page()
    sign_in(page, "officer", "conv.stale")
    request = answered_request(page)
    request_id, dispatch_id = request["id"], request["dispatches"][0]["id"]
    set_dispatch(
        web, dispatch_id, status="delivered", due_at=datetime.now(UTC) - timedelta(hours=2)
    )
    page.goto(f"/requests/{request_id}")
    section = thread_of(page, dispatch_id)
    section.get_by_role("button", name="Send a reminder to DE").click()
    section.locator("form.reminder-form").get_by_label("Text (optional)").fill("Please answer.")
    elsewhere = api(
        page, f"/v1/requests/{request_id}/dispatches/{dispatch_id}/reminder", "POST", {}
    )
    assert elsewhere["status"] == 202, elsewhere
    section.get_by_role("button", name="Send the reminder").click()
    problem = section.locator("form.reminder-form .form-error")
    expect(problem).to_contain_text("Not possible now")
    expect(problem).to_contain_text("hour")
    expect(section.get_by_role("button", name="Send a reminder to DE")).to_be_hidden()
    reminders = api(page, f"/v1/messages?request_id={request_id}&type=reminder")["body"]["items"]
    assert len(reminders) == 1


def test_a_question_refused_because_the_dispatch_moved_is_said_at_the_message_type(
    new_page: OpenPage, web: LiveServer
) -> None:
    """The form was opened on an answered dispatch; meanwhile it is waiting at the partner
    again: the API's 409 names ``type`` and says what may go now, next to the Message field."""
    page = new_page()
    sign_in(page, "officer", "conv.moved")
    request = answered_request(page)
    request_id, dispatch_id = request["id"], request["dispatches"][0]["id"]
    page.goto(f"/requests/{request_id}")
    section = thread_of(page, dispatch_id)
    section.get_by_role("button", name="Write to DE").click()
    form = section.locator("form.message-form")
    compose(form, "follow_up", "Is the address in Poznań still current?")
    set_dispatch(web, dispatch_id, status="delivered")
    form.get_by_role("button", name="Send").click()
    error = form.locator("[data-field='type'] .field-error")
    expect(error).to_contain_text("additional_information")
    expect(form.get_by_label("Message")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Text")).to_have_value("Is the address in Poznań still current?")
    assert api(page, f"/v1/messages?request_id={request_id}")["body"]["items"] == []


def answered_inbound(page: Page, officer: str) -> str:
    """A request received and answered through the real API, the reply delivered by the stub
    partner: its conversation may start."""
    inbound_id = register(page)["id"]
    taken = api(page, f"/v1/inbound/{inbound_id}/assign", "POST", {"officer": officer})
    assert taken["status"] == 200, taken
    answered = api(
        page,
        f"/v1/inbound/{inbound_id}/answer",
        "POST",
        {"outcome": "hit", "information": "Known to us: a conviction in 2019."},
    )
    assert answered["status"] in {200, 202}, answered
    until(
        lambda: api(page, f"/v1/inbound/{inbound_id}")["body"],
        lambda body: bool(body["message_types_allowed"]),
    )
    return inbound_id


def test_a_received_request_thread_after_our_reply_a_refused_upload_and_an_answer_live(
    new_page: OpenPage, tmp_path: Path
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.incoming")
    inbound_id = answered_inbound(page, "conv.incoming")
    page.goto(f"/inbound/{inbound_id}")
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "answered")
    page.get_by_role("button", name="Write to the partner…").click()
    form = page.locator("#conversation-form-slot form.message-form")
    # No open question of the partner's: nothing to answer yet.
    expect(form.get_by_label("Message").locator("option")).to_have_count(4)
    compose(form, "additional_information", "The suspect left for Vienna yesterday.")
    # A file that is no image, whatever its name: the real upload refuses it, at the field.
    form.get_by_label("Attachments").set_input_files(
        upload_file(tmp_path, "photo.png", b"MZ this is not a picture at all" * 4)
    )
    form.get_by_role("button", name="Send").click()
    expect(form.locator("[data-field='attachment_ids'] .field-error")).to_contain_text("photo.png")
    assert api(page, f"/v1/messages?inbound_id={inbound_id}")["body"]["items"] == []
    form.get_by_label("Attachments").set_input_files([])
    form.get_by_role("button", name="Send").click()
    thread = page.locator("#conversation")
    first = thread.locator(".message[data-type='additional_information']")
    expect(first).to_contain_text("The suspect left for Vienna yesterday.")
    expect(first).to_have_attribute("data-status", "delivered")

    # A question of ours on the partner's request: it answers it, and the page shows it live.
    page.get_by_role("button", name="Write to the partner…").click()
    compose(form, "follow_up", f"Did he travel alone? {token()}")
    form.get_by_role("button", name="Send").click()
    expect(thread.locator(".message[data-type='follow_up']")).to_contain_text(
        "awaiting the partner's answer"
    )
    answer = thread.locator(".message[data-direction='incoming'][data-type='answer']")
    expect(answer).to_have_count(1, timeout=ANSWER_DELAY_MS + 20_000)
    expect(thread.locator(".message[data-type='follow_up']")).to_contain_text("✓ answered")
    items = api(page, f"/v1/messages?inbound_id={inbound_id}")["body"]["items"]
    assert sorted(m["type"] for m in items) == ["additional_information", "answer", "follow_up"]
    screenshot(page, "conversation-inbound", full_page=True)


def test_spontaneous_information_from_the_case_page_shows_its_route(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.case")
    case_id = new_case(page)["id"]
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#threads-empty")).to_be_visible()
    page.get_by_role("button", name="Send spontaneous information…").click()
    form = page.locator("#spontaneous-form")
    form.get_by_label("Country").fill("de")
    form.get_by_label("About").select_option("person")
    form.get_by_label("Handling code").select_option("H2")
    words = f"The suspect bought a van in Dresden {token()}."
    form.get_by_label("Information").fill(words)
    # Without a legal basis: the API's 422 at that field (Directive (EU) 2023/977 Art. 7).
    form.get_by_role("button", name="Send the information").click()
    expect(form.locator("[data-field='legal_basis'] .field-error")).to_be_visible()
    expect(form.get_by_label("Legal basis")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Legal basis").fill("Directive (EU) 2023/977 Art. 7(1)")
    form.get_by_role("button", name="Send the information").click()
    expect(form).to_be_hidden()
    de = page.locator("#threads section.thread[data-country='DE']")
    expect(de).to_have_count(1)
    expect(de).to_contain_text(words)
    expect(de).to_contain_text("Spontaneous information")
    expect(de).to_contain_text("Legal basis: Directive (EU) 2023/977 Art. 7(1)")
    expect(de).to_contain_text("Handling H2")
    (sent,) = api(page, f"/v1/messages?case_id={case_id}")["body"]["items"]
    route = sent["route"]
    assert route is not None
    assert route["channel"] == de.get_attribute("data-channel")
    expect(de.locator(".message")).to_contain_text(f"({route['rule']})")
    # Its delivery is announced on the stream as a case notice: the page shows it, no reload.
    expect(de.locator(".message")).to_have_attribute("data-status", "delivered")
    screenshot(page, "case-threads", full_page=True)


def test_unfiled_information_from_a_partner_is_filed_in_the_case_and_taken_out(
    new_page: OpenPage,
) -> None:
    """The PCCC partner sends spontaneous information of its own accord; no case holds it."""
    page = new_page()
    sign_in(page, "officer", "conv.unfiled")
    case_id = new_case(page)["id"]
    unfiled = until(
        lambda: api(page, "/v1/messages?unfiled=true&direction=incoming")["body"]["items"],
        bool,
        timeout=60,
    )[0]
    assert (unfiled["type"], unfiled["case_id"]) == ("spontaneous", None)
    page.goto(f"/cases/{case_id}")
    short = unfiled["id"][:8]
    expect(page.locator(f"#unfiled [data-message-id='{unfiled['id']}']")).to_be_visible()
    page.get_by_role("button", name=f"File message {short} in this case").click()
    thread = page.locator(
        f"#threads section.thread[data-country='{unfiled['country']}']"
        f"[data-channel='{unfiled['channel']}']"
    )
    expect(thread.locator(f"[data-message-id='{unfiled['id']}']")).to_be_visible()
    expect(page.locator(f"#unfiled [data-message-id='{unfiled['id']}']")).to_have_count(0)
    assert api(page, unfiled["href"])["body"]["case_id"] == case_id
    thread.get_by_role("button", name=f"Take message {short} out of the case").click()
    expect(thread.locator(f"[data-message-id='{unfiled['id']}']")).to_have_count(0)
    expect(page.locator(f"#unfiled [data-message-id='{unfiled['id']}']")).to_be_visible()
    assert api(page, unfiled["href"])["body"]["case_id"] is None


def test_a_request_filed_in_a_case_names_it_instead_of_offering_cases(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.filed")
    created = api(page, "/v1/requests", "POST", request_body())
    request_id = created["body"]["id"]
    case = new_case(page, request_id=request_id)
    assert api(page, f"/v1/requests/{request_id}")["body"]["case"]["id"] == case["id"]
    page.goto(f"/requests/{request_id}")
    expect(page.locator("#case-filed")).to_contain_text(case["reference"])
    expect(page.locator("#case-pick-form")).to_have_count(0)
    page.locator("#case-filed-link").click()
    page.wait_for_url(f"**/cases/{case['id']}")


def test_the_case_page_follows_the_conversation_of_a_filed_request_live(
    new_page: OpenPage,
) -> None:
    """A follow-up sent on a request filed in the case, from another page: the case page
    shows it, then the partner's answer, each on a message notice of that request."""
    page = new_page()
    sign_in(page, "officer", "conv.live")
    request = answered_request(page)
    request_id, dispatch_id = request["id"], request["dispatches"][0]["id"]
    case_id = new_case(page, request_id=request_id)["id"]
    page.goto(f"/cases/{case_id}")
    expect(page.locator(f"#links li[data-request-id='{request_id}']")).to_be_visible()
    expect(page.locator("#threads-empty")).to_be_visible()
    page.wait_for_timeout(1000)  # the stream is connected
    words = f"Was the second vehicle registered to him? {token()}"
    sent = api(
        page,
        f"/v1/requests/{request_id}/dispatches/{dispatch_id}/messages",
        "POST",
        {"type": "follow_up", "text": words},
    )
    assert sent["status"] == 202, sent
    thread = page.locator("#threads section.thread[data-country='DE'][data-channel='europol']")
    expect(thread).to_contain_text(words)
    expect(thread.locator(".message[data-type='answer']")).to_have_count(
        1, timeout=ANSWER_DELAY_MS + 20_000
    )


def open_from_search(page: Page, words: str) -> None:
    page.locator("#top-search").fill(words)
    page.locator("#top-search").press("Enter")
    page.wait_for_url("**/search?**")
    hit = page.locator("#search-results li[data-type='message']")
    expect(hit).to_have_count(1)
    hit.locator("a.search-link").click()


def test_a_message_found_by_the_header_search_opens_its_request_received_request_or_case(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.search")
    mark = token()
    request = answered_request(page)
    request_id, dispatch_id = request["id"], request["dispatches"][0]["id"]
    on_request = api(
        page,
        f"/v1/requests/{request_id}/dispatches/{dispatch_id}/messages",
        "POST",
        {"type": "additional_information", "text": f"Dispatchword{mark} seen in Gdansk"},
    )
    assert on_request["status"] == 202, on_request
    inbound_id = answered_inbound(page, "conv.search")
    on_inbound = api(
        page,
        f"/v1/inbound/{inbound_id}/messages",
        "POST",
        {"type": "additional_information", "text": f"Inboundword{mark} left for Vienna"},
    )
    assert on_inbound["status"] == 202, on_inbound
    case_id = new_case(page)["id"]
    in_case = api(
        page,
        f"/v1/cases/{case_id}/spontaneous",
        "POST",
        {
            "country": "DE",
            "kind": "person",
            "text": f"Caseword{mark} bought a van",
            "legal_basis": "Directive (EU) 2023/977 Art. 7(1)",
            "handling_code": "H0",
        },
    )
    assert in_case["status"] == 202, in_case

    page.goto("/")
    open_from_search(page, f"dispatchword{mark}")
    page.wait_for_url(f"**/requests/{request_id}")
    expect(thread_of(page, dispatch_id)).to_contain_text(f"Dispatchword{mark}")
    open_from_search(page, f"inboundword{mark}")
    page.wait_for_url(f"**/inbound/{inbound_id}")
    expect(page.locator("#conversation")).to_contain_text(f"Inboundword{mark}")
    open_from_search(page, f"caseword{mark}")
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.locator("#threads")).to_contain_text(f"Caseword{mark}")


def test_the_search_page_finds_a_new_message_live(new_page: OpenPage) -> None:
    """A search kept open: a message with the words, sent on a thread, appears on its notice."""
    page = new_page()
    sign_in(page, "officer", "conv.livesearch")
    mark = token()
    request = answered_request(page)
    request_id, dispatch_id = request["id"], request["dispatches"][0]["id"]
    page.goto(f"/search?q=liveword{mark}")
    expect(page.locator("#search-empty")).to_be_visible()
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    sent = api(
        page,
        f"/v1/requests/{request_id}/dispatches/{dispatch_id}/messages",
        "POST",
        {"type": "additional_information", "text": f"Liveword{mark} seen in Szczecin"},
    )
    assert sent["status"] == 202, sent
    hit = page.locator("#search-results li[data-type='message']")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text(f"Liveword{mark}")
    expect(page.locator("#search-empty")).to_be_hidden()
