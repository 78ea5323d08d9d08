"""The tracker applies each result at most once and ignores stale or late ones."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from oss_router.config import Settings
from oss_router.messages.codes import Channel, Outcome
from oss_router.messages.result import DispatchResult, ResultStatus, result_message_id
from oss_router.models import RequestEvent
from oss_router.tracker.service import apply_results
from oss_router.unit_of_work import unit_of_work
from tests.support.apps import gateway_only
from tests.support.payloads import request_body


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with gateway_only(settings) as pair:
        yield pair


async def created_dispatch(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/v1/requests", json=request_body())
    assert response.status_code == 202
    body = response.json()
    return {"request_id": body["id"], **body["dispatches"][0]}


def result(dispatch: dict[str, Any], status: ResultStatus, **fields: Any) -> DispatchResult:
    dispatch_id = uuid.UUID(dispatch["id"])
    return DispatchResult(
        message_id=result_message_id(dispatch_id, status),
        request_id=uuid.UUID(dispatch["request_id"]),
        dispatch_id=dispatch_id,
        correlation_id=dispatch["request_id"],
        channel=Channel(dispatch["channel"]),
        status=status,
        occurred_at=datetime.now(UTC),
        **fields,
    )


async def apply(app: FastAPI, message: DispatchResult) -> bool:
    async with unit_of_work(app.state.runtime.sessions) as uow:
        changed = await apply_results(uow, [message], datetime.now(UTC))
    return bool(changed)


async def timeline(app: FastAPI, dispatch_id: str) -> list[tuple[str, str | None, str | None]]:
    async with app.state.runtime.sessions() as session:
        rows = await session.scalars(
            select(RequestEvent)
            .where(RequestEvent.dispatch_id == uuid.UUID(dispatch_id))
            .order_by(RequestEvent.id)
        )
        return [(e.type, e.from_status, e.to_status) for e in rows]


async def test_a_redelivered_result_changes_nothing(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gateway
    dispatch = await created_dispatch(client)
    answer = result(dispatch, "answered", outcome=Outcome.HIT, answer={"form": "G"})

    assert await apply(app, answer) is True
    assert await apply(app, answer) is False

    events = await timeline(app, dispatch["id"])
    assert events.count(("dispatch_status", "sent", "answered")) == 1
    detail = (await client.get(f"/v1/requests/{dispatch['request_id']}")).json()
    assert detail["status"] == "answered"
    assert detail["dispatches"][0]["outcome"] == "hit"


async def test_an_answer_overtaking_the_relays_sent_still_shows_sent_first(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    # The gateway-only app runs no relay: the dispatch is still queued when its answer comes,
    # as when a quick channel answers before the relay's "sent" has committed.
    app, client = gateway
    dispatch = await created_dispatch(client)

    assert await apply(app, result(dispatch, "answered", outcome=Outcome.HIT, answer={})) is True

    transitions = [e for e in await timeline(app, dispatch["id"]) if e[0] == "dispatch_status"]
    assert transitions == [
        ("dispatch_status", "queued", "sent"),
        ("dispatch_status", "sent", "answered"),
    ]
    detail = (await client.get(f"/v1/requests/{dispatch['request_id']}")).json()
    sent = [e for e in detail["events"] if e.get("to_status") == "sent"]
    assert [e["actor"] for e in sent] == ["system:relay"]


async def test_a_stale_result_after_the_answer_is_ignored(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gateway
    dispatch = await created_dispatch(client)

    await apply(app, result(dispatch, "answered", outcome=Outcome.NO_HIT, answer={}))
    assert await apply(app, result(dispatch, "delivered")) is False

    detail = (await client.get(f"/v1/requests/{dispatch['request_id']}")).json()
    assert detail["dispatches"][0]["status"] == "answered"


async def test_an_answer_after_cancellation_is_recorded_but_not_applied(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gateway
    dispatch = await created_dispatch(client)
    cancel = await client.post(
        f"/v1/requests/{dispatch['request_id']}/cancel", json={"reason": "found at home"}
    )
    assert cancel.status_code == 200

    assert await apply(app, result(dispatch, "answered", outcome=Outcome.HIT, answer={})) is False

    detail = (await client.get(f"/v1/requests/{dispatch['request_id']}")).json()
    assert detail["status"] == "cancelled"
    assert detail["dispatches"][0]["outcome"] is None
    assert ("result_ignored", "cancelled", "answered") in await timeline(app, dispatch["id"])


async def test_a_failed_result_keeps_the_reason(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gateway
    dispatch = await created_dispatch(client)

    await apply(app, result(dispatch, "failed", error="permanent error: no such NCB", attempts=3))

    detail = (await client.get(f"/v1/requests/{dispatch['request_id']}")).json()
    assert detail["status"] == "failed"
    assert detail["dispatches"][0]["error"] == "permanent error: no such NCB"
    assert detail["dispatches"][0]["attempts"] == 3


async def test_a_result_for_an_unknown_dispatch_is_dropped(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, _client = gateway
    ghost = {"id": str(uuid.uuid4()), "request_id": str(uuid.uuid4()), "channel": "europol"}

    assert await apply(app, result(ghost, "answered", outcome=Outcome.HIT, answer={})) is False


async def test_a_refusal_in_the_channels_own_words_is_kept_beside_the_answer(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """Outside Directive (EU) 2023/977 a refusal has no Art. 6(1) ground: its reason is kept
    with the answer and on the timeline, and refusal_ground stays empty."""
    app, client = gateway
    dispatch = await created_dispatch(client)
    reason = "outside the centre's competence: refer the request to the single point of contact"
    refused = result(
        dispatch,
        "answered",
        outcome=Outcome.REFUSED,
        answer={"remarks": f"Request refused: {reason}."},
        refusal_reason=reason,
    )
    assert await apply(app, refused)
    read = (await client.get(f"/v1/requests/{dispatch['request_id']}")).json()
    [stored] = read["dispatches"]
    assert (stored["outcome"], stored["refusal_ground"]) == ("refused", None)
    assert stored["answer"]["refusal_reason"] == reason
    answered = [
        e for e in read["events"] if (e["type"], e["to_status"]) == ("dispatch_status", "answered")
    ]
    assert answered[-1]["detail"]["refusal_reason"] == reason
