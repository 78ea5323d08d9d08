"""``oss-router dead-letters``: what the command line refuses before touching anything."""

import argparse
from collections.abc import Iterator
from uuid import uuid4

import pytest

from oss_router.broker.topology import RESULTS_EXCHANGE, RESULTS_KEY
from oss_router.cli import main as cli
from oss_router.clock import utcnow
from oss_router.config import get_settings
from oss_router.dead_letter import commands
from oss_router.dead_letter.letters import MALFORMED, MALFORMED_RESULT, RESULTS, describe
from oss_router.dead_letter.operations import Listed, republished
from oss_router.messages.codes import Channel
from oss_router.messages.result import DispatchResult


@pytest.fixture
def command(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(cli, "configure_logging", lambda role: None)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_embedded_broker_is_refused_with_the_reason(
    command: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OSS_ROUTER_BROKER_URL", "memory://")
    assert cli.main(["dead-letters", "list"]) == 2
    assert "need RabbitMQ" in capsys.readouterr().err


def test_discard_without_confirmation_discards_nothing(
    command: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OSS_ROUTER_BROKER_URL", "amqp://nobody@127.0.0.1:1/")
    assert cli.main(["dead-letters", "discard", "--all"]) == 2
    assert "--yes" in capsys.readouterr().err


def test_replay_needs_a_reason_and_a_selection(command: None) -> None:
    with pytest.raises(SystemExit):
        cli.main(["dead-letters", "replay", "--all"])
    with pytest.raises(SystemExit):
        cli.main(["dead-letters", "replay", "--reason", "fixed"])


class Letter:
    """A delivery as the broker hands it over (only what ``describe`` and ``republished``
    read)."""

    def __init__(self, body: bytes, headers: dict[str, object]) -> None:
        self.body, self.headers, self.message_id = body, headers, "m-1"
        self.correlation_id: str | None = None


ANSWER = "Kowalski Jan, 1980-02, record PL-4711"
DEATH = {"x-death": [{"queue": "oss_router.results", "reason": "delivery_limit", "count": 1}]}


def answered_letter() -> Letter:
    result = DispatchResult(
        message_id=uuid4(),
        request_id=uuid4(),
        dispatch_id=uuid4(),
        correlation_id="corr-1",
        channel=Channel.EUROPOL,
        status="answered",
        outcome="hit",
        answer={"remarks": ANSWER},
        occurred_at=utcnow(),
    )
    return Letter(result.model_dump_json().encode(), {"x-correlation-id": "corr-1", **DEATH})


def test_a_results_letter_is_described_without_the_answer() -> None:
    letter = describe(answered_letter(), RESULTS)  # type: ignore[arg-type]
    assert (letter.queue, letter.channel, letter.result) == ("results", "europol", "answered")
    assert (letter.reason, letter.last_error, letter.country) == ("delivery_limit", None, None)
    assert letter.is_result
    assert "Kowalski" not in repr(letter)
    listed = Listed(letter, status="delivered", error=None)
    table = commands._table([listed])
    assert table.splitlines()[1].split()[0] == "results"
    assert "answered" in table
    assert "Kowalski" not in table


def test_a_malformed_results_letter_is_described_without_its_content() -> None:
    letter = describe(Letter(b'{"answer": "Kowalski"}', {}), RESULTS)  # type: ignore[arg-type]
    assert (letter.dispatch_id, letter.result, letter.last_error) == (None, None, MALFORMED_RESULT)
    assert "Kowalski" not in repr(letter)


def test_a_replayed_result_goes_to_the_tracker_unchanged_without_its_death_history() -> None:
    delivery = answered_letter()
    again = republished(delivery)  # type: ignore[arg-type]
    assert (again.exchange, again.routing_key) == (RESULTS_EXCHANGE, RESULTS_KEY)
    assert (again.body, again.message_id) == (delivery.body, delivery.message_id)
    assert again.headers == {"x-correlation-id": "corr-1"}
    assert again.correlation_id == "corr-1"


def chosen(channels: list[str] | None = None, queues: list[str] | None = None) -> list[str]:
    return commands._chosen(argparse.Namespace(channels=channels, queues=queues))


def test_every_queue_by_default_the_results_first(command: None) -> None:
    assert chosen() == [RESULTS, *(channel.value for channel in get_settings().channels)]
    assert chosen(queues=["pccc", "results"], channels=["europol"]) == [
        "results",
        "europol",
        "pccc",
    ]
    assert chosen(channels=["europol"]) == ["europol"]  # --channel: no results letters


def test_a_malformed_letter_is_described_without_its_content() -> None:
    letter = describe(
        Letter(b'{"subject": {"family_name": "Kowalski"}}', {"x-oss-attempt": "x"}),  # type: ignore[arg-type]
        "pccc",
    )
    assert (letter.dispatch_id, letter.last_error, letter.attempts) == (None, MALFORMED, 1)
    assert letter.reason == "unknown"
    assert "Kowalski" not in repr(letter)
