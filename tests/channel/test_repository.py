"""The channel overview's queries, on SQLite and PostgreSQL."""

from sqlalchemy import update
from tests.support.staging import open_runtime, stage_request

from oss_router.channel import repository
from oss_router.config import Settings
from oss_router.db import transaction
from oss_router.messages.codes import Channel, DispatchStatus
from oss_router.models import Dispatch


async def test_in_flight_counts_the_sent_and_delivered_dispatches_per_channel(
    settings: Settings,
) -> None:
    async with open_runtime(settings) as runtime:
        statuses = [DispatchStatus.SENT, DispatchStatus.DELIVERED, DispatchStatus.ANSWERED, None]
        for status in statuses:
            request = await stage_request(runtime, target_countries=["DE"])  # europol
            if status is not None:
                async with transaction(runtime.sessions) as session:
                    await session.execute(
                        update(Dispatch)
                        .where(Dispatch.request_id == request.id)
                        .values(status=status.value)
                    )

        async with runtime.sessions() as session:
            counts = await repository.in_flight_by_channel(session)

    assert counts == {Channel.EUROPOL: 2}
