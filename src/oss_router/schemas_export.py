"""JSON Schemas of the wire messages and the API bodies, written to ``schemas/``."""

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from oss_router.inbound.schemas import INBOUND_REGISTRATION, InboundRead
from oss_router.messages.conversation import MessageEnvelope, MessageResult
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.messages.inbound import PartnerMessage, ReplyEnvelope, ReplyResult
from oss_router.messages.result import DispatchResult
from oss_router.messages.simulation import SimulationOrder
from oss_router.messages.status import (
    CaseNotice,
    CaseNotices,
    InboundNotice,
    InboundNotices,
    StatusNotice,
    StatusNotices,
)
from oss_router.request.schemas import REQUEST_CREATE, RequestRead

EXPORTED: dict[str, type[BaseModel] | TypeAdapter[Any]] = {
    "dispatch-envelope.v1.json": DispatchEnvelope,
    "dispatch-result.v1.json": DispatchResult,
    "message-envelope.v1.json": MessageEnvelope,
    "message-result.v1.json": MessageResult,
    "partner-message.v1.json": PartnerMessage,
    "reply-envelope.v1.json": ReplyEnvelope,
    "reply-result.v1.json": ReplyResult,
    "simulation-order.v1.json": SimulationOrder,
    "status-notice.v1.json": StatusNotice,
    "status-notices.v1.json": StatusNotices,
    "inbound-notice.v1.json": InboundNotice,
    "inbound-notices.v1.json": InboundNotices,
    "case-notice.v1.json": CaseNotice,
    "case-notices.v1.json": CaseNotices,
    "request-create.json": REQUEST_CREATE,
    "request-read.json": RequestRead,
    "inbound-registration.json": INBOUND_REGISTRATION,
    "inbound-read.json": InboundRead,
}

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def render(model: type[BaseModel] | TypeAdapter[Any]) -> str:
    if isinstance(model, TypeAdapter):
        schema = model.json_schema(mode="validation")
    else:
        schema = model.model_json_schema(mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in EXPORTED.items():
        path = directory / name
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


def drifted(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of the schema files that differ from what the models generate."""
    return [
        name
        for name, model in EXPORTED.items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != render(model)
    ]
