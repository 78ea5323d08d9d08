"""The security tests call the command line in-process: keep pytest's log handlers in place."""

import pytest
from fastapi import FastAPI

from oss_router.cli import main as cli
from oss_router.registers import service as registers
from oss_router.registers.service import NationalRegisters


@pytest.fixture(autouse=True)
def _keep_test_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    # configure_logging replaces the root handlers (pytest's capture among them) with a stderr
    # stream that pytest closes after the test; the commands' output is what these tests read.
    monkeypatch.setattr(cli, "configure_logging", lambda role: None)


@pytest.fixture
def no_registers(app: FastAPI) -> None:
    """After the application started, check no national register: opening a request then logs
    one consultation, not two, for tests about the chain's mechanics rather than its entries
    (tests/request/test_known_to_us.py and test_audit.py show the register checks)."""
    registers.install(NationalRegisters({}))
