"""Each message type's full round trip through the embedded pipeline and the stub partners, on
SQLite and PostgreSQL: outbox, broker, worker, adapter, the tracker's result, and what the
partner sends back registered once by the registrar (docs/conversations.md)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.messages.codes import Channel, MessageType
from oss_router.messages.inbound import PartnerMessage, partner_message_id
from oss_router.registrar.messages import register_message
from oss_router.unit_of_work import unit_of_work
from tests.conversations.conftest import (
    answered_request,
    first_dispatch,
    messages_path,
    open_case,
    set_dispatch,
    upload,
)
from tests.conversations.test_threads import SPONTANEOUS, replied_inbound
from tests.support.polling import eventually


@pytest.fixture(autouse=True)
def _partners_always_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stub partner answers each question and acknowledges each reminder (seeded
    otherwise: 80 %), so that each round trip has its way back."""
    for channel in Channel:
        monkeypatch.setenv(f"OSS_ROUTER_ADAPTER_{channel.name}_MESSAGE_ANSWER_RATE", "1")


async def delivered(client: httpx.AsyncClient, message: dict[str, Any]) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        return dict((await client.get(message["href"])).json())

    return await eventually(read, lambda m: m["status"] in {"delivered", "failed"}, timeout=15)


async def partner_messages(
    client: httpx.AsyncClient, minimum: int = 1, **params: str
) -> list[dict[str, Any]]:
    async def listed() -> list[dict[str, Any]]:
        page = (await client.get("/v1/messages", params={"direction": "incoming", **params})).json()
        return list(page["items"])

    return await eventually(listed, lambda items: len(items) >= minimum, timeout=15)


@pytest.mark.parametrize("kind", ["follow_up", "clarification"])
async def test_a_question_is_delivered_answered_and_the_answer_registered_once(
    client: httpx.AsyncClient, kind: str
) -> None:
    request = await answered_request(client)
    sent = await client.post(messages_path(request), json={"type": kind, "text": "Seen since?"})
    assert sent.status_code == 202, sent.text
    ours = await delivered(client, sent.json())
    assert ours["status"] == "delivered"
    assert ours["partner_message_reference"]
    (answer,) = await partner_messages(client, request_id=request["id"])
    assert (answer["type"], answer["answers_id"], answer["dispatch_id"]) == (
        "answer",
        ours["id"],
        first_dispatch(request),
    )
    assert (answer["status"], answer["created_by"].split(":")[0]) == ("received", "partner")
    detail = (await client.get(f"/v1/requests/{request['id']}")).json()
    question = next(m for m in detail["messages"] if m["id"] == ours["id"])
    assert question["answered_at"] is not None
    dispatch = detail["dispatches"][0]
    assert (dispatch["status"], dispatch["follow_up_pending"]) == ("answered", False)
    assert {"message_queued", "message_status", "message_received"} <= {
        e["type"] for e in detail["events"]
    }


@pytest.mark.parametrize("kind", ["additional_information", "acknowledgement"])
async def test_information_and_acknowledgements_are_delivered_and_ask_nothing(
    client: httpx.AsyncClient, kind: str
) -> None:
    request = await answered_request(client)
    sent = await client.post(messages_path(request), json={"type": kind, "text": "Noted."})
    assert (await delivered(client, sent.json()))["status"] == "delivered"
    detail = (await client.get(f"/v1/requests/{request['id']}")).json()
    assert [m["direction"] for m in detail["messages"]] == ["outgoing"]
    assert detail["dispatches"][0]["follow_up_pending"] is False


async def test_a_reminder_is_delivered_and_acknowledged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    late = datetime.now(UTC) - timedelta(hours=2)
    await set_dispatch(app, first_dispatch(request), status="delivered", due_at=late)
    sent = await client.post(messages_path(request, "reminder"), json={})
    assert sent.status_code == 202, sent.text
    assert (await delivered(client, sent.json()))["status"] == "delivered"
    (acknowledgement,) = await partner_messages(client, request_id=request["id"])
    assert (acknowledgement["type"], acknowledgement["answers_id"]) == (
        "acknowledgement",
        sent.json()["id"],
    )


async def test_our_answer_to_the_partners_question_is_delivered(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    dispatch = request["dispatches"][0]
    assert "answer" not in dispatch["message_types_allowed"]  # nobody asked us anything
    reference = f"SIENA-{dispatch['country']}-Q-{uuid.uuid4().hex[:8]}"
    question = PartnerMessage(
        message_id=partner_message_id(Channel(dispatch["channel"]), reference, "message"),
        type="message",
        message_type=MessageType.FOLLOW_UP,
        channel=Channel(dispatch["channel"]),
        partner_reference=reference,
        our_reference=dispatch["id"],
        text="Which licence plate did the car carry?",
        requesting_country=dispatch["country"],
        requesting_authority="BKA Wiesbaden",
        received_at=datetime.now(UTC),
        correlation_id=f"partner-{reference}",
    )
    async with unit_of_work(app.state.runtime.sessions) as work:
        registered = await register_message(work, question, datetime.now(UTC))
    assert registered is not None
    (theirs,) = await partner_messages(client, request_id=request["id"])
    detail = (await client.get(f"/v1/requests/{request['id']}")).json()
    assert "answer" in detail["dispatches"][0]["message_types_allowed"]
    body = {"type": "answer", "text": "KA-XY 123.", "answers_id": theirs["id"]}
    sent = await client.post(messages_path(request), json=body)
    assert sent.status_code == 202, sent.text
    assert (await delivered(client, sent.json()))["status"] == "delivered"
    answered = (await client.get(theirs["href"])).json()
    assert answered["answered_at"] is not None
    detail = (await client.get(f"/v1/requests/{request['id']}")).json()
    assert "answer" not in detail["dispatches"][0]["message_types_allowed"]


async def test_files_travel_to_the_partner(client: httpx.AsyncClient) -> None:
    request = await answered_request(client)
    body = {"type": "additional_information", "text": "Photo.", "attachment_ids": []}
    body["attachment_ids"] = [await upload(client)]
    sent = await client.post(messages_path(request), json=body)
    assert sent.status_code == 202, sent.text
    ours = await delivered(client, sent.json())
    assert ours["status"] == "delivered"
    (file,) = ours["attachments"]
    download = await client.get(file["href"])
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("image/png")


async def test_spontaneous_information_goes_out_through_its_route(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_case(client)
    sent = await client.post(f"/v1/cases/{case_id}/spontaneous", json=SPONTANEOUS)
    assert sent.status_code == 202, sent.text
    ours = await delivered(client, sent.json())
    assert (ours["status"], ours["channel"]) == ("delivered", sent.json()["route"]["channel"])


async def test_a_conversation_on_a_received_request_round_trips(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    inbound_id = await replied_inbound(app)
    sent = await client.post(
        f"/v1/inbound/{inbound_id}/messages",
        json={"type": "follow_up", "text": "Which case number is this about?"},
    )
    assert sent.status_code == 202, sent.text
    assert (await delivered(client, sent.json()))["status"] == "delivered"
    (answer,) = await partner_messages(client, inbound_id=inbound_id)
    assert (answer["answers_id"], answer["inbound_id"]) == (sent.json()["id"], inbound_id)
