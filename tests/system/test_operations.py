"""Operations on the multi-process deployment (PostgreSQL + RabbitMQ, separate processes):
dead-letter replay from the command line, and one correlation id through every role's log."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from oss_router.auth.principal import Role
from oss_router.broker.topology import RESULTS_QUEUE, dead_letter_queue, dispatch_queue
from oss_router.config import Settings
from oss_router.messages.codes import Channel
from tests.support.auth import TEST_DEV_SECRET, auth_headers
from tests.support.deployment import Deployment, queue_messages
from tests.support.polling import eventually
from tests.support.traffic import read, submit, varied_body, wait_terminal

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.rabbitmq]

EUROPOL = 2  # varied_body(2) goes to FR through europol
QUEUES = [dispatch_queue(Channel.EUROPOL), RESULTS_QUEUE]


def start_europol(
    deployment: Deployment,
    worker_env: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> None:
    deployment.start("gateway", "gateway", env=env)
    deployment.start("relay", "relay", env=env)
    deployment.start("tracker", "tracker", env=env)
    deployment.start(
        "worker-europol",
        "worker",
        "--channel",
        "europol",
        env={**(env or {}), **(worker_env or {})},
    )


async def dead_letters(deployment: Deployment) -> int:
    return await queue_messages(deployment.broker_url, dead_letter_queue(Channel.EUROPOL))


async def test_a_dead_lettered_dispatch_is_replayed_from_the_command_line_and_answered(
    deployment: Deployment,
) -> None:
    """Two attempts allowed, the channel fails twice: dead-lettered. Replayed, its third call
    (the cause "fixed") answers; the replay is on the timeline with the operator and reason."""
    start_europol(deployment, {"OSS_ROUTER_MAX_ATTEMPTS": "2"})
    await deployment.wait_ready(QUEUES)
    body = varied_body(EUROPOL, reference="stub:retriable=2")
    async with httpx.AsyncClient(
        base_url=deployment.base_url, timeout=30, headers=deployment.officer_headers
    ) as client:
        request_id = await submit(client, body)
        [failed] = await wait_terminal(client, [request_id], timeout=60)
        assert failed["status"] == "failed"
        dispatch_id = failed["dispatches"][0]["id"]
        await eventually(lambda: dead_letters(deployment), lambda count: count == 1)

        listing = deployment.command("dead-letters", "list", "--format", "json")
        assert listing.returncode == 0, listing.stderr
        [row] = json.loads(listing.stdout)
        assert (row["dispatch"], row["request"], row["channel"]) == (
            dispatch_id,
            request_id,
            "europol",
        )
        assert (row["status"], row["attempts"], row["reason"]) == ("failed", 2, "rejected")
        assert "gave up after 2 attempts" in row["error"]
        assert body["subject"]["family_name"] not in listing.stdout

        replay = deployment.command(
            "dead-letters", "replay", "--dispatch", dispatch_id,
            "--reason", "connector fixed", "--actor", "alice",
        )  # fmt: skip
        assert replay.returncode == 0, replay.stdout + replay.stderr
        assert "replayed 1 of 1" in replay.stdout
        assert "replay: 1/1" in replay.stderr  # progress

        answered = await eventually(
            lambda: read(client, request_id), lambda seen: seen["status"] == "answered", timeout=60
        )
        audit = await client.get(
            "/v1/audit",
            params={"request_id": request_id, "actor": "operator:alice"},
            headers=auth_headers(Settings(dev_secret=TEST_DEV_SECRET), Role.AUDITOR),
        )
    assert await dead_letters(deployment) == 0
    [replayed] = [event for event in answered["events"] if event["type"] == "replayed"]
    assert replayed["actor"] == "operator:alice"
    assert replayed["detail"]["reason"] == "connector fixed"
    assert answered["dispatches"][0]["attempts"] == 1
    [audited] = audit.json()["items"]
    assert (audited["action"], audited["justification"]) == ("alteration", "connector fixed")


def log_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


async def test_one_request_s_correlation_id_is_in_the_log_of_every_process_it_crossed(
    deployment: Deployment,
) -> None:
    # The relay, worker and tracker log each message they handle at DEBUG only (decision 0011).
    start_europol(deployment, env={"OSS_ROUTER_LOG_LEVEL": "DEBUG"})
    await deployment.wait_ready(QUEUES)
    async with httpx.AsyncClient(
        base_url=deployment.base_url, timeout=30, headers=deployment.officer_headers
    ) as client:
        request_id = await submit(client, varied_body(EUROPOL))
        [answered] = await wait_terminal(client, [request_id], timeout=60)
    assert answered["status"] == "answered"

    async def roles_logging_it() -> dict[str, set[str]]:
        return {
            name: {
                line["role"]
                for line in log_lines(deployment.log_dir / f"{name}.log")
                if line.get("correlation_id") == request_id
            }
            for name in deployment.processes
        }

    seen = await eventually(roles_logging_it, lambda found: all(found.values()))
    assert seen == {
        "gateway": {"gateway"},
        "relay": {"relay"},
        "tracker": {"tracker"},
        "worker-europol": {"worker:europol"},
    }
