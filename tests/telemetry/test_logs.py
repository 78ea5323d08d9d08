"""JSON logs: one correlation id per request through every role, and no personal data."""

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from tests.support.payloads import PURPOSE, SUBJECTS, request_body
from tests.support.polling import eventually, until_terminal

from oss_router.broker.contract import OutgoingMessage
from oss_router.broker.topology import DISPATCH_EXCHANGE
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.telemetry import context, logs
from oss_router.telemetry.logs import (
    JsonFormatter,
    adopt_uvicorn_loggers,
    configure_logging,
    install_record_factory,
)

PERSONAL_VALUES = [
    SUBJECTS["person"]["family_name"],
    SUBJECTS["person"]["given_names"],
    SUBJECTS["person"]["date_of_birth"],
    PURPOSE,
]


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every record of the process, formatted by the production formatter, into a buffer."""
    install_record_factory()
    adopt_uvicorn_loggers()  # as configure_logging does: whatever an earlier uvicorn.Config set
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(previous_level)


def parsed(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.fixture
def debug_logs() -> Iterator[None]:
    """Relay, worker and tracker log each message at DEBUG (decision 0011): an operator who
    follows one request turns DEBUG on."""
    ours = logging.getLogger("oss_router")
    previous = ours.level
    ours.setLevel(logging.DEBUG)  # setLevel, not the attribute: it clears the level caches
    yield
    ours.setLevel(previous)


@pytest.mark.usefixtures("debug_logs")
async def test_one_request_carries_its_correlation_id_through_every_role(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    created = await client.post("/v1/requests", json=request_body("person"))
    assert created.status_code == 202, created.text
    request_id = created.json()["id"]
    await until_terminal(client, request_id)

    def roles() -> set[str]:
        return {line["role"] for line in parsed(json_lines) if line["correlation_id"] == request_id}

    async def probe() -> set[str]:
        return roles()

    wanted = {"gateway", "relay", "worker:europol", "tracker"}
    assert wanted <= await eventually(probe, lambda seen: wanted <= seen)


async def test_a_whole_request_lifecycle_logs_no_personal_data(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    created = await client.post("/v1/requests", json=request_body("person", purpose=PURPOSE))
    assert created.status_code == 202, created.text
    await until_terminal(client, created.json()["id"])
    failing = await client.post(
        "/v1/requests", json=request_body("person", reference="stub:permanent")
    )
    await until_terminal(client, failing.json()["id"])

    output = json_lines.getvalue()
    assert output.count("\n") >= 8
    for value in PERSONAL_VALUES:
        assert value not in output


async def test_a_malformed_envelope_is_dead_lettered_without_logging_its_subject(
    app: FastAPI, json_lines: io.StringIO
) -> None:
    runtime = app.state.runtime
    body = json.dumps({"subject": SUBJECTS["person"], "channel": "europol"}).encode()
    await runtime.broker.publish(
        [
            OutgoingMessage(
                DISPATCH_EXCHANGE,
                "europol",
                body,
                "malformed-1",
                headers={"x-correlation-id": "corr-malformed"},
            )
        ]
    )

    async def lines() -> list[dict[str, Any]]:
        return [line for line in parsed(json_lines) if line["correlation_id"] == "corr-malformed"]

    found = await eventually(
        lines, lambda found: any("malformed" in line["message"] for line in found)
    )
    assert found[0]["role"] == "worker:europol"
    assert "validation error" in found[0]["message"]
    for value in PERSONAL_VALUES[:3]:
        assert value not in json_lines.getvalue()


def format_one(logger: logging.Logger, *args: Any, **kwargs: Any) -> dict[str, Any]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        logger.info(*args, **kwargs)
    finally:
        logger.removeHandler(handler)
    document: dict[str, Any] = json.loads(buffer.getvalue())
    return document


def test_subject_fields_in_arguments_and_extras_are_redacted() -> None:
    install_record_factory()
    logger = logging.getLogger("tests.redaction")
    subject = SUBJECTS["person"]
    with context.bound("corr-1", "relay"):
        line = format_one(
            logger,
            "looking up %s",
            {"kind": "person", "subject": subject, "family_name": "Nowak"},
            extra={"payload": {"given_names": "Anna", "nested": [{"vin": "WVWZZZ1JZXW000001"}]}},
        )
    assert line["correlation_id"] == "corr-1"
    assert line["role"] == "relay"
    assert line["level"] == "INFO"
    for value in ["Kowalski", "Nowak", "Anna", "WVWZZZ1JZXW000001"]:
        assert value not in json.dumps(line)
    assert "'kind': 'person'" in line["message"]
    assert line["payload"]["nested"] == [{"vin": "[redacted]"}]


def test_fingerprint_subject_fields_are_redacted() -> None:
    install_record_factory()
    logger = logging.getLogger("tests.redaction")
    subject = SUBJECTS["fingerprint"]
    line = format_one(logger, "searching %s", {"kind": "fingerprint", "subject": subject},
                      extra={"payload": {"afis_reference": subject["afis_reference"]}})  # fmt: skip
    assert subject["afis_reference"] not in json.dumps(line)
    assert line["payload"] == {"afis_reference": "[redacted]"}


def test_validation_errors_are_summarized_without_their_input() -> None:
    install_record_factory()
    logger = logging.getLogger("tests.validation")
    envelope = {"subject": SUBJECTS["person"], "kind": "x"}  # traceback shows source lines
    with pytest.raises(ValidationError) as caught:
        DispatchEnvelope.model_validate(envelope)
    try:
        raise caught.value
    except ValidationError:
        buffer = io.StringIO()
        handler = logging.StreamHandler(buffer)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
        logger.exception("bad envelope: %s", caught.value)
        logger.removeHandler(handler)
    line = json.loads(buffer.getvalue())
    for value in PERSONAL_VALUES[:3]:
        assert value not in buffer.getvalue()
    assert "validation error(s) for DispatchEnvelope" in line["message"]
    assert "message_id: Field required" in line["exception"]


def test_configure_logging_writes_json_lines_with_the_process_role(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    monkeypatch.setattr(logs, "_process_role", logs._process_role)  # restored afterwards
    stream = io.StringIO()
    try:
        configure_logging("worker:pccc", level="INFO", fmt="json", stream=stream)
        logging.getLogger("tests.configure").info("hello %s", "operator")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    line = json.loads(stream.getvalue())
    assert line["message"] == "hello operator"
    assert line["role"] == "worker:pccc"
    assert line["correlation_id"] is None


ESCAPE = "\x1b["


def _uvicorn_started_line() -> None:
    """What uvicorn logs at start-up (uvicorn/server.py): a coloured copy in ``extra``."""
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]",
        4242,
        extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"},
    )


def test_json_lines_carry_no_escape_codes_from_uvicorn_or_from_us(
    json_lines: io.StringIO,
) -> None:
    _uvicorn_started_line()
    logging.getLogger("oss_router.test").warning(
        "a client sent %s", "\x1b[31mred\x1b[0m", extra={"header": "\x1b[2Jcleared"}
    )
    raw = json_lines.getvalue()
    assert ESCAPE not in raw
    assert "\\u001b" not in raw  # nor escaped inside the JSON strings
    started, ours = parsed(json_lines)
    assert started["message"] == "Started server process [4242]"
    assert "color_message" not in started
    assert ours["message"] == "a client sent red"
    assert ours["header"] == "cleared"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "coloured"), [(io.StringIO(), False), (_Terminal(), True)])
def test_text_lines_are_coloured_only_on_a_terminal(stream: io.StringIO, coloured: bool) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging("gateway", fmt="text", stream=stream)
        _uvicorn_started_line()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    line = stream.getvalue()
    assert "Started server process [" in line
    assert (ESCAPE in line) is coloured
