"""The authenticated caller as the rest of the service sees it."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    PCCC = "pccc"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    unit: str | None = None

    @property
    def actor(self) -> str:
        """How the principal is named on timelines and in the audit log."""
        return f"{self.role}:{self.subject}"


SYSTEM_ROLE = "system"
OPERATOR_ROLE = "operator"


def system_actor(component: str) -> str:
    """How a component of the service (``relay``, ``deadline-watch``) is named on timelines
    and in the audit log. Deliberately not a ``Principal``: the service's own work holds no
    role, so no role check can ever admit it, and nothing it does reads as a person's."""
    return f"{SYSTEM_ROLE}:{component}"


def operator_actor(name: str) -> str:
    """A person at the command line (``oss-router dead-letters``, ``retention purge``), named
    by ``--actor`` or the OS user: a person, not the system, and no API role either."""
    return f"{OPERATOR_ROLE}:{name}"
