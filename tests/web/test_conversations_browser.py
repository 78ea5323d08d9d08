"""Conversations on the request page, the received-request page and the case page (issue 15),
in Debian's chromium.

CONTRACT-MOCKED: the conversation endpoints (POST .../messages, .../reminder,
/v1/inbound/{id}/messages, /v1/cases/{id}/spontaneous, GET /v1/messages) and the fields they
add to the reads (DispatchRead.message_types_allowed, reminder_allowed, ...; the detail reads'
``messages``) are being written on main while this is built. These tests answer them with
``page.route`` in exactly the shapes of the shared contract (MessageRead, DispatchRead
additions), on top of the real server: the request, the received request, the case, the
attachment upload and download and the live stream are real. Replace the mocks with the real
endpoints once they are merged."""

import asyncio
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from playwright.sync_api import Page, Route, expect
from tests.support.attachments import png
from tests.support.live_server import LiveServer, live_server
from tests.support.payloads import request_body
from tests.support.stand_in_auth import stand_in_issuer
from tests.web.conftest import screenshot, sign_in
from tests.web.support import api
from tests.web.test_cases_browser import new_case
from tests.web.test_inbound_browser import register

from oss_router.live.hub import LiveEvent, LiveHub
from oss_router.messages.status import InboundNotice, StatusNotice

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]
REPLY_TYPES = ["follow_up", "additional_information", "clarification", "acknowledgement", "answer"]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server, which also keeps its event loop so a test can publish live notices."""

    def customize(app: FastAPI) -> None:
        stand_in_issuer(app)

        @app.middleware("http")
        async def keep_loop(request: Request, call_next: Any) -> Response:
            app.state.test_loop = asyncio.get_running_loop()
            response: Response = await call_next(request)
            return response

    with live_server(
        tmp_path_factory.mktemp("conversations"), latency_ms=300, customize=customize
    ) as server:
        yield server


def publish(web: LiveServer, notice: StatusNotice | InboundNotice) -> None:
    """A notice on the gateway's live hub, as the tracker's fan-out would deliver it."""
    hub: LiveHub = web.app.state.live_hub
    web.app.state.test_loop.call_soon_threadsafe(hub.publish, LiveEvent(notice, None))


def now() -> str:
    return datetime.now(UTC).isoformat()


def message_read(**fields: Any) -> dict[str, Any]:
    """A MessageRead with every field of the contract."""
    message_id = str(uuid.uuid4())
    base: dict[str, Any] = {
        "id": message_id,
        "direction": "outgoing",
        "type": "follow_up",
        "status": "queued",
        "channel": "europol",
        "country": "DE",
        "dispatch_id": None,
        "request_id": None,
        "inbound_id": None,
        "case_id": None,
        "partner_reference": None,
        "partner_message_reference": None,
        "answers_id": None,
        "answered_at": None,
        "legal_basis": None,
        "handling_code": None,
        "text": "",
        "attachments": [],
        "attempts": 0,
        "error": None,
        "created_by": "officer:conv.officer",
        "created_at": now(),
        "updated_at": now(),
        "delivered_at": None,
        "received_at": None,
        "route": None,
        "href": f"/v1/messages/{message_id}",
    }
    base.update(fields)
    return base


def invalid(field: str, message: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "The body does not fit.",
        "errors": [{"field": field, "message": message}],
    }


class Partner:
    """The contract's conversation endpoints for one thread, answered from memory."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.posted: list[dict[str, Any]] = []

    def answer_post(self, route: Route, **thread: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        self.posted.append(body)
        reminder = route.request.url.endswith("/reminder")  # body {text?}: the type is implied
        if not reminder and not str(body.get("text", "")).strip():
            route.fulfill(
                status=422,
                content_type="application/problem+json",
                body=json.dumps(invalid("text", "Write the message: 1 to 10,000 characters.")),
            )
            return
        attachments = [read_attachment(route, item) for item in body.get("attachment_ids", [])]
        created = message_read(
            type="reminder" if reminder else body["type"],
            text=body.get("text") or "Reminder: your answer is overdue.",
            answers_id=body.get("answers_id"),
            attachments=attachments,
            **thread,
        )
        self.messages.append(created)
        route.fulfill(status=202, content_type="application/json", body=json.dumps(created))


def read_attachment(route: Route, attachment_id: str) -> dict[str, Any]:
    """The real AttachmentRead of an uploaded file (GET /v1/attachments/{id})."""
    headers = {"authorization": route.request.headers.get("authorization", "")}
    origin = re.match(r"https?://[^/]+", route.request.url)
    assert origin is not None
    url = f"{origin.group(0)}/v1/attachments/{attachment_id}"
    response = route.fetch(url=url, method="GET", headers=headers)
    assert response.status == 200, response.text()
    result: dict[str, Any] = response.json()
    return result


def upload_file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def downloaded(page: Page, link: Any, name: str) -> bytes:
    """Click a download link; the file's bytes, after checking the name it is saved under."""
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == name
    return Path(download.value.path()).read_bytes()


def compose(form: Any, message_type: str, text: str, answers: str | None = None) -> None:
    """Fill a message form: its type, the question answered (for an answer), its text."""
    form.get_by_label("Message").select_option(message_type)
    if answers is not None:
        expect(form.get_by_label("Answers the question")).to_be_visible()
        form.get_by_label("Answers the question").select_option(answers)
    form.get_by_label("Text").fill(text)


@dataclass
class DispatchThread:
    request_id: str
    dispatch_id: str
    thread: dict[str, Any]
    partner: Partner
    question: dict[str, Any]


def mock_dispatch_thread(page: Page) -> DispatchThread:
    """A real request whose first dispatch has the contract's conversation fields and a thread
    opened by the partner's clarification question."""
    created = api(page, "/v1/requests", "POST", request_body())
    assert created["status"] in {201, 202}, created
    request = created["body"]
    request_id = request["id"]
    dispatch_id = request["dispatches"][0]["id"]
    thread = {"request_id": request_id, "dispatch_id": dispatch_id, "country": "DE"}
    partner = Partner()
    question = message_read(
        direction="incoming",
        type="clarification",
        status="received",
        text="Which of the two addresses is current?",
        created_by="partner:europol",
        received_at=now(),
        **thread,
    )
    partner.messages.append(question)

    def detail(route: Route) -> None:
        if route.request.method != "GET":
            route.fallback()
            return
        response = route.fetch()
        body = response.json()
        for dispatch in body["dispatches"]:
            own = [m for m in partner.messages if m["dispatch_id"] == dispatch["id"]]
            dispatch.update(
                messages_count=len(own),
                follow_up_pending=any(
                    m["type"] in {"follow_up", "clarification"}
                    and m["direction"] == "outgoing"
                    and not m["answered_at"]
                    for m in own
                ),
                reminders=sum(1 for m in own if m["type"] == "reminder"),
                reminder_allowed=dispatch["id"] == dispatch_id,
                message_types_allowed=REPLY_TYPES if dispatch["id"] == dispatch_id else [],
            )
        body["messages"] = list(partner.messages)
        route.fulfill(response=response, json=body)

    page.route(re.compile(rf".*/v1/requests/{request_id}(\?.*)?$"), detail)
    page.route(
        re.compile(rf".*/v1/requests/{request_id}/dispatches/{dispatch_id}/(messages|reminder)$"),
        lambda route: partner.answer_post(route, **thread),
    )
    return DispatchThread(request_id, dispatch_id, thread, partner, question)


def test_a_dispatch_thread_follow_up_answer_reminder_attachment_and_live_message(
    new_page: OpenPage, web: LiveServer, tmp_path: Path
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.officer")
    mocked = mock_dispatch_thread(page)
    partner, question = mocked.partner, mocked.question
    page.goto(f"/requests/{mocked.request_id}")
    section = page.locator(f"#conversations section[data-dispatch-id='{mocked.dispatch_id}']")
    first = section.locator(f"[data-message-id='{question['id']}']")
    expect(first).to_contain_text("Which of the two addresses is current?")
    expect(first).to_contain_text("Clarification")

    # A follow-up without text: the API's 422 at the Text field; then with a file attached.
    section.get_by_role("button", name="Write to DE").click()
    form = section.locator("form.message-form")
    compose(form, "follow_up", "")
    form.get_by_role("button", name="Send").click()
    expect(form.locator("[data-field='text'] .field-error")).to_contain_text("Write the message")
    expect(form.get_by_label("Text")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Text").fill("Please send the registration certificate.")
    form.get_by_label("Attachments").set_input_files(upload_file(tmp_path, "scan.png", png()))
    form.get_by_role("button", name="Send").click()
    expect(section.locator(".message")).to_have_count(2)
    sent = partner.posted[-1]
    assert (sent["type"], sent["text"]) == (
        "follow_up",
        "Please send the registration certificate.",
    )
    assert (len(sent["attachment_ids"]), "answers_id" in sent) == (1, False)
    newest = section.locator(".message").last
    expect(newest).to_contain_text("Follow-up question")
    expect(newest).to_contain_text("awaiting the partner's answer")
    expect(section.locator(".thread-state")).to_contain_text("a question of ours awaits")

    # The attachment downloads with the bearer token (the real GET .../content).
    assert downloaded(page, newest.get_by_role("link", name="scan.png"), "scan.png")[:8] == (
        b"\x89PNG\r\n\x1a\n"
    )

    # An answer names the partner's open question.
    section.get_by_role("button", name="Write to DE").click()
    compose(section.locator("form.message-form"), "answer", "In Poznań.", answers=question["id"])
    section.locator("form.message-form").get_by_role("button", name="Send").click()
    expect(section.locator(".message")).to_have_count(3)
    assert partner.posted[-1]["answers_id"] == question["id"]
    assert partner.posted[-1]["type"] == "answer"

    # A reminder, offered because the read says reminder_allowed.
    section.get_by_role("button", name="Send a reminder to DE").click()
    section.get_by_role("button", name="Send the reminder").click()
    expect(section.locator(".message[data-type='reminder']")).to_have_count(1)
    expect(section.locator(".thread-state")).to_contain_text("1 reminder sent")

    partner_answers_live(page, web, mocked, section)
    screenshot(page, "conversation-dispatch", full_page=True)


def partner_answers_live(page: Page, web: LiveServer, mocked: DispatchThread, section: Any) -> None:
    """The partner's answer arrives; a notice with event "message" re-reads the thread."""
    partner, thread = mocked.partner, mocked.thread
    answer = message_read(
        direction="incoming",
        type="answer",
        status="received",
        text="Certificate attached to our SIENA message.",
        answers_id=partner.messages[1]["id"],
        created_by="partner:europol",
        received_at=now(),
        **thread,
    )
    partner.messages.append(answer)
    page.wait_for_timeout(1000)
    expect(section.locator(f"[data-message-id='{answer['id']}']")).to_have_count(0)
    publish(
        web,
        StatusNotice(
            request_id=uuid.UUID(mocked.request_id),
            request_status="answered",
            dispatch_id=uuid.UUID(mocked.dispatch_id),
            dispatch_status="answered",
            at=datetime.now(UTC),
            event="message",
        ),
    )
    expect(section.locator(f"[data-message-id='{answer['id']}']")).to_contain_text(
        "Certificate attached"
    )


def answered_inbound(page: Page) -> str:
    """A request received and answered through the real API: its conversation may start."""
    received = register(page)
    inbound_id = received["id"]
    assert (
        api(page, f"/v1/inbound/{inbound_id}/assign", "POST", {"officer": "conv.incoming"})[
            "status"
        ]
        == 200
    )
    answered = api(
        page,
        f"/v1/inbound/{inbound_id}/answer",
        "POST",
        {"outcome": "hit", "information": "Known to us: a conviction in 2019."},
    )
    assert answered["status"] in {200, 202}, answered
    return inbound_id


def mock_inbound_thread(
    page: Page, inbound_id: str, partner: Partner, thread: dict[str, Any]
) -> None:
    """The real received request's detail read with the contract's ``messages``, and the
    contract's POST /v1/inbound/{id}/messages."""

    def detail(route: Route) -> None:
        if route.request.method != "GET":
            route.fallback()
            return
        response = route.fetch()
        body = response.json()
        body["messages"] = list(partner.messages)
        route.fulfill(response=response, json=body)

    page.route(re.compile(rf".*/v1/inbound/{inbound_id}(\?.*)?$"), detail)
    page.route(
        re.compile(rf".*/v1/inbound/{inbound_id}/messages$"),
        lambda route: partner.answer_post(route, **thread),
    )


def test_a_received_request_thread_after_our_reply_and_a_refused_upload(
    new_page: OpenPage, web: LiveServer, tmp_path: Path
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.incoming")
    inbound_id = answered_inbound(page)
    partner = Partner()
    thread = {"inbound_id": inbound_id, "country": "DE", "channel": "europol"}
    mock_inbound_thread(page, inbound_id, partner, thread)
    page.goto(f"/inbound/{inbound_id}")
    expect(page.locator("#inbound-status")).to_have_attribute("data-status", "answered")
    page.get_by_role("button", name="Write to the partner…").click()
    form = page.locator("#conversation-form-slot form.message-form")
    options = form.get_by_label("Message").locator("option")
    # No open question of the partner's: nothing to answer yet.
    expect(options).to_have_count(4)
    compose(form, "additional_information", "The suspect left for Vienna yesterday.")
    # A file that is no image, whatever its name: the real upload refuses it, said at the field.
    form.get_by_label("Attachments").set_input_files(
        upload_file(tmp_path, "photo.png", b"MZ this is not a picture at all" * 4)
    )
    form.get_by_role("button", name="Send").click()
    error = form.locator("[data-field='attachment_ids'] .field-error")
    expect(error).to_contain_text("photo.png")
    assert partner.posted == []  # nothing sent while a file is refused
    form.get_by_label("Attachments").set_input_files([])
    form.get_by_role("button", name="Send").click()
    expect(page.locator("#conversation .message")).to_have_count(1)
    expect(page.locator("#conversation .message")).to_contain_text("Additional information")
    assert partner.posted[-1] == {
        "type": "additional_information",
        "text": "The suspect left for Vienna yesterday.",
        "attachment_ids": [],
    }
    # Live: the partner's follow-up question, announced by an inbound notice (event "message").
    follow_up = message_read(
        direction="incoming",
        type="follow_up",
        status="received",
        text="Did he travel alone?",
        created_by="partner:europol",
        received_at=now(),
        **thread,
    )
    partner.messages.append(follow_up)
    publish(
        web,
        InboundNotice(
            inbound_id=uuid.UUID(inbound_id),
            status="answered",
            at=datetime.now(UTC),
            event="message",
        ),
    )
    expect(page.locator(f"#conversation [data-message-id='{follow_up['id']}']")).to_be_visible()
    # Now an answer is possible, to that question.
    form = page.locator("#conversation-form-slot form.message-form")
    if form.is_hidden():
        page.get_by_role("button", name="Write to the partner…").click()
    compose(form, "answer", "Yes, alone.", answers=follow_up["id"])
    form.get_by_role("button", name="Send").click()
    expect(page.locator("#conversation .message")).to_have_count(3)
    assert partner.posted[-1]["answers_id"] == follow_up["id"]


class CaseMessages:
    """The contract's case-side conversation endpoints for one case, answered from memory:
    GET /v1/messages (?case_id= and ?unfiled=true), POST .../spontaneous, filing a message
    (POST .../links {message_id}) and taking it out (DELETE .../links/messages/{id})."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.posted: list[dict[str, Any]] = []
        self.messages = [
            message_read(
                direction="incoming",
                type="spontaneous",
                status="received",
                country="CZ",
                channel="pccc",
                case_id=case_id,
                text="A white van crossed at Cieszyn at 03:10.",
                created_by="partner:pccc",
                received_at=now(),
            )
        ]
        self.unfiled = [
            message_read(
                direction="incoming",
                type="spontaneous",
                status="received",
                country="FR",
                channel="europol",
                text="The same van was seen at Strasbourg.",
                legal_basis="Directive (EU) 2023/977 Art. 7(1)",
                handling_code="H0",
                created_by="partner:europol",
                received_at=now(),
            )
        ]

    def install(self, page: Page) -> None:
        case = self.case_id
        page.route(re.compile(r".*/v1/messages\?.*"), self.listing)
        page.route(re.compile(rf".*/v1/cases/{case}/spontaneous$"), self.spontaneous)
        page.route(re.compile(rf".*/v1/cases/{case}/links$"), self.file_message)
        page.route(re.compile(rf".*/v1/cases/{case}/links/messages/[0-9a-f-]+$"), self.unfile)

    def listing(self, route: Route) -> None:
        if "unfiled=true" in route.request.url:
            route.fulfill(json={"items": self.unfiled, "next_cursor": None})
            return
        assert f"case_id={self.case_id}" in route.request.url
        route.fulfill(json={"items": self.messages, "next_cursor": None})

    def spontaneous(self, route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        self.posted.append(body)
        if not body.get("legal_basis"):
            problem = invalid("legal_basis", "Give the legal basis of the sending.")
            route.fulfill(
                status=422, content_type="application/problem+json", body=json.dumps(problem)
            )
            return
        created = message_read(
            type="spontaneous",
            country=body["country"],
            case_id=self.case_id,
            text=body["text"],
            legal_basis=body["legal_basis"],
            handling_code=body["handling_code"],
            route={"channel": "europol", "rule": "S1", "explanation": "SIENA to an EU state"},
        )
        self.messages.append(created)
        route.fulfill(status=202, json=created)

    def file_message(self, route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "message_id" not in body:
            route.fallback()
            return
        (message,) = [m for m in self.unfiled if m["id"] == body["message_id"]]
        self.unfiled.remove(message)
        self.messages.append({**message, "case_id": self.case_id})
        route.fulfill(response=route.fetch(url=route.request.url.split("/links")[0], method="GET"))

    def unfile(self, route: Route) -> None:
        message_id = route.request.url.rsplit("/", 1)[1]
        (message,) = [m for m in self.messages if m["id"] == message_id]
        self.messages.remove(message)
        self.unfiled.append({**message, "case_id": None})
        route.fulfill(response=route.fetch(url=route.request.url.split("/links")[0], method="GET"))


def test_spontaneous_information_from_the_case_page_and_threads_per_partner(
    new_page: OpenPage,
) -> None:
    page = new_page()
    sign_in(page, "officer", "conv.case")
    case_id = new_case(page)["id"]
    mocked = CaseMessages(case_id)
    mocked.install(page)
    page.goto(f"/cases/{case_id}")
    cz = page.locator("#threads section.thread[data-country='CZ'][data-channel='pccc']")
    expect(cz).to_contain_text("white van")
    page.get_by_role("button", name="Send spontaneous information…").click()
    form = page.locator("#spontaneous-form")
    form.get_by_label("Country").fill("de")
    form.get_by_label("About").select_option("vehicle")
    form.get_by_label("Handling code").select_option("H2")
    form.get_by_label("Information").fill("The van is registered to a company in Dresden.")
    form.get_by_role("button", name="Send the information").click()
    expect(form.locator("[data-field='legal_basis'] .field-error")).to_contain_text("legal basis")
    form.get_by_label("Legal basis").fill("Directive (EU) 2023/977 Art. 7(1)")
    form.get_by_role("button", name="Send the information").click()
    expect(form).to_be_hidden()
    assert mocked.posted[-1] == {
        "country": "DE",
        "kind": "vehicle",
        "legal_basis": "Directive (EU) 2023/977 Art. 7(1)",
        "handling_code": "H2",
        "text": "The van is registered to a company in Dresden.",
        "attachment_ids": [],
    }
    de = page.locator("#threads section.thread[data-country='DE'][data-channel='europol']")
    expect(de).to_contain_text("registered to a company in Dresden")
    expect(de).to_contain_text("Legal basis: Directive (EU) 2023/977 Art. 7(1)")
    expect(de).to_contain_text("S1")
    expect(page.locator("#threads section.thread")).to_have_count(2)
    screenshot(page, "case-threads", full_page=True)
    file_and_take_out(page, unfiled_id=mocked.unfiled[0]["id"])


def file_and_take_out(page: Page, unfiled_id: str) -> None:
    """Spontaneous information received and filed nowhere: filed here, then taken out."""
    short = unfiled_id[:8]
    expect(page.locator(f"#unfiled [data-message-id='{unfiled_id}']")).to_contain_text("Strasbourg")
    page.get_by_role("button", name=f"File message {short} in this case").click()
    fr = page.locator("#threads section.thread[data-country='FR'][data-channel='europol']")
    expect(fr).to_contain_text("Strasbourg")
    expect(page.locator("#unfiled")).to_be_hidden()
    fr.get_by_role("button", name=f"Take message {short} out of the case").click()
    expect(fr).to_have_count(0)
    expect(page.locator(f"#unfiled [data-message-id='{unfiled_id}']")).to_be_visible()


def test_a_request_filed_in_a_case_names_it_instead_of_offering_cases(
    new_page: OpenPage,
) -> None:
    """Contract-mocked as above: the detail read's ``case`` (id, reference, title, status,
    href), which the conversations slice adds to RequestRead and InboundRead."""
    page = new_page()
    sign_in(page, "officer", "conv.filed")
    case = new_case(page)
    created = api(page, "/v1/requests", "POST", request_body())
    request_id = created["body"]["id"]
    filed = {key: case[key] for key in ("id", "reference", "title", "status")}
    filed["href"] = f"/v1/cases/{case['id']}"

    def detail(route: Route) -> None:
        if route.request.method != "GET":
            route.fallback()
            return
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "case": filed})

    page.route(re.compile(rf".*/v1/requests/{request_id}(\?.*)?$"), detail)
    page.goto(f"/requests/{request_id}")
    expect(page.locator("#case-filed")).to_contain_text(case["reference"])
    expect(page.locator("#case-pick-form")).to_have_count(0)
    page.locator("#case-filed-link").click()
    page.wait_for_url(f"**/cases/{case['id']}")


def test_the_case_page_follows_a_message_on_a_filed_request_live(
    new_page: OpenPage, web: LiveServer
) -> None:
    """Contract-mocked as above (GET /v1/messages); the case, the filing and the live stream
    are real: a notice with event "message" for a request filed in the case re-reads it."""
    page = new_page()
    sign_in(page, "officer", "conv.live")
    request_id = api(page, "/v1/requests", "POST", request_body())["body"]["id"]
    case_id = new_case(page, request_id=request_id)["id"]
    mocked = CaseMessages(case_id)
    mocked.messages.clear()
    mocked.install(page)
    page.goto(f"/cases/{case_id}")
    expect(page.locator(f"#links li[data-request-id='{request_id}']")).to_be_visible()
    expect(page.locator("#threads-empty")).to_be_visible()
    page.wait_for_timeout(1000)  # the stream is connected and the stub's answer is in
    mocked.messages.append(
        message_read(
            direction="incoming",
            type="additional_information",
            status="received",
            request_id=request_id,
            case_id=case_id,
            text="A second vehicle belongs to the same owner.",
            created_by="partner:europol",
            received_at=now(),
        )
    )
    thread = page.locator("#threads section.thread[data-country='DE'][data-channel='europol']")
    page.wait_for_timeout(500)
    expect(thread).to_have_count(0)  # nothing re-reads the case without a notice
    publish(
        web,
        StatusNotice(
            request_id=uuid.UUID(request_id),
            request_status="answered",
            at=datetime.now(UTC),
            event="message",
        ),
    )
    expect(thread).to_contain_text("A second vehicle belongs to the same owner.")
