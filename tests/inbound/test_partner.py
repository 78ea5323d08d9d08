"""The registrar's path: a partner's message registered once, or refused naming the field."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from oss_router.errors import ValidationFailed
from oss_router.inbound.deadlines import InboundTargets
from oss_router.inbound.partner import register_partner_messages, registration_from_message
from oss_router.messages.inbound import PartnerMessage, partner_message_id
from oss_router.unit_of_work import unit_of_work
from tests.inbound.conftest import T0
from tests.support.payloads import SUBJECTS


def message(**overrides: Any) -> PartnerMessage:
    values: dict[str, Any] = {
        "message_id": partner_message_id("sirene", "FR-SIR-77"),
        "channel": "sirene",
        "partner_reference": "FR-SIR-77",
        "requesting_country": "FR",
        "requesting_authority": "SIRENE France",
        "received_at": T0 - timedelta(minutes=5),
        "kind": "vehicle",
        "subject": dict(SUBJECTS["vehicle"]),
        "correlation_id": "corr-77",
    }
    return PartnerMessage(**(values | overrides))


async def test_a_partner_message_is_registered_once(app: FastAPI) -> None:
    results = []
    for _ in range(2):
        async with unit_of_work(app.state.runtime.sessions) as work:
            sent = message()
            requests = [(sent, registration_from_message(sent), None)]
            results += await register_partner_messages(
                work, requests, now=T0, targets=InboundTargets()
            )
    (first, created), (again, created_again) = results
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert (first.source, first.registered_by, first.correlation_id) == (
        "channel",
        "system:registrar",
        "corr-77",
    )
    assert first.due_at == T0 - timedelta(minutes=5) + timedelta(hours=12)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": {"vin": "short"}}, "subject.vin"),
        ({"kind": None}, "kind"),
        ({"partner_reference": "ü" * 3}, "partner_reference"),
        ({"urgency": "urgent"}, "urgency_ground"),
        ({"type": "clarification"}, "type"),
    ],
)
def test_a_message_that_cannot_be_registered_names_the_field(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        registration_from_message(message(**overrides))
    assert [error.field for error in refused.value.errors] == [field]
