"""Results dead letters on PostgreSQL + RabbitMQ, from the command line: a result the tracker
cannot apply reaches ``oss_router.dead.results``, ``list`` shows it without personal data,
``replay`` once the cause is fixed has it applied exactly once, a copy of an applied result
changes nothing, and ``discard`` removes a letter with a note on the timeline."""

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select, text
from tests.conftest import make_settings
from tests.support.deployment import base_environment, free_port
from tests.support.metrics import sample
from tests.support.polling import eventually
from tests.support.rabbitmq import fresh_vhost
from tests.support.results import result_for
from tests.support.services import fresh_postgres_database
from tests.support.staging import load, open_runtime, stage_request

from oss_router.broker.contract import OutgoingMessage
from oss_router.broker.topology import (
    DEAD_LETTER_EXCHANGE,
    RESULTS_DEAD_QUEUE,
    RESULTS_EXCHANGE,
    RESULTS_KEY,
)
from oss_router.messages.result import DispatchResult, ResultStatus
from oss_router.models import AuditEntry, ExchangeRequest
from oss_router.runtime import Runtime

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]

# In the answer only: personal data that no listing may print.
ANSWER_SECRET = "Kowalski, born 1980-02, record PL-4711"


@dataclass
class Deployed:
    runtime: Runtime
    environment: dict[str, str]


@pytest.fixture
async def deployed(tmp_path: Path) -> AsyncIterator[Deployed]:
    """A fresh database and virtual host; the tracker runs in this process, the commands in
    their own (as an operator runs them)."""
    with fresh_vhost() as broker_url:
        async with fresh_postgres_database() as database_url:
            settings = make_settings(database_url, broker_url=broker_url)
            async with open_runtime(settings) as runtime:
                await runtime.start_tracker()
                yield Deployed(runtime, base_environment(database_url, broker_url, free_port()))


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def command(deployed: Deployed, *args: str) -> Ran:
    """``oss-router <args>`` in a process of its own (without blocking the tracker)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oss_router.cli.main",
        *args,
        env=deployed.environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Ran(process.returncode, stdout.decode(), stderr.decode())


def result_of(request: ExchangeRequest, status: ResultStatus) -> DispatchResult:
    return result_for(request, status, outcome="hit", answer={"remarks": ANSWER_SECRET})


def message(result: DispatchResult, exchange: str = RESULTS_EXCHANGE) -> OutgoingMessage:
    """The result as the worker publishes it (to ``exchange``)."""
    return OutgoingMessage(
        exchange=exchange,
        routing_key=RESULTS_KEY,
        body=result.model_dump_json().encode(),
        message_id=str(result.message_id),
        headers={"x-correlation-id": result.correlation_id},
        correlation_id=result.correlation_id,
    )


async def dead_results(runtime: Runtime) -> int:
    return (await runtime.broker.queue_stats(RESULTS_DEAD_QUEUE)).messages


async def timeline(runtime: Runtime, request_id: UUID) -> list[tuple[str, str | None, str]]:
    _, events = await load(runtime, request_id)
    return [(event.type, event.to_status, event.actor) for event in events]


async def audited(runtime: Runtime, request_id: UUID, actor: str) -> list[AuditEntry]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.request_id == request_id, AuditEntry.actor == actor)
            .order_by(AuditEntry.seq)
        )
        return list(rows)


async def ignored_results() -> float:
    """Results the tracker took as duplicates or stale (it runs in this process)."""
    return sample("oss_router_results_total", outcome="ignored")


async def database(runtime: Runtime, statement: str) -> None:
    async with runtime.engine.begin() as connection:
        await connection.execute(text(statement))


async def test_a_poison_result_is_listed_replayed_once_fixed_and_its_copies_change_nothing(
    deployed: Deployed,
) -> None:
    runtime = deployed.runtime
    request = await stage_request(runtime)
    dispatch_id = request.dispatches[0].id
    await runtime.broker.publish([message(result_of(request, "delivered"))])
    await eventually(lambda: load(runtime, request.id), lambda r: r[0].status == "in_progress")
    # A defect that makes every answer fail in the database while the database works (what a
    # bad deploy does): the tracker isolates the answer and dead-letters it.
    await database(
        runtime,
        "ALTER TABLE dispatches ADD CONSTRAINT defect CHECK (status <> 'answered')",
    )
    answered = result_of(request, "answered")
    await runtime.broker.publish([message(answered)])
    await eventually(lambda: dead_results(runtime), lambda count: count == 1)

    await assert_listed_without_personal_data(deployed, request)
    assert await dead_results(runtime) == 1  # listing leaves it where it was

    await database(runtime, "ALTER TABLE dispatches DROP CONSTRAINT defect")  # the fix
    replay = await command(
        deployed, "dead-letters", "replay", "--dispatch", str(dispatch_id),
        "--reason", "constraint removed (INC-7)", "--actor", "alice",
    )  # fmt: skip
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "replayed 1 of 1" in replay.stdout
    assert "answered result republished to the tracker" in replay.stdout

    final, _ = await eventually(
        lambda: load(runtime, request.id), lambda r: r[0].status == "answered"
    )
    assert final.dispatches[0].outcome == "hit"
    assert await dead_results(runtime) == 0
    events = await timeline(runtime, request.id)
    assert events.count(("dispatch_status", "answered", "channel:europol")) == 1
    assert ("result_replayed", None, "operator:alice") in events
    [entry] = await audited(runtime, request.id, "operator:alice")
    assert (entry.action, entry.justification) == ("alteration", "constraint removed (INC-7)")
    assert entry.detail["operation"] == "result_replay"

    # A copy of the applied result before the tracker (a replay racing a redelivery): the
    # tracker's inbox absorbs it, nothing changes.
    ignored = await ignored_results()
    await runtime.broker.publish([message(answered)])
    await eventually(ignored_results, lambda value: value == ignored + 1)
    assert await timeline(runtime, request.id) == events
    again, _ = await load(runtime, request.id)
    assert again.dispatches[0].answered_at == final.dispatches[0].answered_at

    await assert_a_stale_copy_is_refused_then_discarded(deployed, request, answered, events)


async def assert_listed_without_personal_data(deployed: Deployed, request: ExchangeRequest) -> None:
    """The dead letter is listed as JSON and as a table, naming no subject and no answer."""
    dispatch_id = request.dispatches[0].id
    listing = await command(deployed, "dead-letters", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    [row] = json.loads(listing.stdout)
    assert (row["queue"], row["dispatch"], row["request"]) == (
        "results",
        str(dispatch_id),
        str(request.id),
    )
    assert (row["channel"], row["status"], row["result"], row["reason"]) == (
        "europol",
        "delivered",
        "answered",
        "rejected",
    )
    table = await command(deployed, "dead-letters", "list", "--queue", "results")
    assert table.stdout.splitlines()[1].startswith("results ")
    for shown in (listing.stdout, table.stdout):
        assert "Kowalski" not in shown
        assert ANSWER_SECRET not in shown


async def assert_a_stale_copy_is_refused_then_discarded(
    deployed: Deployed,
    request: ExchangeRequest,
    answered: DispatchResult,
    events: list[tuple[str, str | None, str]],
) -> None:
    runtime = deployed.runtime
    # A copy left in the dead-letter queue (the acknowledgement after the replay lost): a
    # replay refuses it, and it is discarded.
    await runtime.broker.publish([message(answered, DEAD_LETTER_EXCHANGE)])
    await eventually(lambda: dead_results(runtime), lambda count: count == 1)
    stale = await command(
        deployed, "dead-letters", "replay", "--all", "--reason", "again", "--actor", "alice"
    )
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "the tracker has taken this result already" in stale.stdout
    assert await dead_results(runtime) == 1
    assert await timeline(runtime, request.id) == events

    unconfirmed = await command(deployed, "dead-letters", "discard", "--all", "--queue", "results")
    assert unconfirmed.returncode == 2
    discard = await command(
        deployed, "dead-letters", "discard", "--all", "--queue", "results",
        "--yes", "--reason", "copy of an applied answer", "--actor", "bob",
    )  # fmt: skip
    assert discard.returncode == 0, discard.stdout + discard.stderr
    assert "discarded 1 of 1" in discard.stdout
    assert await dead_results(runtime) == 0
    _, after = await load(runtime, request.id)
    [note] = [event for event in after if event.type == "dead_letter_discarded"]
    assert note.actor == "operator:bob"
    assert (note.detail["queue"], note.detail["result"]) == ("results", "answered")
    [erasure] = await audited(runtime, request.id, "operator:bob")
    assert (erasure.action, erasure.detail["queue"]) == ("erasure", "results")
    final_again, _ = await load(runtime, request.id)
    assert final_again.status == "answered"
