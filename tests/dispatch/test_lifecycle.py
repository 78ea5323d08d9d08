"""The dispatch state machine and the request status derived from it."""

from dataclasses import dataclass

import pytest

from oss_router.dispatch.lifecycle import (
    IllegalTransitionError,
    current_dispatches,
    derive_request_status,
    is_superseded,
    replay_target,
    should_apply,
)
from oss_router.messages.codes import DispatchStatus as D
from oss_router.messages.codes import RequestStatus as R


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (D.QUEUED, D.SENT),
        (D.SENT, D.DELIVERED),
        (D.DELIVERED, D.ANSWERED),
        (D.DELIVERED, D.FAILED),
        (D.QUEUED, D.DELIVERED),  # the worker may report before the relay recorded "sent"
        (D.SENT, D.ANSWERED),
        (D.QUEUED, D.CANCELLED),
        (D.SENT, D.CANCELLED),
        (D.DELIVERED, D.CANCELLED),
    ],
)
def test_forward_transitions_apply(current: D, target: D) -> None:
    assert should_apply(current, target) is True


@pytest.mark.parametrize(
    ("current", "target"),
    [(D.SENT, D.SENT), (D.DELIVERED, D.SENT), (D.DELIVERED, D.QUEUED), (D.SENT, D.QUEUED)],
)
def test_repeated_or_stale_transitions_are_ignored(current: D, target: D) -> None:
    assert should_apply(current, target) is False


@pytest.mark.parametrize("terminal", [D.ANSWERED, D.FAILED, D.CANCELLED])
@pytest.mark.parametrize("target", [D.QUEUED, D.SENT, D.DELIVERED])
def test_nothing_leaves_a_terminal_state(terminal: D, target: D) -> None:
    with pytest.raises(IllegalTransitionError):
        should_apply(terminal, target)


def test_answered_cannot_become_failed_or_cancelled() -> None:
    with pytest.raises(IllegalTransitionError):
        should_apply(D.ANSWERED, D.FAILED)
    with pytest.raises(IllegalTransitionError):
        should_apply(D.ANSWERED, D.CANCELLED)


def test_repeating_a_terminal_status_is_a_no_op() -> None:
    assert should_apply(D.ANSWERED, D.ANSWERED) is False


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([D.QUEUED, D.QUEUED], R.QUEUED),
        ([D.SENT, D.QUEUED], R.QUEUED),
        ([D.SENT, D.SENT], R.DISPATCHED),
        ([D.SENT, D.DELIVERED], R.IN_PROGRESS),
        ([D.ANSWERED, D.SENT], R.IN_PROGRESS),
        ([D.FAILED, D.FAILED], R.FAILED),
        ([D.CANCELLED, D.CANCELLED], R.CANCELLED),
        ([D.ANSWERED, D.CANCELLED], R.ANSWERED),
    ],
)
def test_request_status_is_derived_from_its_dispatches(statuses: list[D], expected: R) -> None:
    assert derive_request_status(statuses) is expected


@pytest.mark.parametrize(
    "others", [[D.ANSWERED], [D.SENT], [D.DELIVERED], [D.QUEUED], [D.ANSWERED, D.DELIVERED]]
)
def test_a_failed_dispatch_makes_the_request_failed_whatever_the_others_do(
    others: list[D],
) -> None:
    # Issue 11 item 10: "answered" or "in progress" hid a failure that needs someone's action.
    assert derive_request_status([*others, D.FAILED]) is R.FAILED


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([D.ANSWERED, D.FAILED], R.ANSWERED),
        ([D.FAILED, D.CANCELLED], R.CANCELLED),
        ([D.FAILED], R.CANCELLED),
    ],
)
def test_the_failures_of_a_cancelled_request_need_no_action(statuses: list[D], expected: R) -> None:
    assert derive_request_status(statuses, closed=True) is expected


@dataclass
class _Dispatch:
    country: str
    position: int
    status: str = "failed"


def test_a_rerouted_dispatch_is_superseded_by_the_later_one_to_its_country() -> None:
    old, other, new = _Dispatch("DE", 0), _Dispatch("FR", 1), _Dispatch("DE", 2, "queued")
    assert current_dispatches([old, other, new]) == [new, other]
    assert is_superseded(old, [old, other, new])
    assert not is_superseded(other, [old, other, new])


def test_an_operator_replay_takes_a_failed_dispatch_back_to_queued() -> None:
    assert replay_target(D.FAILED) is D.QUEUED
    with pytest.raises(IllegalTransitionError):
        should_apply(D.FAILED, D.QUEUED)  # no message can take that way, only the replay


@pytest.mark.parametrize("current", [s for s in D if s is not D.FAILED])
def test_only_failed_dispatches_can_be_replayed(current: D) -> None:
    with pytest.raises(IllegalTransitionError):
        replay_target(current)
