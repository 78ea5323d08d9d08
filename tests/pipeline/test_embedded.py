"""The embedded pipeline end to end (gateway + relay + tracker + workers in one process)."""

import httpx

from tests.support.accounting import Ledger
from tests.support.payloads import request_body
from tests.support.polling import until_terminal


async def test_a_request_is_answered_end_to_end(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/requests", json=request_body())
    assert response.status_code == 202, response.text
    body = await until_terminal(client, response.json()["id"])
    assert body["status"] == "answered"
    ledger = Ledger()
    ledger.record(body)
    assert ledger.clean, ledger.summary()
