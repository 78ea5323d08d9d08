"""The security tests call the command line in-process: keep pytest's log handlers in place."""

import pytest

from oss_router.cli import main as cli


@pytest.fixture(autouse=True)
def _keep_test_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    # configure_logging replaces the root handlers (pytest's capture among them) with a stderr
    # stream that pytest closes after the test; the commands' output is what these tests read.
    monkeypatch.setattr(cli, "configure_logging", lambda role: None)
