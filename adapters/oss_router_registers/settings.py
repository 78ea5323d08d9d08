"""Settings of a stub register, validated from its ``OSS_ROUTER_REGISTER_<NAME>_*`` mapping."""

from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oss_router.messages.codes import AccessType
from oss_router.registers.contract import RegisterConfigError

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Milliseconds = Annotated[int, Field(ge=0, le=600_000)]


class StubRegisterSettings(BaseModel):
    """What a stub register can be told (docs/registers.md, "Configuration")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency_ms: Milliseconds = 30
    latency_jitter_ms: Milliseconds = 20
    error_rate: Probability = 0.0
    seed: int = 0
    healthy: bool = True
    access_type: AccessType | None = None  # None: the data file's
    data_file: str | None = None  # None: the shipped data/registers.json


def parse_settings(name: str, config: Mapping[str, str]) -> StubRegisterSettings:
    """Validate ``config``; RegisterConfigError names every bad key."""
    try:
        return StubRegisterSettings.model_validate(dict(config))
    except ValidationError as exc:
        problems = "; ".join(
            f"unknown key {'.'.join(map(str, e['loc']))!r} "
            f"(known: {', '.join(StubRegisterSettings.model_fields)})"
            if e["type"] == "extra_forbidden"
            else f"{'.'.join(map(str, e['loc']))}={e['input']!r}: {e['msg']}"
            for e in exc.errors()
        )
        raise RegisterConfigError(f"{name} register configuration: {problems}") from exc
