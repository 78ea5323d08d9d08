"""A new registration (and a new due time) is announced to live screens once committed: the
Incoming queue shows a request within seconds of its arrival (issue 13, desk officer item 1)."""

from fastapi import FastAPI

from oss_router.inbound.deadlines import InboundTargets
from oss_router.inbound.registration import prepare_inbound, register_inbound
from oss_router.inbound.schemas import INBOUND_REGISTRATION
from oss_router.messages.status import InboundNotice
from oss_router.unit_of_work import unit_of_work
from tests.inbound.conftest import T0, registration
from tests.inbound.test_registration import CHECK, REGISTRAR


async def test_a_new_registration_stages_one_notice_a_repeated_one_none(app: FastAPI) -> None:
    staged: list[list[object]] = []
    for _ in range(2):  # the same partner reference twice: registered once
        async with unit_of_work(app.state.runtime.sessions) as work:
            registering = prepare_inbound(
                INBOUND_REGISTRATION.validate_python(registration()),
                actor=REGISTRAR,
                source="channel",
                national_check=CHECK,
                now=T0,
                targets=InboundTargets(),
            )
            request, _created = await register_inbound(work, registering, T0)
            staged.append(list(work.notices))
    first, again = staged
    assert again == []
    assert first == [InboundNotice(inbound_id=request.id, status="received", at=T0)]
