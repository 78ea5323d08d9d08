"""The contract every national register client implements.

A register client answers one question: what does this register hold on this subject? It
returns its hits (an empty list when it holds nothing) or raises; a failure of one register
never hides the others (``service.check_subject`` reports it as unavailable). Register clients
import neither SQLAlchemy, FastAPI nor aio-pika (tests/test_architecture.py).
"""

import warnings
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from oss_router.messages.codes import AccessType, Kind
from oss_router.startup import StartupError

ENTRY_POINT_GROUP = "oss_router.registers"


# ``register`` is the field's name in the contract; pydantic warns that it shadows the
# ``register`` every class inherits from ABCMeta (for virtual subclasses), which no caller of a
# hit uses. The warning is silenced for this one definition only.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", 'Field name "register"', UserWarning)

    class RegisterHit(BaseModel):
        """One record of a register that matches the subject."""

        model_config = ConfigDict(frozen=True, extra="forbid")

        register: str = Field(description="The register's name, such as wanted_persons")
        record_reference: str = Field(description="The record's reference in that register")
        summary: str = Field(description="One line a desk officer reads")
        match: str = Field(
            description="How the record matched: exact, name_and_birth_date, 7 of 12 loci, ..."
        )
        details: dict[str, Any] = Field(default_factory=dict)


class RegisterError(Exception):
    """A register could not answer now (unreachable, timed out, failed); reported, not raised."""


class RegisterConfigError(StartupError):
    """A register cannot be loaded, or its configuration is invalid: the process must not start."""

    headline = "cannot start, a national register is misconfigured"


@runtime_checkable
class RegisterClient(Protocol):
    """One national register, as the registers service sees it."""

    @property
    def name(self) -> str:
        """The register's name, the entry point's name (``wanted_persons``)."""
        ...

    @property
    def kinds(self) -> frozenset[Kind]:
        """The kinds of subject the register holds records of."""
        ...

    @property
    def access_type(self) -> AccessType:
        """Whether its information is directly accessible to the bureau, or must be obtained
        from another authority (Directive (EU) 2023/977 Art. 2(6) and (7), Art. 5(1))."""
        ...

    async def check(self, kind: Kind, subject: Mapping[str, Any]) -> list[RegisterHit]:
        """The records matching ``subject`` (as validated by ``messages.subjects``)."""
        ...

    async def health(self) -> bool:
        """Whether the register can be reached now."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once at shutdown, harmless when repeated."""
        ...


class RegisterFactory(Protocol):
    """What the entry point of a register resolves to.

    ``config`` holds the environment variables ``OSS_ROUTER_REGISTER_<NAME>_<KEY>`` with the
    prefix stripped and the key lower-cased (``latency_ms``, ``access_type``). A factory raises
    ``RegisterConfigError`` when the configuration is invalid.
    """

    def __call__(self, config: Mapping[str, str]) -> RegisterClient: ...
