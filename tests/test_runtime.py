"""The runtime's graceful shutdown says what it waits for, and how the wait ended (issue 11)."""

import logging
from pathlib import Path

import pytest

from oss_router.broker.contract import OutgoingMessage
from oss_router.broker.topology import DISPATCH_EXCHANGE
from oss_router.config import Settings
from oss_router.messages.codes import Channel
from oss_router.runtime import Runtime
from tests.channel.test_worker_runtime import envelope
from tests.support.polling import eventually


async def _runtime_with_a_slow_dispatch(tmp_path: Path, grace: float, slow_ms: int) -> Runtime:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db'}",
        broker_url="memory://",
        channels=[Channel.PCCC],
        shutdown_grace_seconds=grace,
        delivered_report_ms=0,
    )
    runtime = await Runtime.open(settings, "worker:pccc")
    await runtime.start_workers([Channel.PCCC], {"OSS_ROUTER_ADAPTER_PCCC_LATENCY_MS": "0"})
    sent = envelope(f"stub:slow={slow_ms}")
    message = OutgoingMessage(
        exchange=DISPATCH_EXCHANGE,
        routing_key=str(Channel.PCCC),
        body=sent.model_dump_json().encode(),
        message_id=str(sent.message_id),
        headers={"x-oss-attempt": 1},
    )
    await runtime.broker.publish([message])

    async def in_flight() -> int:
        return runtime.workers[Channel.PCCC].in_flight

    await eventually(in_flight, lambda count: count == 1)
    return runtime


def _shutdown_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("shutdown:")]


async def test_the_shutdown_says_what_it_waits_for_and_that_it_finished(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await _runtime_with_a_slow_dispatch(tmp_path, grace=30, slow_ms=200)
    with caplog.at_level(logging.INFO, logger="oss_router.runtime"):
        await runtime.close()
    waiting, finished = _shutdown_lines(caplog)
    assert (
        waiting == "shutdown: no new work taken; waiting up to 30s for worker:pccc 1 dispatch(es)"
    )
    assert finished.startswith("shutdown: in-flight work finished in ")


async def test_the_shutdown_says_when_the_grace_period_ran_out_and_what_it_cancels(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await _runtime_with_a_slow_dispatch(tmp_path, grace=0.2, slow_ms=60_000)
    with caplog.at_level(logging.INFO, logger="oss_router.runtime"):
        await runtime.close()
    waiting, over = _shutdown_lines(caplog)
    assert waiting.endswith("waiting up to 0.2s for worker:pccc 1 dispatch(es)")
    assert over == (
        "shutdown: grace period of 0.2s over, cancelling what is still in flight: "
        "worker:pccc 1 dispatch(es) (unacknowledged messages go back to their queue)"
    )
