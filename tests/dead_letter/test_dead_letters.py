"""Dead letters on the embedded deployment (in-process broker; SQLite and PostgreSQL): listing
without personal data, replay back to life (audited on the timeline), refusals, discard."""

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from tests.support.auth import auth_headers
from tests.support.metrics import sample
from tests.support.payloads import PURPOSE, SUBJECTS, request_body
from tests.support.polling import eventually, until_terminal

from oss_router.auth.principal import Principal, Role
from oss_router.broker.topology import dead_letter_queue
from oss_router.clock import utcnow
from oss_router.dead_letter import operations
from oss_router.dead_letter.operations import Selection
from oss_router.dead_letter.service import Outcome, replay_letter
from oss_router.deps import get_principal
from oss_router.messages.codes import Channel
from oss_router.runtime import Runtime
from oss_router.unit_of_work import unit_of_work

CHANNELS = list(Channel)
REPLAYS = "oss_router_dead_letter_replays_total"
# The tests' workers give up after 3 attempts (conftest): this dispatch fails 3 times, is
# dead-lettered, and answers on its fourth call, the first of a replay: "the cause is fixed".
FAILS_THREE_TIMES = "stub:retriable=3"


def runtime_of(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


async def failed_request(client: httpx.AsyncClient, reference: str) -> dict[str, Any]:
    created = await client.post("/v1/requests", json=request_body("person", reference=reference))
    assert created.status_code == 202, created.text
    final: dict[str, Any] = await until_terminal(client, created.json()["id"])
    assert final["status"] == "failed", final
    return final


async def dead_letters(runtime: Runtime, channel: Channel = Channel.EUROPOL) -> int:
    return (await runtime.broker.queue_stats(dead_letter_queue(channel))).messages


async def replay(runtime: Runtime, dispatch_ids: list[UUID] | None = None) -> list[Outcome]:
    seen: list[Outcome] = []
    outcomes = await operations.replay(
        runtime.sessions,
        runtime.broker,
        Selection(CHANNELS, frozenset(dispatch_ids) if dispatch_ids else None),
        actor="operator:alice",
        reason="SIENA connector fixed (INC-42)",
        report=seen.append,
    )
    assert seen == outcomes  # every outcome is reported as it happens (progress)
    return outcomes


async def audit_entries(
    app: FastAPI, client: httpx.AsyncClient, request_id: str, actor: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/audit",
        params={"request_id": request_id, "actor": actor},
        headers=auth_headers(app, Role.AUDITOR),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def events_of(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [event for event in body["events"] if event["type"] == kind]


async def test_the_listing_names_the_dispatch_and_its_failure_without_personal_data(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failed = await failed_request(client, FAILS_THREE_TIMES)
    runtime = runtime_of(app)
    await eventually(lambda: dead_letters(runtime), lambda count: count == 1)

    [listed] = await operations.list_letters(runtime.sessions, runtime.broker, CHANNELS, 10)

    dispatch = failed["dispatches"][0]
    letter = listed.letter
    assert (letter.dispatch_id, letter.request_id) == (UUID(dispatch["id"]), UUID(failed["id"]))
    assert (letter.channel, letter.country, letter.attempts) == ("europol", "DE", 3)
    assert letter.reason == "rejected"
    assert listed.status == "failed"
    assert listed.error is not None
    assert "gave up after 3 attempts" in listed.error
    shown = repr(listed)
    for personal in [*SUBJECTS["person"].values(), PURPOSE]:
        assert str(personal) not in shown
    assert await dead_letters(runtime) == 1  # listing leaves the letters where they are


async def test_a_replayed_dispatch_comes_back_to_life_and_the_replay_is_on_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failed = await failed_request(client, FAILS_THREE_TIMES)
    runtime = runtime_of(app)
    await eventually(lambda: dead_letters(runtime), lambda count: count == 1)
    dispatch_id = UUID(failed["dispatches"][0]["id"])
    replays_before = sample(REPLAYS, channel="europol")
    [before] = await operations.list_letters(runtime.sessions, runtime.broker, CHANNELS, 10)

    [outcome] = await replay(runtime, [dispatch_id])

    assert outcome.done, outcome.note
    assert await dead_letters(runtime) == 0
    final = await until_terminal(client, failed["id"])
    assert final["status"] == "answered"
    dispatch = final["dispatches"][0]
    assert (dispatch["status"], dispatch["attempts"], dispatch["error"]) == ("answered", 1, None)
    [replayed] = events_of(final, "replayed")
    assert replayed["actor"] == "operator:alice"
    assert replayed["detail"]["reason"] == "SIENA connector fixed (INC-42)"
    assert replayed["detail"]["previous_attempts"] == 3
    assert "gave up after 3 attempts" in replayed["detail"]["previous_error"]
    moves = [
        (event["from_status"], event["to_status"], event["actor"])
        for event in events_of(final, "dispatch_status")
    ]
    assert ("failed", "queued", "operator:alice") in moves
    assert moves[-1][1] == "answered"
    assert sample(REPLAYS, channel="europol") == replays_before + 1
    [audited] = await audit_entries(app, client, failed["id"], "operator:alice")
    assert (audited["action"], audited["justification"]) == (
        "alteration",
        "SIENA connector fixed (INC-42)",
    )
    assert audited["detail"]["operation"] == "replay"
    assert audited["role"] == "operator"  # a person at the command line, not the system
    assert audited["recipients"] == [{"channel": "europol", "country": "DE"}]
    # A copy of the letter left behind (its ack lost after the replay committed) is refused.
    async with unit_of_work(runtime.sessions) as uow:
        stale = await replay_letter(uow, before.letter, "operator:alice", "again", utcnow())
    assert not stale.done
    assert "already replayed" in stale.note


async def test_a_replay_that_fails_again_is_failed_again_and_dead_lettered_again(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failed = await failed_request(client, "stub:permanent")
    runtime = runtime_of(app)
    await eventually(lambda: dead_letters(runtime), lambda count: count == 1)

    [outcome] = await replay(runtime)

    assert outcome.done
    again = await eventually(
        lambda: client.get(f"/v1/requests/{failed['id']}"),
        lambda response: (
            len(events_of(response.json(), "replayed")) == 1
            and response.json()["status"] == "failed"
        ),
    )
    statuses = [event["to_status"] for event in events_of(again.json(), "dispatch_status")]
    assert statuses.count("failed") == 2  # the replay's own results were applied, not ignored
    await eventually(lambda: dead_letters(runtime), lambda count: count == 1)
    [listed] = await operations.list_letters(runtime.sessions, runtime.broker, CHANNELS, 10)
    assert listed.letter.replays == 1


async def test_a_dispatch_rerouted_elsewhere_is_not_replayed_and_its_letter_stays(
    app: FastAPI, client: httpx.AsyncClient, supervisor: None
) -> None:
    failed = await failed_request(client, "stub:permanent")
    runtime = runtime_of(app)
    await eventually(lambda: dead_letters(runtime), lambda count: count == 1)
    dispatch = failed["dispatches"][0]
    rerouted = await client.post(
        f"/v1/requests/{failed['id']}/dispatches/{dispatch['id']}/reroute",
        json={"channel": "interpol", "reason": "SIENA down"},
    )
    assert rerouted.status_code == 200, rerouted.text

    [outcome] = await replay(runtime, [UUID(dispatch["id"])])

    assert not outcome.done
    assert "re-routed to interpol" in outcome.note
    assert await dead_letters(runtime) == 1


async def test_letters_of_other_dispatches_are_left_alone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await failed_request(client, "stub:permanent")
    runtime = runtime_of(app)
    await eventually(lambda: dead_letters(runtime), lambda count: count == 1)

    assert await replay(runtime, [UUID(int=7)]) == []
    assert await dead_letters(runtime) == 1


async def test_discard_removes_the_letter_and_says_so_on_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failed = await failed_request(client, "stub:permanent")
    runtime = runtime_of(app)
    await eventually(lambda: dead_letters(runtime), lambda count: count == 1)

    [outcome] = await operations.discard(
        runtime.sessions,
        runtime.broker,
        Selection(CHANNELS),
        actor="operator:bob",
        reason="duplicate of a request answered by phone",
        report=lambda _outcome: None,
    )

    assert outcome.done
    assert await dead_letters(runtime) == 0
    body = (await client.get(f"/v1/requests/{failed['id']}")).json()
    [discarded] = events_of(body, "dead_letter_discarded")
    assert discarded["actor"] == "operator:bob"
    assert discarded["detail"]["reason"] == "duplicate of a request answered by phone"
    assert body["status"] == "failed"
    [audited] = await audit_entries(app, client, failed["id"], "operator:bob")
    assert (audited["action"], audited["detail"]["operation"]) == ("erasure", "dead_letter_discard")


@pytest.fixture
def supervisor(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[get_principal] = lambda: Principal("sue", Role.SUPERVISOR)
    yield
    app.dependency_overrides.pop(get_principal, None)


async def test_the_letter_of_a_dispatch_a_supervisor_retried_is_a_stale_copy(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failed = await failed_request(client, FAILS_THREE_TIMES)
    runtime = runtime_of(app)
    await eventually(lambda: dead_letters(runtime), lambda count: count == 1)
    dispatch = failed["dispatches"][0]
    retried = await client.post(
        f"/v1/requests/{failed['id']}/dispatches/{dispatch['id']}/retry",
        json={"reason": "SIENA connector fixed (INC-42)"},
        headers=auth_headers(app, Role.SUPERVISOR),
    )
    assert retried.status_code == 202, retried.text
    assert (await until_terminal(client, failed["id"]))["status"] == "answered"

    [outcome] = await replay(runtime, [UUID(dispatch["id"])])

    # Replaying it would send the request a third time: the retry was its second journey.
    assert not outcome.done
    assert "already replayed" in outcome.note
    assert await dead_letters(runtime) == 1  # for discard
