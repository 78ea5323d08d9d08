"""The seeded data file of the stub registers (format: docs/registers.md, "Data file")."""

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oss_router.messages.codes import AccessType, Kind
from oss_router.registers.contract import RegisterConfigError

SHIPPED = "registers.json"


class Record(BaseModel):
    """One record: what identifies its subject, and what the desk officer reads of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(min_length=1, max_length=100)
    kind: Kind | None = None  # needed only in a register holding several kinds
    summary: str = Field(min_length=1, max_length=300)
    subject: dict[str, Any] = Field(min_length=1)
    details: dict[str, Any] = Field(default_factory=dict)


class RegisterData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str
    kinds: frozenset[Kind] = Field(min_length=1)
    access_type: AccessType
    records: tuple[Record, ...]


class DataFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    about: str = ""
    registers: dict[str, RegisterData]


def register_data(name: str, path: str | None = None) -> RegisterData:
    """The entry named ``name`` of the data file at ``path`` (the shipped one by default)."""
    data = _load(path)
    if name not in data.registers:
        known = ", ".join(sorted(data.registers)) or "none"
        raise RegisterConfigError(
            f"the data file {path or SHIPPED} has no register {name!r} (has: {known})"
        )
    return data.registers[name]


@cache
def _load(path: str | None) -> DataFile:
    try:
        text = (
            Path(path).read_text(encoding="utf-8")
            if path is not None
            else files("oss_router_registers").joinpath("data", SHIPPED).read_text(encoding="utf-8")
        )
        return DataFile.model_validate(json.loads(text))
    except (OSError, ValueError, ValidationError) as exc:
        raise RegisterConfigError(f"the data file {path or SHIPPED} cannot be used: {exc}") from exc
