"""Sending messages about an exchange through the API: what may go when, what the thread and
the dispatch then show, who may do it, and the audit entry each send is (LED Art. 25)."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from oss_router.auth.principal import Role
from oss_router.messages.codes import Channel
from tests.conversations.conftest import (
    answered_request,
    audit_entries,
    first_dispatch,
    message_row,
    messages_path,
    set_dispatch,
    upload,
)
from tests.support.auth import auth_headers

FOLLOW_UP = {"type": "follow_up", "text": "Was the vehicle seen at the border since May?"}


@pytest.fixture(autouse=True)
def _partners_never_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """What is sent, and what it does to the thread, before any answer (round trips with
    answers: test_round_trips.py)."""
    for channel in Channel:
        monkeypatch.setenv(f"OSS_ROUTER_ADAPTER_{channel.name}_MESSAGE_ANSWER_RATE", "0")


async def test_a_follow_up_on_an_answered_dispatch_is_queued_on_its_thread(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    sent = await client.post(messages_path(request), json=FOLLOW_UP)
    assert sent.status_code == 202, sent.text
    body = sent.json()
    assert (body["type"], body["direction"], body["text"]) == (
        "follow_up",
        "outgoing",
        FOLLOW_UP["text"],
    )
    assert body["dispatch_id"] == first_dispatch(request)
    assert body["request_id"] == request["id"]
    assert body["channel"] == request["dispatches"][0]["channel"]
    assert body["href"] == f"/v1/messages/{body['id']}"
    detail = (await client.get(f"/v1/requests/{request['id']}")).json()
    assert [m["id"] for m in detail["messages"]] == [body["id"]]
    dispatch = detail["dispatches"][0]
    assert dispatch["status"] == "answered"  # its own status stays what it is
    assert (dispatch["messages_count"], dispatch["follow_up_pending"]) == (1, True)
    queued = [e for e in detail["events"] if e["type"] == "message_queued"]
    assert len(queued) == 1
    assert queued[0]["detail"]["message_id"] == body["id"]


async def test_sending_is_a_disclosure_naming_who_why_and_to_whom(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    body = (await client.post(messages_path(request), json=FOLLOW_UP)).json()
    (entry,) = [
        e
        for e in await audit_entries(app, "disclosure")
        if (e.detail or {}).get("message_id") == body["id"]
    ]
    assert entry.actor == "officer:test-officer"
    assert str(entry.request_id) == request["id"]
    assert entry.justification == request["purpose"]
    assert entry.recipients == [{"country": body["country"], "channel": body["channel"]}]


async def test_a_message_before_the_partner_received_the_dispatch_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    await set_dispatch(app, first_dispatch(request), status="queued")
    refused = await client.post(messages_path(request), json=FOLLOW_UP)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "type"
    assert "queued" in refused.json()["errors"][0]["message"]


async def test_while_waiting_only_additional_information_goes(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    await set_dispatch(app, first_dispatch(request), status="delivered")
    refused = await client.post(messages_path(request), json=FOLLOW_UP)
    assert refused.status_code == 409
    assert "additional_information" in refused.json()["errors"][0]["message"]
    more = {"type": "additional_information", "text": "The car now has Polish plates."}
    assert (await client.post(messages_path(request), json=more)).status_code == 202


async def test_an_answer_must_name_a_question_of_the_partner_on_the_thread(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    path = messages_path(request)
    nameless = await client.post(path, json={"type": "answer", "text": "Yes."})
    assert nameless.status_code == 422
    assert nameless.json()["errors"][0]["field"] == "answers_id"
    ours = (await client.post(path, json=FOLLOW_UP)).json()["id"]  # not the partner's question
    wrong = await client.post(path, json={"type": "answer", "text": "Yes.", "answers_id": ours})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "answers_id"
    stray = await client.post(path, json={**FOLLOW_UP, "answers_id": ours})
    assert stray.status_code == 422
    assert stray.json()["errors"][0]["field"] == "answers_id"


async def test_bad_bodies_name_the_field(client: httpx.AsyncClient) -> None:
    request = await answered_request(client)
    path = messages_path(request)
    cases = [
        ({"type": "gossip", "text": "x"}, "type"),
        ({"type": "follow_up", "text": ""}, "text"),
        ({"type": "follow_up", "text": "x" * 10_001}, "text"),
        ({"type": "reminder", "text": "x"}, "type"),  # reminders have their own endpoint
        ({"type": "follow_up", "text": "x", "attachment_ids": ["nope"]}, "attachment_ids[0]"),
        ({"type": "follow_up", "text": "x", "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = await client.post(path, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [error["field"] for error in response.json()["errors"]], response.text


async def test_files_go_with_a_message_and_only_the_uploaders_own(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    mine = await upload(client)
    sent = await client.post(messages_path(request), json={**FOLLOW_UP, "attachment_ids": [mine]})
    assert sent.status_code == 202, sent.text
    assert len(sent.json()["attachments"]) == 1, sent.text
    (attached,) = sent.json()["attachments"]
    assert (attached["id"], attached["content_type"]) == (mine, "image/png")
    again = await client.post(messages_path(request), json={**FOLLOW_UP, "attachment_ids": [mine]})
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "attachment_ids"
    other = auth_headers(app, Role.OFFICER, "someone-else")
    theirs = await upload(client, **other)
    stolen = await client.post(
        messages_path(request), json={**FOLLOW_UP, "attachment_ids": [theirs]}
    )
    assert stolen.status_code == 422
    assert (await message_row(app, sent.json()["id"])).status in {"queued", "sent", "delivered"}


async def test_a_reminder_goes_only_for_an_overdue_dispatch_and_once_an_hour(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    path = messages_path(request, "reminder")
    answered = await client.post(path, json={})
    assert answered.status_code == 409
    assert answered.json()["errors"][0]["field"] == "dispatch_id"
    late = datetime.now(UTC) - timedelta(hours=2)
    await set_dispatch(app, first_dispatch(request), status="delivered", due_at=late)
    detail = (await client.get(f"/v1/requests/{request['id']}")).json()
    assert detail["dispatches"][0]["reminder_allowed"] is True
    sent = await client.post(path, json={})
    assert sent.status_code == 202, sent.text
    assert sent.json()["type"] == "reminder"
    assert "has not been answered" in sent.json()["text"]
    again = await client.post(path, json={"text": "Please answer."})
    assert again.status_code == 409
    assert "hour" in again.json()["errors"][0]["message"]
    detail = (await client.get(f"/v1/requests/{request['id']}")).json()
    dispatch = detail["dispatches"][0]
    assert (dispatch["reminders"], dispatch["reminder_allowed"]) == (1, False)


async def test_a_prum_search_has_no_conversation(client: httpx.AsyncClient) -> None:
    request = await answered_request(client, kind="dna", target_countries=["DE"])
    assert request["dispatches"][0]["channel"] == "prum"
    assert request["dispatches"][0]["message_types_allowed"] == []
    refused = await client.post(messages_path(request), json=FOLLOW_UP)
    assert refused.status_code == 409
    assert "Prüm" in refused.json()["errors"][0]["message"]


async def test_who_may_write(app: FastAPI, client: httpx.AsyncClient) -> None:
    request = await answered_request(client)
    path = messages_path(request)
    auditor = await client.post(path, json=FOLLOW_UP, headers=auth_headers(app, Role.AUDITOR))
    assert auditor.status_code == 403
    other_unit = auth_headers(app, Role.PCCC, "pccc-x", unit="PCCC-FR-DE")
    assert (await client.post(path, json=FOLLOW_UP, headers=other_unit)).status_code == 404
    unknown = f"/v1/requests/{request['id']}/dispatches/{request['id']}/messages"
    assert (await client.post(unknown, json=FOLLOW_UP)).status_code == 404
