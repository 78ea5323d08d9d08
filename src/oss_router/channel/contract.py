"""The contract every channel adapter implements.

Adapters receive a typed envelope and return a typed answer, or raise one of the two errors
below. They never touch the database, FastAPI or the broker: the worker runtime owns those.
"""

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, model_validator

from oss_router.messages.codes import Channel, Outcome, RefusalGround
from oss_router.messages.dispatch import DispatchEnvelope

ENTRY_POINT_GROUP = "oss_router.adapters"


class AdapterAnswer(BaseModel):
    """The channel's answer to one dispatch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: Outcome
    answer: dict[str, Any]
    # Directive (EU) 2023/977 Art. 6(1): only on a refused request under the Directive.
    refusal_ground: RefusalGround | None = None
    # A refusal in the channel's own words (or a free reason) where the Directive's grounds
    # do not apply: SIRENE, INTERPOL, liaison officers, PCCCs, Europol's third-state partners.
    refusal_reason: str | None = None

    @model_validator(mode="after")
    def _refusal_has_ground(self) -> "AdapterAnswer":
        refused = self.outcome is Outcome.REFUSED
        grounds = (self.refusal_ground is not None) + (self.refusal_reason is not None)
        if refused and grounds != 1:
            raise ValueError(
                "a refusal carries either refusal_ground (Directive 2023/977 Art. 6(1)) or "
                "refusal_reason (the channel's own words), not both and not neither"
            )
        if not refused and grounds:
            raise ValueError("refusal_ground and refusal_reason belong to outcome 'refused' only")
        return self


class ChannelError(Exception):
    """Base of the errors an adapter may raise."""


class RetriableChannelError(ChannelError):
    """The channel could not take the message now (timeout, unavailable); try again later."""


class PermanentChannelError(ChannelError):
    """The channel rejected the message for good (malformed, unknown recipient)."""


class AdapterConfigError(Exception):
    """A configured channel has no adapter, or its configuration is invalid."""


@runtime_checkable
class ChannelAdapter(Protocol):
    """One channel's client, as the worker runtime sees it."""

    @property
    def channel(self) -> Channel: ...

    async def send(self, envelope: DispatchEnvelope) -> AdapterAnswer:
        """Deliver the envelope and return the channel's answer."""
        ...

    async def health(self) -> bool:
        """Whether the channel can be reached now."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once at shutdown."""
        ...


class AdapterFactory(Protocol):
    """What the entry point of an adapter resolves to.

    ``config`` holds the environment variables ``OSS_ROUTER_ADAPTER_<CHANNEL>_<KEY>`` with the
    prefix stripped and the key lower-cased (e.g. ``latency_ms``). A factory raises
    ``AdapterConfigError`` when the configuration is invalid.
    """

    def __call__(self, config: Mapping[str, str]) -> ChannelAdapter: ...
