"""The prum channel through the multi-process deployment (PostgreSQL + RabbitMQ, separate
processes): a DNA and a fingerprint lookup answered hit by the automated search, then the
follow-up of the hit through SIENA answered by the europol worker."""

from typing import Any

import httpx
import pytest

from oss_router.broker.topology import RESULTS_QUEUE, dispatch_queue
from oss_router.messages.codes import Channel
from tests.support.deployment import Deployment
from tests.support.payloads import request_body
from tests.support.polling import eventually
from tests.support.traffic import read, submit, wait_terminal

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.rabbitmq]

QUEUES = [dispatch_queue(Channel.PRUM), dispatch_queue(Channel.EUROPOL), RESULTS_QUEUE]
HITS = {"OSS_ROUTER_ADAPTER_PRUM_HIT_RATE": "1", "OSS_ROUTER_ADAPTER_PRUM_REFUSAL_RATE": "0"}


def start(deployment: Deployment) -> None:
    deployment.start("gateway", "gateway")
    deployment.start("relay", "relay")
    deployment.start("tracker", "tracker")
    deployment.start("worker-prum", "worker", "--channel", "prum", env=HITS)
    deployment.start("worker-europol", "worker", "--channel", "europol")


async def test_a_prum_hit_and_its_follow_up_cross_every_process(deployment: Deployment) -> None:
    start(deployment)
    await deployment.wait_ready(QUEUES)
    async with httpx.AsyncClient(
        base_url=deployment.base_url, timeout=30, headers=deployment.officer_headers
    ) as client:
        ids = [
            await submit(client, request_body("dna", target_countries=["DE"])),
            await submit(client, request_body("fingerprint", target_countries=["NL"])),
        ]
        searched = await wait_terminal(client, ids, timeout=60)
        for body, country in zip(searched, ["DE", "NL"], strict=True):
            [search] = body["dispatches"]
            assert (search["channel"], search["country"], search["rule"]) == ("prum", country, "P1")
            assert (body["status"], search["outcome"]) == ("answered", "hit")
            assert search["answer"]["partner_reference"].startswith(f"{country}-")
            assert search["follow_up_allowed"] is True

        first, search = searched[0], searched[0]["dispatches"][0]
        path = f"/v1/requests/{first['id']}/dispatches/{search['id']}/follow-up"
        staged = await client.post(path, json={"note": "match confirmed by the DNA lab"})
        assert staged.status_code == 202, staged.text

        def followed(body: dict[str, Any]) -> bool:
            return body["status"] == "answered" and len(body["dispatches"]) == 2

        final = await eventually(lambda: read(client, first["id"]), followed, timeout=60)
    follow = final["dispatches"][1]
    assert (follow["channel"], follow["rule"], follow["status"]) == ("europol", "F1", "answered")
    assert follow["deadline_basis"].startswith("Regulation (EU) 2024/982 Art. 47(1)")
    assert follow["answer"]["siena_reference"].startswith("SIENA-DE-")
