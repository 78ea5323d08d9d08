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


async def test_dna_and_fingerprints_go_through_the_prum_channel_end_to_end(
    client: httpx.AsyncClient,
) -> None:
    """Policy v2 (P1): to Prüm-connected states, the automated search; elsewhere INTERPOL."""
    bodies = [
        request_body("dna", target_countries=["DE", "BR"]),
        request_body("fingerprint", target_countries=["FR", "UA"]),
    ]
    ledger = Ledger()
    for body in bodies:
        response = await client.post("/v1/requests", json=body)
        assert response.status_code == 202, response.text
        final = await until_terminal(client, response.json()["id"])
        assert final["status"] == "answered"
        routes = [(d["channel"], d["rule"], d["status"]) for d in final["dispatches"]]
        assert routes == [("prum", "P1", "answered"), ("interpol", "R6", "answered")]
        search = final["dispatches"][0]
        assert search["outcome"] in {"hit", "no_hit"}  # an automated search is never refused
        assert search["answer"]["result"] == search["outcome"]
        assert "minutes" in search["deadline_basis"]
        ledger.record(final)
    assert ledger.clean, ledger.summary()
