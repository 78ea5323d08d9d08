"""Results dead letters on the in-process broker (SQLite and PostgreSQL): listed with the
channel letters, results first; replays the tracker would ignore or must not see are refused,
the letter staying; discard of a letter that names no request."""

from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest
from tests.support.results import result_for
from tests.support.staging import load, open_runtime, stage_request

from oss_router.broker.contract import OutgoingMessage
from oss_router.broker.topology import DEAD_LETTER_EXCHANGE, RESULTS_DEAD_QUEUE, RESULTS_KEY
from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.db import transaction
from oss_router.dead_letter import operations
from oss_router.dead_letter.letters import MALFORMED_RESULT, RESULTS
from oss_router.dead_letter.operations import Selection
from oss_router.dead_letter.service import Outcome
from oss_router.dispatch.staging import dispatch_envelope
from oss_router.messages.codes import Channel
from oss_router.request import repository
from oss_router.runtime import Runtime
from oss_router.tracker.service import apply_results
from oss_router.unit_of_work import unit_of_work

QUEUES = [RESULTS, *Channel]


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


async def dead_letter(runtime: Runtime, body: bytes, routing_key: str = RESULTS_KEY) -> None:
    """A letter as RabbitMQ leaves it after the consumer rejected it."""
    death = {"queue": "oss_router.results", "reason": "rejected", "count": 1}
    await runtime.broker.publish(
        [
            OutgoingMessage(
                DEAD_LETTER_EXCHANGE, routing_key, body, str(uuid4()), {"x-death": [death]}
            )
        ]
    )


async def dead_results(runtime: Runtime) -> int:
    return (await runtime.broker.queue_stats(RESULTS_DEAD_QUEUE)).messages


async def replay(runtime: Runtime) -> Outcome:
    [outcome] = await operations.replay(
        runtime.sessions,
        runtime.broker,
        Selection([RESULTS]),
        actor="operator:alice",
        reason="fixed",
        report=lambda _outcome: None,
    )
    return outcome


async def test_results_letters_are_listed_first_and_marked_as_results(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    envelope = dispatch_envelope(request, request.dispatches[0])
    await dead_letter(runtime, envelope.model_dump_json().encode(), "europol")
    await dead_letter(runtime, result_for(request, "answered").model_dump_json().encode())

    listed = await operations.list_letters(runtime.sessions, runtime.broker, QUEUES, 10)

    assert [(item.letter.queue, item.letter.result) for item in listed] == [
        ("results", "answered"),
        ("europol", None),
    ]
    assert {item.letter.dispatch_id for item in listed} == {request.dispatches[0].id}
    assert listed[0].status == "queued"
    assert listed[0].letter.reason == "rejected"


async def test_a_result_the_tracker_would_ignore_is_not_replayed(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    async with unit_of_work(runtime.sessions) as uow:
        await apply_results(uow, [result_for(request, "answered")], utcnow())
    # A "delivered" that was never applied (not in the inbox), stale since the answer.
    await dead_letter(runtime, result_for(request, "delivered").model_dump_json().encode())

    outcome = await replay(runtime)

    assert not outcome.done
    assert "dispatch is answered: the tracker would ignore this delivered result" in outcome.note
    assert await dead_results(runtime) == 1


async def test_a_result_of_an_erased_request_is_not_replayed(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    async with transaction(runtime.sessions) as session:
        stored = await repository.get(session, request.id)
        assert stored is not None
        stored.purged_at = utcnow()
    await dead_letter(runtime, result_for(request, "answered").model_dump_json().encode())

    outcome = await replay(runtime)

    assert not outcome.done
    assert "personal data were erased" in outcome.note
    assert await dead_results(runtime) == 1


async def test_a_result_of_an_unknown_dispatch_is_not_replayed(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    stranger = result_for(request, "answered").model_copy(update={"dispatch_id": UUID(int=7)})
    await dead_letter(runtime, stranger.model_dump_json().encode())

    outcome = await replay(runtime)

    assert not outcome.done
    assert "unknown dispatch" in outcome.note
    assert await dead_results(runtime) == 1


async def test_a_malformed_result_is_refused_then_discarded_without_a_request(
    runtime: Runtime,
) -> None:
    await dead_letter(runtime, b'{"answer": {"remarks": "Kowalski"}}')
    [listed] = await operations.list_letters(runtime.sessions, runtime.broker, [RESULTS], 10)
    assert (listed.letter.dispatch_id, listed.error) == (None, MALFORMED_RESULT)

    outcome = await replay(runtime)
    assert not outcome.done
    assert "malformed result" in outcome.note

    [discarded] = await operations.discard(
        runtime.sessions,
        runtime.broker,
        Selection([RESULTS]),
        actor="operator:bob",
        reason=None,
        report=lambda _outcome: None,
    )
    assert discarded.done
    assert await dead_results(runtime) == 0


async def test_a_selection_of_channels_leaves_the_results_letters_alone(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    await dead_letter(runtime, result_for(request, "answered").model_dump_json().encode())

    outcomes = await operations.discard(
        runtime.sessions,
        runtime.broker,
        Selection(list(Channel)),
        actor="operator:bob",
        reason=None,
        report=lambda _outcome: None,
    )

    assert outcomes == []
    assert await dead_results(runtime) == 1
    _, events = await load(runtime, request.id)
    assert "dead_letter_discarded" not in {event.type for event in events}
