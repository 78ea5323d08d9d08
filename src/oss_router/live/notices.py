"""Status notices the gateway itself causes (intake, cancellation), published after commit.

The tracker publishes the notices of channel results; the gateway publishes those of the
changes it makes, once its transaction has committed, so that no screen hears of a request
that was rolled back.
"""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.broker.contract import Broker, OutgoingMessage
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.messages.codes import RequestStatus
from oss_router.messages.status import StatusNotice
from oss_router.models import ExchangeRequest

log = logging.getLogger(__name__)

STAGED_NOTICES = "oss_router.live_notices"


def stage_notice(session: AsyncSession, request: ExchangeRequest, now: datetime) -> None:
    notice = StatusNotice(
        request_id=request.id, request_status=RequestStatus(request.status), at=now
    )
    session.info.setdefault(STAGED_NOTICES, []).append(notice)


async def publish_staged(session: AsyncSession, broker: Broker) -> None:
    """Publish what the committed transaction staged; best effort, screens also poll."""
    notices: list[StatusNotice] = session.info.pop(STAGED_NOTICES, [])
    if notices:
        await publish_notices(broker, notices)


async def publish_notices(broker: Broker, notices: list[StatusNotice]) -> None:
    messages = [
        OutgoingMessage(
            exchange=STATUS_EXCHANGE,
            routing_key="",
            body=notice.model_dump_json().encode(),
            message_id=f"{notice.request_id}:{notice.request_status}:{notice.at.isoformat()}",
            mandatory=False,
        )
        for notice in notices
    ]
    try:
        await broker.publish(messages)
    except Exception:  # a lost notice costs a screen one refresh, never a request
        log.warning("live: %d status notice(s) not published", len(messages))
