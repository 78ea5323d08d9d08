"""Envelopes and a recording sleep for the adapter tests."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from oss_router.channel.testing import SAMPLE_SUBJECTS
from oss_router.messages.codes import Channel, HandlingCode, Kind, Urgency
from oss_router.messages.dispatch import DispatchEnvelope

MakeEnvelope = Callable[..., DispatchEnvelope]

SUBJECTS = SAMPLE_SUBJECTS  # one valid subject of each kind, as the shipped contract has them


def subjects(kind: Kind, count: int) -> list[dict[str, Any]]:
    """``count`` distinct subjects of one kind, varied on a field the hash sees."""
    base = SUBJECTS[kind]
    field = {
        Kind.PERSON: "family_name",
        Kind.VEHICLE: "vin",
        Kind.DOCUMENT: "document_number",
        Kind.DNA: "profile_reference",
        Kind.FINGERPRINT: "afis_reference",
    }[kind]
    return [{**base, field: f"{base[field]}-{index}"} for index in range(count)]


@pytest.fixture
def make_envelope() -> MakeEnvelope:
    def make(
        channel: Channel,
        kind: Kind = Kind.PERSON,
        subject: dict[str, Any] | None = None,
        *,
        dispatch_id: UUID | None = None,
        country: str = "DE",
        reference: str | None = None,
        handling_code: HandlingCode = HandlingCode.H1,
        sis_alert_id: str | None = None,
        directive_exchange: bool = False,
    ) -> DispatchEnvelope:
        created_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        return DispatchEnvelope(
            message_id=uuid4(),
            request_id=uuid4(),
            dispatch_id=dispatch_id or uuid4(),
            correlation_id="corr-1",
            channel=channel,
            country=country,
            kind=kind,
            subject=dict(SUBJECTS[kind]) if subject is None else subject,
            purpose="Suspected vehicle theft ring, case 123/2026",
            urgency=Urgency.NORMAL,
            handling_code=handling_code,
            crime_area="motor_vehicle_crime",
            sis_alert_id=sis_alert_id,
            reference=reference,
            due_at=created_at + timedelta(days=7),
            created_at=created_at,
            directive_exchange=directive_exchange,
        )

    return make


class SleepRecorder:
    """Stands in for asyncio.sleep: records the delays, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleep() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def subjects_of() -> Callable[[Kind, int], list[dict[str, Any]]]:
    return subjects
