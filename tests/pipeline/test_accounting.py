"""The ledger used by the end-to-end proofs must catch what it claims to catch."""

from typing import Any

from tests.support.accounting import Ledger


def timeline(status: str, *moves: tuple[str, str], dispatch_status: str = "") -> dict[str, Any]:
    final = dispatch_status or (moves[-1][1] if moves else "queued")
    return {
        "id": "r1",
        "status": status,
        "dispatches": [{"id": "d1", "status": final}],
        "events": [
            {"type": "dispatch_status", "dispatch_id": "d1", "from_status": a, "to_status": b}
            for a, b in moves
        ],
    }


def account(request: dict[str, Any]) -> Ledger:
    ledger = Ledger()
    ledger.record(request)
    return ledger


def test_a_complete_chain_is_clean() -> None:
    ledger = account(
        timeline("answered", ("queued", "sent"), ("sent", "delivered"), ("delivered", "answered"))
    )
    assert ledger.clean, ledger.summary()


def test_a_forward_jump_is_legal() -> None:
    assert account(timeline("answered", ("queued", "delivered"), ("delivered", "answered"))).clean


def test_a_request_that_never_finished_is_lost() -> None:
    ledger = account(timeline("in_progress", ("queued", "sent"), ("sent", "delivered")))
    assert len(ledger.lost) == 2  # the request and its dispatch


def test_a_status_applied_twice_is_duplicated() -> None:
    ledger = account(
        timeline(
            "answered", ("queued", "delivered"), ("delivered", "answered"), ("answered", "answered")
        )
    )
    assert ledger.duplicated
    assert ledger.unexpected


def test_a_backward_or_disconnected_move_is_unexpected() -> None:
    assert account(timeline("answered", ("queued", "delivered"), ("sent", "answered"))).unexpected
    assert account(
        timeline("failed", ("queued", "delivered"), ("delivered", "sent"), ("sent", "failed"))
    ).unexpected


def test_a_chain_that_disagrees_with_the_dispatch_is_lost() -> None:
    ledger = account(timeline("answered", ("queued", "answered"), dispatch_status="failed"))
    assert ledger.lost
