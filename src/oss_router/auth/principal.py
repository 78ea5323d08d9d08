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


SYSTEM = Principal(subject="oss-router", role=Role.SUPERVISOR)
