"""``oss-router dead-letters``: what the command line refuses before touching anything."""

from collections.abc import Iterator

import pytest

from oss_router import cli
from oss_router.config import get_settings
from oss_router.dead_letter.letters import MALFORMED, describe


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
    """A delivery as the broker hands it over (only what ``describe`` reads)."""

    def __init__(self, body: bytes, headers: dict[str, object]) -> None:
        self.body, self.headers, self.message_id = body, headers, "m-1"


def test_a_malformed_letter_is_described_without_its_content() -> None:
    letter = describe(
        Letter(b'{"subject": {"family_name": "Kowalski"}}', {"x-oss-attempt": "x"}),  # type: ignore[arg-type]
        "pccc",
    )
    assert (letter.dispatch_id, letter.last_error, letter.attempts) == (None, MALFORMED, 1)
    assert letter.reason == "unknown"
    assert "Kowalski" not in repr(letter)
